import { MAX_UPLOAD_BYTES, MAX_UPLOAD_MEGABYTES } from '@/config'

// Returns a message saying why the file cannot be sent, or '' when it is fine.
export function findImageFileProblem(file: File | undefined): string {
  if (!file) {
    return 'No file was chosen. Please choose a photo.'
  }
  if (!file.type || !file.type.startsWith('image/')) {
    return `"${file.name}" is not an image. Please choose a photo (JPEG or PNG).`
  }
  if (file.size === 0) {
    return `"${file.name}" is empty. Please choose another photo.`
  }
  if (file.size > MAX_UPLOAD_BYTES) {
    return `"${file.name}" is ${formatMegabytes(file.size)}, which is over the ${MAX_UPLOAD_MEGABYTES} MB limit. Please choose a smaller photo.`
  }
  return ''
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

export function formatFileSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : formatMegabytes(bytes)
}
