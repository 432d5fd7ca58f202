import axios from 'axios'
import { API_URL } from '@/config'
import type { components } from '@/lib/api-schema'

// Request and response bodies as the backend's OpenAPI schema declares them (see api-schema.d.ts).
export type ApiSchemas = components['schemas']

const REQUEST_TIMEOUT_MS = 60_000
const LONGEST_DETAIL_SHOWN = 300

export const apiClient = axios.create({ timeout: REQUEST_TIMEOUT_MS })

// Joins the API base URL and a path: works for "http://host:8000" and "/api" alike.
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}

export function apiUrl(path: string): string {
  return joinUrl(API_URL, path)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

// The API sends {"detail": "text"} (ErrorResponse); FastAPI's default validation errors, which a
// proxy or an older API may still send, are {"detail": [{"msg": "text"}, ...]}.
export function readErrorDetail(responseData: unknown): string {
  const detail = isRecord(responseData) ? responseData.detail : undefined
  if (typeof detail === 'string') {
    return detail.slice(0, LONGEST_DETAIL_SHOWN)
  }
  if (Array.isArray(detail)) {
    const messages = detail.map((item: unknown) => (isRecord(item) ? item.msg : undefined))
    return messages
      .filter((message): message is string => typeof message === 'string' && message !== '')
      .join('; ')
      .slice(0, LONGEST_DETAIL_SHOWN)
  }
  return ''
}
