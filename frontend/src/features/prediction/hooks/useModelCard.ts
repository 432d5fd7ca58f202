import { useEffect, useState } from 'react'
import { requestModelCard, type ModelCard } from '../api/model-card'

// Fetches the model card once. While the model loads the API answers 503, so when a prediction names a
// model version the card does not describe (none yet, or a newer model), it is fetched again.
export function useModelCard(predictedByVersion?: string) {
  const [card, setCard] = useState<ModelCard | null>(null)
  const cardVersion = card?.model_version
  const isCurrent = cardVersion !== undefined && (!predictedByVersion || predictedByVersion === cardVersion)

  useEffect(() => {
    if (isCurrent) return
    const controller = new AbortController()
    requestModelCard({ signal: controller.signal })
      .then((fetched) => {
        if (!controller.signal.aborted) setCard(fetched)
      })
      .catch(() => {
        // The card only adds context to a result; without it the page works as before.
      })
    return () => controller.abort()
  }, [isCurrent, predictedByVersion])

  return card
}
