import type { ApiSchemas } from '@/lib/api-client'

type PredictionResponse = ApiSchemas['PredictionResponse']

export const confidentPrediction: PredictionResponse = {
  predicted_class: 'Melanocytic nevi',
  confidence: 0.832,
  all_predictions: [
    { class_name: 'Melanocytic nevi', confidence: 0.832 },
    { class_name: 'Melanoma', confidence: 0.09 },
    { class_name: 'Benign keratosis-like lesions', confidence: 0.04 },
    { class_name: 'Basal cell carcinoma', confidence: 0.02 },
    { class_name: 'Actinic keratoses', confidence: 0.01 },
    { class_name: 'Vascular lesions', confidence: 0.005 },
    { class_name: 'Dermatofibroma', confidence: 0.003 },
  ],
  model_version: '3f2a9c1b7d4e',
  runtime: 'onnx',
  inference_ms: 41.2,
  quality_warnings: [],
}

export const uncertainPrediction: PredictionResponse = {
  predicted_class: 'Melanoma',
  confidence: 0.38,
  all_predictions: [
    { class_name: 'Melanoma', confidence: 0.38 },
    { class_name: 'Melanocytic nevi', confidence: 0.34 },
    { class_name: 'Benign keratosis-like lesions', confidence: 0.28 },
  ],
  model_version: '3f2a9c1b7d4e',
  runtime: 'onnx',
  inference_ms: 39.8,
  quality_warnings: [],
}

export function makeImageFile(name = 'lesion.png', { type = 'image/png', size = 2048 } = {}): File {
  return new File([new Uint8Array(size)], name, { type })
}
