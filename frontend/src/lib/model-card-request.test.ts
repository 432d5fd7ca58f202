import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { modelCard } from '@/testing/fixtures'
import { modelUrl, server } from '@/testing/server'
import { requestModelCardBody } from './model-card-request'

describe('requestModelCardBody', () => {
  it('sends one request for calls made while it is on its way, and a new one afterwards', async () => {
    let requests = 0
    server.use(
      http.get(modelUrl, () => {
        requests += 1
        return HttpResponse.json(modelCard)
      }),
    )
    const [first, second] = await Promise.all([requestModelCardBody(), requestModelCardBody()])
    expect(first).toEqual(modelCard)
    expect(second).toBe(first)
    expect(requests).toBe(1)
    await requestModelCardBody()
    expect(requests).toBe(2)
  })

  it('lets the next call ask again after a failure', async () => {
    server.use(http.get(modelUrl, () => HttpResponse.json({ detail: 'loading' }, { status: 503 }), { once: true }))
    await expect(requestModelCardBody()).rejects.toThrow()
    await expect(requestModelCardBody()).resolves.toEqual(modelCard)
  })
})
