import { apiClient, apiUrl } from '@/lib/api-client'

// GET /model's body, unchecked: each caller reads the part it needs. Calls made while a request is on its way
// share it, since the "About this model" card and the on-device analysis both ask as the page loads; a call
// after it has answered asks again.
let pending: Promise<unknown> | null = null

export function requestModelCardBody(): Promise<unknown> {
  pending ??= apiClient
    .get<unknown>(apiUrl('model'))
    .then((response) => response.data)
    .finally(() => {
      pending = null
    })
  return pending
}
