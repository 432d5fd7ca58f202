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
    let stale = false // the request may be shared, so it is not cancelled: its answer is ignored
    requestModelCard()
      .then((fetched) => {
        if (!stale) setCard(fetched)
      })
      .catch(() => {
        // The card only adds context to a result; without it the page works as before.
      })
    return () => {
      stale = true
    }
  }, [isCurrent, predictedByVersion])

  return card
}
