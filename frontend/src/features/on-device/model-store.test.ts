// @vitest-environment node
// WebCrypto and fetch as in a browser; jsdom's ArrayBuffer is another realm's, which WebCrypto refuses.
import { http, HttpResponse } from 'msw'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { apiUrl } from '@/lib/api-client'
import { server } from '@/testing/server'
import type { GraphFile } from './model-info'
import { MODEL_CACHE, ModelFileError, loadGraphFile, sha256Hex } from './model-store'

// Cache Storage as browsers keep it, in memory (jsdom has none): one cache per name, responses by URL.
class MemoryCaches {
  readonly stores = new Map<string, Map<string, Response>>()

  async open(name: string) {
    const store = this.stores.get(name) ?? new Map<string, Response>()
    this.stores.set(name, store)
    return {
      match: async (url: string) => store.get(url)?.clone(),
      put: async (url: string, response: Response) => {
        store.set(url, response)
      },
    }
  }
}

const url = apiUrl('model/files/model.onnx')
const firstModel = new Uint8Array([1, 2, 3, 4, 5])
const newerModel = new Uint8Array([9, 8, 7, 6, 5, 4])
let downloads = 0

async function described(bytes: Uint8Array): Promise<GraphFile> {
  return { url, sha256: await sha256Hex(bytes.slice().buffer), bytes: bytes.length }
}

function serve(bytes: Uint8Array) {
  server.use(
    http.get(url, () => {
      downloads += 1
      return HttpResponse.arrayBuffer(bytes.slice().buffer)
    }),
  )
}

beforeEach(() => {
  downloads = 0
  vi.stubGlobal('caches', new MemoryCaches())
})
afterEach(() => vi.unstubAllGlobals())

describe('sha256Hex', () => {
  it('is SHA-256 in lower-case hex', async () => {
    const abc = new TextEncoder().encode('abc')
    expect(await sha256Hex(abc.slice().buffer)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('loadGraphFile', () => {
  it('downloads a file once, checks its hash, and answers from the cache afterwards', async () => {
    serve(firstModel)
    const file = await described(firstModel)
    const first = await loadGraphFile(file)
    expect(first.fromCache).toBe(false)
    expect(new Uint8Array(first.bytes)).toEqual(firstModel)
    const second = await loadGraphFile(file)
    expect(second.fromCache).toBe(true)
    expect(new Uint8Array(second.bytes)).toEqual(firstModel)
    expect(downloads).toBe(1)
  })

  it('replaces the cached file when GET /model names a newer one', async () => {
    serve(firstModel)
    await loadGraphFile(await described(firstModel))
    serve(newerModel)
    const newer = await loadGraphFile(await described(newerModel))
    expect(newer.fromCache).toBe(false)
    expect(new Uint8Array(newer.bytes)).toEqual(newerModel)
    const cached = await (await caches.open(MODEL_CACHE)).match(url)
    expect(new Uint8Array((await cached?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(newerModel)
    expect(downloads).toBe(2)
  })

  it('refuses bytes whose hash or size is not the one GET /model gave, and caches nothing', async () => {
    serve(newerModel)
    await expect(loadGraphFile(await described(firstModel))).rejects.toBeInstanceOf(ModelFileError)
    const sameSize = { ...(await described(newerModel)), sha256: 'ab'.repeat(32) }
    await expect(loadGraphFile(sameSize)).rejects.toThrow(/sha256/)
    expect(await (await caches.open(MODEL_CACHE)).match(url)).toBeUndefined()
  })
})
