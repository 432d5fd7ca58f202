import type { GraphFile } from './model-info'

// The graphs' bytes, fetched once and kept in Cache Storage under their URL, with the sha256 GET /model gave
// for them. A file whose hash GET /model no longer names (a newer model) is fetched again and replaces it.
export const MODEL_CACHE = 'on-device-model'
const SHA_HEADER = 'x-model-sha256'

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ModelFileError'
  }
}

export function hexOf(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  return hexOf(await crypto.subtle.digest('SHA-256', bytes))
}

async function download(file: GraphFile): Promise<ArrayBuffer> {
  // Revalidated with the server (ETag = sha256), so the HTTP cache never hands back an older model's bytes.
  const response = await fetch(file.url, { cache: 'no-cache', credentials: 'omit' })
  if (!response.ok) throw new ModelFileError(`GET ${file.url} answered ${response.status}`)
  const bytes = await response.arrayBuffer()
  if (bytes.byteLength !== file.bytes) {
    throw new ModelFileError(`${file.url}: ${bytes.byteLength} bytes, GET /model says ${file.bytes}`)
  }
  const sha = await sha256Hex(bytes)
  if (sha !== file.sha256) throw new ModelFileError(`${file.url}: sha256 ${sha}, GET /model says ${file.sha256}`)
  return bytes
}

// The file's bytes: from the cache when it holds this exact version, else downloaded, checked and cached.
export async function loadGraphFile(file: GraphFile): Promise<{ bytes: ArrayBuffer; fromCache: boolean }> {
  const cache = await caches.open(MODEL_CACHE)
  const cached = await cache.match(file.url)
  if (cached && cached.headers.get(SHA_HEADER) === file.sha256) {
    const bytes = await cached.arrayBuffer()
    if (bytes.byteLength === file.bytes) return { bytes, fromCache: true }
  }
  const bytes = await download(file)
  const stored = new Response(bytes, {
    headers: { 'content-type': 'application/octet-stream', [SHA_HEADER]: file.sha256 },
  })
  await cache.put(file.url, stored).catch(() => {
    // Storage full or refused: the model still runs now, and is fetched again next time.
  })
  return { bytes, fromCache: false }
}
