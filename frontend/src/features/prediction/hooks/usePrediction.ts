import { useCallback, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { predictionErrorMessage } from '../api/prediction-error-message'
import { requestPrediction, type Prediction } from '../api/predict'

export type PredictionStatus = 'idle' | 'loading' | 'success' | 'error'

// Holds one prediction request; a new request or a reset cancels the one in flight.
export function usePrediction() {
  useTranslation() // the error message is worded again when the language changes
  const [status, setStatus] = useState<PredictionStatus>('idle')
  const [result, setResult] = useState<Prediction | null>(null)
  const [error, setError] = useState<unknown>(null)
  const inFlight = useRef<AbortController | null>(null)

  const cancelInFlight = useCallback(() => {
    inFlight.current?.abort()
    inFlight.current = null
  }, [])

  const reset = useCallback(() => {
    cancelInFlight()
    setStatus('idle')
    setResult(null)
    setError(null)
  }, [cancelInFlight])

  const analyze = useCallback(
    async (imageFile: File) => {
      cancelInFlight()
      const controller = new AbortController()
      inFlight.current = controller
      setStatus('loading')
      setResult(null)
      setError(null)
      try {
        const prediction = await requestPrediction(imageFile, { signal: controller.signal })
        if (controller.signal.aborted) return
        setResult(prediction)
        setStatus('success')
      } catch (caught) {
        if (controller.signal.aborted) return
        setError(caught)
        setStatus('error')
      } finally {
        if (inFlight.current === controller) inFlight.current = null
      }
    },
    [cancelInFlight],
  )

  useEffect(() => cancelInFlight, [cancelInFlight])

  // Worded on every render, so a message already shown follows a change of language.
  const errorMessage = status === 'error' ? predictionErrorMessage(error) : ''
  return { status, result, errorMessage, analyze, reset }
}
