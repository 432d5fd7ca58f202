import { renderHook, waitFor } from '@testing-library/react'
import { http, HttpResponse } from 'msw'
import { describe, expect, it } from 'vitest'
import { modelCard } from '@/testing/fixtures'
import { modelUrl, server } from '@/testing/server'
import { useModelCard } from './useModelCard'

describe('useModelCard', () => {
  it('fetches the card once, and again only when a prediction names another model version', async () => {
    let requests = 0
    let version = 'loading-failed'
    server.use(
      http.get(modelUrl, () => {
        requests += 1
        if (requests === 1) return HttpResponse.json({ detail: 'Model is still loading' }, { status: 503 })
        return HttpResponse.json({ ...modelCard, model_version: version })
      }),
    )
    const { result, rerender } = renderHook(({ predicted }: { predicted?: string }) => useModelCard(predicted), {
      initialProps: {},
    })
    await waitFor(() => expect(requests).toBe(1))
    expect(result.current).toBeNull()

    version = 'v1'
    rerender({ predicted: 'v1' }) // a prediction arrived: the model is up now
    await waitFor(() => expect(result.current?.model_version).toBe('v1'))
    rerender({ predicted: 'v1' })
    rerender({})
    expect(requests).toBe(2)
  })
})
