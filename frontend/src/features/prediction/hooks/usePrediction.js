import { useCallback, useEffect, useRef, useState } from 'react'
import { errorToMessage } from '../../../lib/api-client'
import { requestPrediction } from '../api/predict'

// Holds one prediction request: 'idle' | 'loading' | 'success' | 'error'.
export function usePrediction() {
  const [status, setStatus] = useState('idle')
  const [result, setResult] = useState(null)
  const [errorMessage, setErrorMessage] = useState('')
  const inFlight = useRef(null)

  const cancelInFlight = () => {
    inFlight.current?.abort()
    inFlight.current = null
  }

  const reset = useCallback(() => {
    cancelInFlight()
    setStatus('idle')
    setResult(null)
    setErrorMessage('')
  }, [])

  const analyze = useCallback(async (imageFile) => {
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
      setErrorMessage(errorToMessage(error))
      setStatus('error')
    } finally {
      if (inFlight.current === controller) inFlight.current = null
    }
  }, [])

  useEffect(() => cancelInFlight, [])

  return { status, result, errorMessage, analyze, reset }
}
