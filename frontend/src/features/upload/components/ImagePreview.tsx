import { useCallback } from 'react'
import { formatFileSize } from '../validate-image'

export function ImagePreview({ file }: { file: File }) {
  // The object URL lives exactly as long as this <img> shows this file: React runs the returned cleanup
  // when the image goes away or the file changes, which frees the memory the URL holds.
  const showFile = useCallback(
    (image: HTMLImageElement | null) => {
      if (!image) return
      const url = URL.createObjectURL(file)
      image.src = url
      return () => URL.revokeObjectURL(url)
    },
    [file],
  )

  return (
    <figure className="preview">
      <img ref={showFile} className="preview__image" alt={`Preview of the chosen photo, ${file.name}`} />
      <figcaption className="preview__caption">
        {file.name} · {formatFileSize(file.size)}
      </figcaption>
    </figure>
  )
}
