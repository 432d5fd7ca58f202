import { useEffect, useState } from 'react'
import { formatFileSize } from '../validate-image'

export function ImagePreview({ file }) {
  const [previewUrl, setPreviewUrl] = useState('')

  useEffect(() => {
    const url = URL.createObjectURL(file)
    setPreviewUrl(url)
    return () => URL.revokeObjectURL(url)
  }, [file])

  return (
    <figure className="preview">
      {previewUrl && (
        <img className="preview__image" src={previewUrl} alt={`Preview of the chosen photo, ${file.name}`} />
      )}
      <figcaption className="preview__caption">
        {file.name} · {formatFileSize(file.size)}
      </figcaption>
    </figure>
  )
}
