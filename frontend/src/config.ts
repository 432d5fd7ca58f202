// Every value the page reads from the environment, in one place.
// Vite replaces import.meta.env.VITE_* at build time.

export const DEFAULT_API_URL = 'http://localhost:8000'
export const DEFAULT_LOW_CONFIDENCE_THRESHOLD = 0.5

export const MAX_UPLOAD_MEGABYTES = 10
export const MAX_UPLOAD_BYTES = MAX_UPLOAD_MEGABYTES * 1024 * 1024

export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '')
}

export function readThreshold(rawValue: string | undefined): number {
  const threshold = Number.parseFloat(rawValue ?? '')
  if (Number.isNaN(threshold) || threshold < 0 || threshold > 1) {
    return DEFAULT_LOW_CONFIDENCE_THRESHOLD
  }
  return threshold
}

export const API_URL = trimTrailingSlashes(import.meta.env.VITE_API_URL || DEFAULT_API_URL)

export const LOW_CONFIDENCE_THRESHOLD = readThreshold(import.meta.env.VITE_LOW_CONFIDENCE_THRESHOLD)
