import type { Prediction } from './api/predict'

// What the page may say about a prediction, decided in one place:
//   not-skin     the picture does not look like skin: no lesion is named, nothing is charted
//   cannot-tell  no class is clearly more likely: the spread is charted, no winner is named
//   named-class  the most likely class is named (under a warning when the picture is an ordinary photo)
export type AnswerKind = 'not-skin' | 'cannot-tell' | 'named-class'

export function answerKind(prediction: Prediction): AnswerKind {
  if (prediction.image_kind === 'not-skin') return 'not-skin'
  if (prediction.uncertain) return 'cannot-tell'
  return 'named-class'
}
