import { answerKind } from './answer-kind'
import type { Prediction } from './api/predict'

// Stands in for the API's sentence when it sends a heat map without one.
export const HEATMAP_FALLBACK_DESCRIPTION = 'The coloured areas show where the model looked most.'

export type Heatmap = { src: string; description: string }

// The heat map to lay over the photo, with the sentence that says the same in words. None for a picture
// that is not skin: there is no lesion answer for it to explain.
export function heatmapOf(prediction: Prediction): Heatmap | null {
  if (!prediction.heatmap || answerKind(prediction) === 'not-skin') return null
  return { src: prediction.heatmap, description: prediction.heatmap_description ?? HEATMAP_FALLBACK_DESCRIPTION }
}
