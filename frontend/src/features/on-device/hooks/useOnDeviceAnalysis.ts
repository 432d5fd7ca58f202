import { useCallback, useEffect, useState } from 'react'
import type { DeviceAnswer } from '../answer'
import { onDeviceAnalyser } from '../client'

export type AnalyseOnDevice = (file: File, signal?: AbortSignal) => Promise<DeviceAnswer | null>

// The on-device analysis for the page: prepared in the background once the page has loaded, so the model is
// downloaded (once) and its sessions started before the first photo. `ready` says they are; null answers mean
// "ask the server".
export function useOnDeviceAnalysis(): { analyse: AnalyseOnDevice; ready: boolean } {
  const [ready, setReady] = useState(false)
  useEffect(() => {
    const analyser = onDeviceAnalyser()
    if (!analyser.usable) return
    let active = true
    const start = () =>
      void analyser.prepare().then(
        (prepared) => active && setReady(prepared),
        () => undefined,
      )
    if (document.readyState === 'complete') start()
    else window.addEventListener('load', start, { once: true })
    return () => {
      active = false
      window.removeEventListener('load', start)
    }
  }, [])
  const analyse = useCallback((file: File, signal?: AbortSignal) => onDeviceAnalyser().analyse(file, signal), [])
  return { analyse, ready }
}
