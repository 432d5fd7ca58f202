import { useCallback, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { predictionErrorMessage } from '../api/prediction-error-message'
import { requestPrediction, type Prediction } from '../api/predict'

export type PredictionStatus = 'idle' | 'loading' | 'success' | 'error'

// An answer computed in this browser, or null when the server has to answer.
export type AnalyseOnDevice = (imageFile: File, signal: AbortSignal) => Promise<Prediction | null>

// Holds one prediction request; a new request or a reset cancels the one in flight. With `analyseOnDevice` the
// photo is analysed in the browser first, and sent to POST /predict only when that gives no answer.
export function usePrediction(analyseOnDevice?: AnalyseOnDevice) {
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
        const onDevice = analyseOnDevice
          ? await analyseOnDevice(imageFile, controller.signal).catch(() => null)
          : null
        if (controller.signal.aborted) return
        const prediction = onDevice ?? (await requestPrediction(imageFile, { signal: controller.signal }))
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
    [cancelInFlight, analyseOnDevice],
  )

  useEffect(() => cancelInFlight, [cancelInFlight])

  // Worded on every render, so a message already shown follows a change of language.
  const errorMessage = status === 'error' ? predictionErrorMessage(error) : ''
  return { status, result, errorMessage, analyze, reset }
}
