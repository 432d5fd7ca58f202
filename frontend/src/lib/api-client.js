import axios from 'axios'
import { API_URL, MAX_UPLOAD_MEGABYTES } from '../config'

const REQUEST_TIMEOUT_MS = 60_000
const LONGEST_DETAIL_SHOWN = 300

export const apiClient = axios.create({ timeout: REQUEST_TIMEOUT_MS })

// Joins the API base URL and a path: works for "http://host:8000" and "/api" alike.
export function joinUrl(base, path) {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

export function apiUrl(path) {
  return joinUrl(API_URL, path)
}

// FastAPI sends {"detail": "text"} or, for validation errors, {"detail": [{"msg": "text"}, ...]}.
export function readErrorDetail(responseData) {
  const detail = responseData?.detail
  if (typeof detail === 'string') {
    return detail.slice(0, LONGEST_DETAIL_SHOWN)
  }
  if (Array.isArray(detail)) {
    const messages = detail.map((item) => item?.msg).filter(Boolean)
    return messages.join('; ').slice(0, LONGEST_DETAIL_SHOWN)
  }
  return ''
}

function withDetail(message, detail) {
  return detail ? `${message} (Server message: ${detail})` : message
}

// Turns any failed request into one sentence a person can act on.
export function errorToMessage(error) {
  if (axios.isCancel(error)) {
    return ''
  }
  if (!error?.response) {
    if (error?.code === 'ECONNABORTED' || error?.code === 'ETIMEDOUT') {
      return 'The analysis server took too long to answer. Please try again in a moment.'
    }
    if (error?.isAxiosError) {
      return 'Cannot reach the analysis server. Check your internet connection, or that the server is running, and try again.'
    }
    return error?.message || 'Something unexpected went wrong. Please try again.'
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
      return withDetail(
        'This file is not a supported image. Please choose a JPEG or PNG photo.',
        detail,
      )
    case 422:
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
