import { act, renderHook, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { confidentPrediction, makeImageFile, uncertainPrediction } from '@/testing/fixtures'
import { receivedUploads } from '@/testing/server'
import type { Prediction } from '../api/predict'
import { usePrediction } from './usePrediction'

const onDeviceAnswer: Prediction = { ...uncertainPrediction, computedOn: 'device' }

describe('usePrediction with an on-device analysis', () => {
  it('takes the answer computed on this device and sends nothing', async () => {
    const analyse = vi.fn(async () => onDeviceAnswer)
    const { result } = renderHook(() => usePrediction(analyse))
    await act(() => result.current.analyze(makeImageFile()))
    expect(result.current.status).toBe('success')
    expect(result.current.result).toEqual(onDeviceAnswer)
    expect(analyse).toHaveBeenCalledTimes(1)
    expect(receivedUploads).toHaveLength(0)
  })

  it('asks the server when the device gives no answer, or fails', async () => {
    for (const analyse of [vi.fn(async () => null), vi.fn(async () => Promise.reject(new Error('no wasm')))]) {
      receivedUploads.length = 0
      const { result } = renderHook(() => usePrediction(analyse))
      await act(() => result.current.analyze(makeImageFile()))
      await waitFor(() => expect(result.current.status).toBe('success'))
      expect(result.current.result?.predicted_class).toBe(confidentPrediction.predicted_class)
      expect(result.current.result?.computedOn).toBe('server')
      expect(receivedUploads).toHaveLength(1)
    }
  })
})
