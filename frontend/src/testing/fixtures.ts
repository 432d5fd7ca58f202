import type { ApiSchemas } from '@/lib/api-client'

type PredictionResponse = ApiSchemas['PredictionResponse']
type ModelCardResponse = ApiSchemas['ModelCardResponse']

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

export const modelCard: ModelCardResponse = {
  model_version: '3f2a9c1b7d4e',
  runtime: 'onnx',
  backbone: 'efficientnet-lite2',
  intended_use: 'Education and research. Not a medical device; it does not diagnose.',
  disclaimer: 'For education and research only.',
  classes: [
    { name: 'Actinic keratoses', description: 'Rough, scaly patches from sun exposure.', category: 'pre-malignant', see_a_doctor: true, test_recall: 0.267, test_support: 15 },
    { name: 'Basal cell carcinoma', description: 'The most common skin cancer.', category: 'malignant', see_a_doctor: true, test_recall: 0.767, test_support: 30 },
    { name: 'Benign keratosis-like lesions', description: 'Harmless growths.', category: 'benign', see_a_doctor: false, test_recall: 0.596, test_support: 57 },
    { name: 'Dermatofibroma', description: 'A small, firm, harmless bump.', category: 'benign', see_a_doctor: false, test_recall: 0.333, test_support: 9 },
    { name: 'Melanocytic nevi', description: 'Ordinary moles.', category: 'benign', see_a_doctor: false, test_recall: 0.739, test_support: 628 },
    { name: 'Melanoma', description: 'A skin cancer of the pigment cells.', category: 'malignant', see_a_doctor: true, test_recall: 0.617, test_support: 60 },
    { name: 'Vascular lesions', description: 'Harmless marks made of small blood vessels.', category: 'benign', see_a_doctor: false, test_recall: 0.727, test_support: 11 },
  ],
  data: { description: 'HAM10000 dermatoscopic images.', licence: 'CC BY-NC 4.0', split_sizes: { test: 810 } },
  calibration: { temperature: 1.9152, fitted_on: 'val', test_expected_calibration_error: 0.0416 },
  test: { samples: 810, balanced_accuracy: 0.578, accuracy: 0.707 },
}
