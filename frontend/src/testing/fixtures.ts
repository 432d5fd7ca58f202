import type { ApiSchemas } from '@/lib/api-client'

type PredictionResponse = ApiSchemas['PredictionResponse']
type ModelCardResponse = ApiSchemas['ModelCardResponse']

// A 1 × 1 transparent PNG: the shape of the heat map POST /predict?explain=true sends.
export const HEATMAP_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII='

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
  uncertain: false,
  image_kind: 'dermoscopy',
  image_kind_score: 0.97,
  heatmap: HEATMAP_PNG,
  heatmap_description: 'The model looked most at the centre of the image.',
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
  uncertain: true,
  image_kind: 'dermoscopy',
  image_kind_score: 0.91,
  heatmap: HEATMAP_PNG,
  heatmap_description: 'The model looked most at the upper left of the image.',
}

// An everyday photo: the image-kind check says it is not skin, so the page names no lesion.
export const notSkinPrediction: PredictionResponse = {
  ...confidentPrediction,
  image_kind: 'not-skin',
  image_kind_score: 0.99,
  heatmap: null,
  heatmap_description: null,
}

// An ordinary photo of skin, not a dermoscopy image: the answer stands, under a warning.
export const skinPhotoPrediction: PredictionResponse = {
  ...confidentPrediction,
  image_kind: 'skin-photo',
  image_kind_score: 0.88,
}

export function makeImageFile(name = 'lesion.png', { type = 'image/png', size = 2048 } = {}): File {
  return new File([new Uint8Array(size)], name, { type })
}

export const modelCard: ModelCardResponse = {
  model_version: '3f2a9c1b7d4e',
  runtime: 'onnx',
  backbone: 'efficientnet-lite2',
  // The statement every artifact carries unless its manifest says otherwise (skin_classifier.serving.artifact).
  intended_use:
    'Education, research and software development: showing what an image classifier trained on dermatoscopic ' +
    'images does with a photo. Not a medical device; it does not diagnose.',
  disclaimer: 'For education and research only.',
  classes: [
    { name: 'Actinic keratoses', description: 'Rough, scaly patches from sun exposure.', descriptions: { en: 'Rough, scaly patches from sun exposure.', hi: 'धूप से बने खुरदरे, पपड़ीदार धब्बे।' }, category: 'pre-malignant', see_a_doctor: true, test_recall: 0.267, test_support: 15 },
    { name: 'Basal cell carcinoma', description: 'The most common skin cancer.', descriptions: { en: 'The most common skin cancer.', hi: 'त्वचा का सबसे आम कैंसर।' }, category: 'malignant', see_a_doctor: true, test_recall: 0.767, test_support: 30 },
    { name: 'Benign keratosis-like lesions', description: 'Harmless growths.', descriptions: { en: 'Harmless growths.', hi: 'हानिरहित उभार।' }, category: 'benign', see_a_doctor: false, test_recall: 0.596, test_support: 57 },
    { name: 'Dermatofibroma', description: 'A small, firm, harmless bump.', descriptions: { en: 'A small, firm, harmless bump.', hi: 'एक छोटी, सख़्त, हानिरहित गाँठ।' }, category: 'benign', see_a_doctor: false, test_recall: 0.333, test_support: 9 },
    { name: 'Melanocytic nevi', description: 'Ordinary moles.', descriptions: { en: 'Ordinary moles.', hi: 'साधारण तिल।' }, category: 'benign', see_a_doctor: false, test_recall: 0.739, test_support: 628 },
    { name: 'Melanoma', description: 'A skin cancer of the pigment cells.', descriptions: { en: 'A skin cancer of the pigment cells.', hi: 'रंग बनाने वाली कोशिकाओं का त्वचा कैंसर।' }, category: 'malignant', see_a_doctor: true, test_recall: 0.617, test_support: 60 },
    { name: 'Vascular lesions', description: 'Harmless marks made of small blood vessels.', descriptions: { en: 'Harmless marks made of small blood vessels.', hi: 'छोटी रक्त-वाहिकाओं से बने हानिरहित निशान।' }, category: 'benign', see_a_doctor: false, test_recall: 0.727, test_support: 11 },
  ],
  data: { description: 'HAM10000 dermatoscopic images.', licence: 'CC BY-NC 4.0', split_sizes: { test: 810 } },
  calibration: { temperature: 1.9152, fitted_on: 'val', test_expected_calibration_error: 0.0416, uncertainty_threshold: 0.45 },
  test: { samples: 810, balanced_accuracy: 0.578, accuracy: 0.707 },
  image_kind: { kinds: ['dermoscopy', 'skin-photo', 'not-skin'], dermoscopy_threshold: 0.25, validation_dermoscopy_flagged: 0.001 },
}
