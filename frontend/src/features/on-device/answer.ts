import type { ApiSchemas } from '@/lib/api-client'
import { readImageKind } from '@/lib/image-kind'
import type { OnDeviceModel } from './model-info'
import type { RawAnswer } from './protocol'

type PredictionResponse = ApiSchemas['PredictionResponse']

// The quality flags of the answer graph, in its order.
export const QUALITY_CODES = ['too_dark', 'too_bright', 'blurred', 'too_small'] as const
type QualityCode = (typeof QUALITY_CODES)[number]

// The server's advice for each flag, word for word (skin_classifier.serving.quality.MESSAGES), so an answer made
// here carries the message POST /predict would send. The page shows it in English; in Hindi it words the code.
const SERVER_ADVICE: Record<QualityCode, string> = {
  too_dark:
    "The photo is too dark to show the lesion's colours and structure. Retake it in good, even light, without shadows.",
  too_bright:
    'The photo is too bright: parts of the lesion are washed out. Retake it without flash or direct sunlight, in even light.',
  blurred:
    'The photo is blurred, so fine structure the model relies on is lost. Hold the camera steady, let it focus on the lesion, and retake it.',
  too_small:
    'The image is small (under 224 pixels on its shorter side), so it holds little detail. Send the original photo, not a thumbnail or a screenshot.',
}
export const DEVICE_RUNTIME = 'onnxruntime-web'

// An answer computed in this browser, in the shape POST /predict answers, saying where it was computed.
export type DeviceAnswer = Pick<
  PredictionResponse,
  | 'predicted_class'
  | 'confidence'
  | 'all_predictions'
  | 'uncertain'
  | 'image_kind'
  | 'image_kind_score'
  | 'heatmap'
  | 'heatmap_description'
  | 'model_version'
  | 'runtime'
  | 'inference_ms'
  | 'quality_warnings'
> & { computedOn: 'device' }

// Ranks the classes, names the image kind and words the quality flags as the server would (its English advice;
// the page shows its own translation by code in another language).
export function assembleAnswer(raw: RawAnswer, model: OnDeviceModel): DeviceAnswer {
  if (raw.probabilities.length !== model.classNames.length) {
    throw new Error('The on-device model answered a different number of classes than GET /model names.')
  }
  const ranked = raw.probabilities
    .map((confidence, index) => ({ class_name: model.classNames[index] ?? '', confidence }))
    .sort((first, second) => second.confidence - first.confidence)
  const top = ranked[0]
  if (!top) throw new Error('The on-device model answered no class.')
  const imageKind = raw.imageKindIndex === null ? null : readImageKind(model.imageKinds[raw.imageKindIndex])
  return {
    predicted_class: top.class_name,
    confidence: top.confidence,
    all_predictions: ranked,
    uncertain: raw.uncertain,
    image_kind: imageKind,
    image_kind_score: imageKind === null ? null : raw.imageKindScore,
    quality_warnings: QUALITY_CODES.filter((_, index) => raw.qualityFlags[index] === true).map((code) => ({
      code,
      message: SERVER_ADVICE[code],
    })),
    heatmap: raw.heatmap,
    heatmap_description: raw.heatmapDescription,
    model_version: model.modelVersion,
    runtime: DEVICE_RUNTIME,
    inference_ms: raw.inferenceMs,
    computedOn: 'device',
  }
}
