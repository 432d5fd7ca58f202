import { useCallback } from 'react'
import { useTranslation } from 'react-i18next'
import { formatFileSize } from '../validate-image'

// A picture drawn over the preview in the same box, such as where a model looked.
export type PreviewOverlay = { src: string; alt: string }

export function ImagePreview({ file, overlay = null }: { file: File; overlay?: PreviewOverlay | null }) {
  const { t } = useTranslation()
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
      {/* The overlay fills the image's own box and fits its picture the same way, so the two line up
          as long as the overlay has the photo's aspect ratio. */}
      <div className="preview__frame">
        <img ref={showFile} className="preview__image" alt={t('upload.previewAlt', { name: file.name })} />
        {overlay && <img className="preview__image preview__overlay" src={overlay.src} alt={overlay.alt} />}
      </div>
      <figcaption className="preview__caption">
        {file.name} · {formatFileSize(file.size)}
      </figcaption>
    </figure>
  )
}
