import { useCallback, useEffect, useRef, useState } from 'react'
import { predictionErrorMessage } from '../api/prediction-error-message'
import { requestPrediction, type Prediction } from '../api/predict'

export type PredictionStatus = 'idle' | 'loading' | 'success' | 'error'

// Holds one prediction request; a new request or a reset cancels the one in flight.
export function usePrediction() {
  const [status, setStatus] = useState<PredictionStatus>('idle')
  const [result, setResult] = useState<Prediction | null>(null)
  const [errorMessage, setErrorMessage] = useState('')
  const inFlight = useRef<AbortController | null>(null)

  const cancelInFlight = useCallback(() => {
    inFlight.current?.abort()
    inFlight.current = null
  }, [])

  const reset = useCallback(() => {
    cancelInFlight()
    setStatus('idle')
    setResult(null)
    setErrorMessage('')
  }, [cancelInFlight])

  const analyze = useCallback(
    async (imageFile: File) => {
      cancelInFlight()
      const controller = new AbortController()
      inFlight.current = controller
      setStatus('loading')
      setResult(null)
      setErrorMessage('')
      try {
        const prediction = await requestPrediction(imageFile, { signal: controller.signal })
        if (controller.signal.aborted) return
        setResult(prediction)
        setStatus('success')
      } catch (error) {
        if (controller.signal.aborted) return
        setErrorMessage(predictionErrorMessage(error))
        setStatus('error')
      } finally {
        if (inFlight.current === controller) inFlight.current = null
      }
    },
    [cancelInFlight],
  )

  useEffect(() => cancelInFlight, [cancelInFlight])

  return { status, result, errorMessage, analyze, reset }
}
