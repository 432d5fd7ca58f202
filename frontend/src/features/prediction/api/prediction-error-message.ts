import axios from 'axios'
import { MAX_UPLOAD_MEGABYTES } from '@/config'
import { readErrorDetail } from '@/lib/api-client'

function withDetail(message: string, detail: string): string {
  return detail ? `${message} (Server message: ${detail})` : message
}

// The API's own error answers carry one `detail` sentence written for a person; FastAPI's default
// validation errors (a list) do not.
function sentOwnWords(data: unknown): boolean {
  return typeof (data as { detail?: unknown } | null)?.detail === 'string'
}

// Turns a failed prediction request into one sentence a person can act on ('' when it was cancelled).
export function predictionErrorMessage(error: unknown): string {
  if (axios.isCancel(error)) {
    return ''
  }
  if (!axios.isAxiosError(error)) {
    return error instanceof Error && error.message ? error.message : 'Something unexpected went wrong. Please try again.'
  }
  if (!error.response) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return 'The analysis server took too long to answer. Please try again in a moment.'
    }
    return 'Cannot reach the analysis server. Check your internet connection, or that the server is running, and try again.'
  }

  const { status, data } = error.response
  const detail = readErrorDetail(data)
  switch (status) {
    case 413:
      return withDetail(
        `This image is too large for the server. Please choose an image smaller than ${MAX_UPLOAD_MEGABYTES} MB.`,
        detail,
      )
    case 415:
      return withDetail('This file is not a supported image. Please choose a JPEG or PNG photo.', detail)
    case 422:
      // The image could not be used: empty, damaged, or (where the server is set to refuse them) not a photo
      // of skin. Only the server knows which, so its own words are shown as they are.
      if (detail && sentOwnWords(data)) return detail
      return withDetail(
        'The server could not read this image. It may be empty or damaged. Please choose another photo.',
        detail,
      )
    case 503:
      return 'The model is not ready yet (it may still be loading). Please wait a minute and try again.'
    default:
      return `The analysis server had a problem (error ${status}). Please try again later.`
  }
}
