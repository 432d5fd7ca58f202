import { useRef, useState, type ChangeEvent, type DragEvent, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { MAX_UPLOAD_BYTES } from '@/config'
import { formatFileSize } from '../validate-image'

// A drop zone that also opens the file picker (click, Enter or Space),
// plus a "Take a photo" button that opens the camera on phones.
type ImagePickerProps = {
  onFileChosen: (file: File) => void
  disabled?: boolean
}

export function ImagePicker({ onFileChosen, disabled = false }: ImagePickerProps) {
  const { t } = useTranslation()
  const fileInput = useRef<HTMLInputElement>(null)
  const cameraInput = useRef<HTMLInputElement>(null)
  const [isDraggingOver, setIsDraggingOver] = useState(false)

  const openFilePicker = () => {
    if (!disabled) fileInput.current?.click()
  }

  const handleKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault()
      openFilePicker()
    }
  }

  const handleDragOver = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    if (!disabled) setIsDraggingOver(true)
  }

  const handleDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setIsDraggingOver(false)
    const droppedFile = event.dataTransfer?.files?.[0]
    if (droppedFile && !disabled) onFileChosen(droppedFile)
  }

  const handleInputChange = (event: ChangeEvent<HTMLInputElement>) => {
    const chosenFile = event.target.files?.[0]
    // Clear the input so choosing the same file again still fires a change.
    event.target.value = ''
    if (chosenFile) onFileChosen(chosenFile)
  }

  const dropZoneClass = ['drop-zone', isDraggingOver && 'drop-zone--active', disabled && 'drop-zone--disabled']
    .filter(Boolean)
    .join(' ')

  return (
    <div className="image-picker">
      <div
        className={dropZoneClass}
        role="button"
        tabIndex={disabled ? -1 : 0}
        aria-disabled={disabled || undefined}
        aria-label={t('upload.dropZoneLabel')}
        aria-describedby="drop-zone-hint"
        onClick={openFilePicker}
        onKeyDown={handleKeyDown}
        onDragOver={handleDragOver}
        onDragLeave={() => setIsDraggingOver(false)}
        onDrop={handleDrop}
        data-testid="drop-zone"
      >
        <svg className="drop-zone__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <span className="drop-zone__title">{t('upload.dropZoneTitle')}</span>
        <span className="drop-zone__hint" id="drop-zone-hint">
          {t('upload.dropZoneHint', { size: formatFileSize(MAX_UPLOAD_BYTES) })}
        </span>
      </div>

      <input
        ref={fileInput}
        className="visually-hidden"
        type="file"
        accept="image/*"
        aria-label={t('upload.chooseFile')}
        tabIndex={-1}
        disabled={disabled}
        onChange={handleInputChange}
      />

      <div className="image-picker__camera">
        <span className="image-picker__or" aria-hidden="true">
          {t('upload.or')}
        </span>
        <button
          type="button"
          className="button button--secondary"
          onClick={() => cameraInput.current?.click()}
          disabled={disabled}
        >
          {t('upload.takePhoto')}
        </button>
        <input
          ref={cameraInput}
          className="visually-hidden"
          type="file"
          accept="image/*"
          capture="environment"
          aria-label={t('upload.takePhotoLabel')}
          tabIndex={-1}
          disabled={disabled}
          onChange={handleInputChange}
        />
      </div>
    </div>
  )
}
