import { apiClient, apiUrl, type ApiSchemas } from '@/lib/api-client'
import { readImageKind } from '@/lib/image-kind'

type PredictionResponse = ApiSchemas['PredictionResponse']
export type ClassScore = ApiSchemas['ClassScore']
export type QualityWarning = ApiSchemas['QualityWarning']
export type { ImageKind } from '@/lib/image-kind'

// Where an answer was computed: in this browser, or by POST /predict.
export type ComputedOn = 'device' | 'server'

// What POST /predict answers (or the same computed on this device). The page needs the class and the scores; the
// rest is filled in by requestPrediction when an older API leaves it out, and the model details are shown when present.
export type Prediction = Pick<
  PredictionResponse,
  | 'predicted_class'
  | 'confidence'
  | 'all_predictions'
  | 'uncertain'
  | 'image_kind'
  | 'image_kind_score'
  | 'heatmap'
  | 'heatmap_description'
> &
  Partial<Pick<PredictionResponse, 'model_version' | 'runtime' | 'inference_ms' | 'quality_warnings'>> & {
    computedOn?: ComputedOn
  }

// The part of the answer every version of the API sends.
type Classification = Pick<Prediction, 'predicted_class' | 'confidence' | 'all_predictions'>

export class UnexpectedResponseError extends Error {
  constructor() {
    super('The analysis server sent an answer this page does not understand.')
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
function isClassification(body: unknown): body is Classification {
  const candidate = body as Partial<Classification> | null
  return (
    typeof candidate?.predicted_class === 'string' &&
    typeof candidate.confidence === 'number' &&
    Array.isArray(candidate.all_predictions) &&
    candidate.all_predictions.every(isClassScore)
  )
}

function readScore(value: unknown): number | null {
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : null
}

// Only an inline image goes into <img src>: the heat map is drawn by the API, never fetched from elsewhere.
function readHeatmap(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith('data:image/') ? value : null
}

function readText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null
}

// Sends one image to POST /predict, asking for the heat map too, and returns the prediction, classes most
// likely first. Fields an older API does not send get the value that changes nothing on the page.
export async function requestPrediction(imageFile: File, { signal }: { signal?: AbortSignal } = {}): Promise<Prediction> {
  const form = new FormData()
  form.append('file', imageFile, imageFile.name)
  const response = await apiClient.post<unknown>(apiUrl('predict'), form, { signal, params: { explain: true } })
  const body: unknown = response.data
  if (!isClassification(body)) {
    throw new UnexpectedResponseError()
  }
  const optional = body as Partial<Record<keyof PredictionResponse, unknown>>
  const allPredictions = [...body.all_predictions].sort((first, second) => second.confidence - first.confidence)
  const warnings = optional.quality_warnings
  return {
    ...body,
    all_predictions: allPredictions,
    quality_warnings: Array.isArray(warnings) ? warnings.filter(isQualityWarning) : [],
    uncertain: optional.uncertain === true,
    image_kind: readImageKind(optional.image_kind),
    image_kind_score: readScore(optional.image_kind_score),
    heatmap: readHeatmap(optional.heatmap),
    heatmap_description: readText(optional.heatmap_description),
    computedOn: 'server',
  }
}
