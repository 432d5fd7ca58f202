import { MAX_UPLOAD_BYTES } from '@/config'
import { i18n } from '@/lib/i18n'
import { formatNumber } from '@/lib/intl'

const MEGABYTE = 1024 * 1024

// Returns a message saying why the file cannot be sent, or '' when it is fine.
export function findImageFileProblem(file: File | undefined): string {
  if (!file) {
    return i18n.t('upload.noFile')
  }
  if (!file.type || !file.type.startsWith('image/')) {
    return i18n.t('upload.notAnImage', { name: file.name })
  }
  if (file.size === 0) {
    return i18n.t('upload.emptyFile', { name: file.name })
  }
  if (file.size > MAX_UPLOAD_BYTES) {
    return i18n.t('upload.tooLarge', {
      name: file.name,
      size: formatMegabytes(file.size),
      limit: formatFileSize(MAX_UPLOAD_BYTES),
    })
  }
  return ''
}

// 5767168 -> "5.5 MB"; a whole number of megabytes has no decimals ("10 MB").
export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / MEGABYTE
  return i18n.t('upload.megabytes', { value: formatNumber(megabytes, Number.isInteger(megabytes) ? 0 : 1) })
}

export function formatFileSize(bytes: number): string {
  return bytes < MEGABYTE
    ? i18n.t('upload.kilobytes', { value: formatNumber(Math.max(1, Math.round(bytes / 1024))) })
    : formatMegabytes(bytes)
}
