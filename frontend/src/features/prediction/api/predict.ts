import { apiClient, apiUrl, type ApiSchemas } from '@/lib/api-client'

export type ClassScore = ApiSchemas['ClassScore']
export type QualityWarning = ApiSchemas['QualityWarning']

// What POST /predict answers. The page needs only the class and the scores; the model details are
// shown when present, so an API that leaves them out still gets its result on screen.
export type Prediction = Pick<ApiSchemas['PredictionResponse'], 'predicted_class' | 'confidence' | 'all_predictions'> &
  Partial<Pick<ApiSchemas['PredictionResponse'], 'model_version' | 'runtime' | 'inference_ms' | 'quality_warnings'>>

export class UnexpectedResponseError extends Error {
  constructor() {
    super('The analysis server sent an answer this page does not understand. Please check the API address and try again.')
    this.name = 'UnexpectedResponseError'
  }
}

function isClassScore(value: unknown): value is ClassScore {
  const score = value as Partial<ClassScore> | null
  return typeof score?.class_name === 'string' && typeof score.confidence === 'number'
}

// A warning is shown by its message; one the page cannot read is left out rather than failing the result.
function isQualityWarning(value: unknown): value is QualityWarning {
  const warning = value as Partial<QualityWarning> | null
  return typeof warning?.code === 'string' && typeof warning.message === 'string' && warning.message !== ''
}

// A wrong API address can answer 200 with an HTML page or other JSON: check before trusting the shape.
function isPrediction(body: unknown): body is Prediction {
  const candidate = body as Partial<Prediction> | null
  return (
    typeof candidate?.predicted_class === 'string' &&
    typeof candidate.confidence === 'number' &&
    Array.isArray(candidate.all_predictions) &&
    candidate.all_predictions.every(isClassScore)
  )
}

// Sends one image to POST /predict and returns the prediction, classes most likely first.
export async function requestPrediction(imageFile: File, { signal }: { signal?: AbortSignal } = {}): Promise<Prediction> {
  const form = new FormData()
  form.append('file', imageFile, imageFile.name)
  const response = await apiClient.post<unknown>(apiUrl('predict'), form, { signal })
  if (!isPrediction(response.data)) {
    throw new UnexpectedResponseError()
  }
  const allPredictions = [...response.data.all_predictions].sort(
    (first, second) => second.confidence - first.confidence,
  )
  const warnings: unknown = response.data.quality_warnings
  const qualityWarnings = Array.isArray(warnings) ? warnings.filter(isQualityWarning) : []
  return { ...response.data, all_predictions: allPredictions, quality_warnings: qualityWarnings }
}
