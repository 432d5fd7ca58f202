// Every value the page reads from the environment, in one place.
// Vite replaces import.meta.env.VITE_* at build time.

export const DEFAULT_API_URL = 'http://localhost:8000'

export const MAX_UPLOAD_MEGABYTES = 10
export const MAX_UPLOAD_BYTES = MAX_UPLOAD_MEGABYTES * 1024 * 1024

export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '')
}

export const API_URL = trimTrailingSlashes(import.meta.env.VITE_API_URL || DEFAULT_API_URL)
