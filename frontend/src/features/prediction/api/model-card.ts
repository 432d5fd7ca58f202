import type { ApiSchemas } from '@/lib/api-client'
import { requestModelCardBody } from '@/lib/model-card-request'

// What GET /model answers: the model card, with what each class means and its recall on the test split.
export type ModelCard = ApiSchemas['ModelCardResponse']
export type ModelClass = ApiSchemas['ModelClass']

function isModelClass(value: unknown): value is ModelClass {
  const entry = value as Partial<ModelClass> | null
  return typeof entry?.name === 'string' && typeof entry.category === 'string' && typeof entry.see_a_doctor === 'boolean'
}

// An older API, or a wrong address, may answer something else: the page then just leaves the card out.
function isModelCard(body: unknown): body is ModelCard {
  const candidate = body as Partial<ModelCard> | null
  return (
    typeof candidate?.model_version === 'string' &&
    Array.isArray(candidate.classes) &&
    candidate.classes.every(isModelClass)
  )
}

// The request may be shared with another caller (see requestModelCardBody): a caller that no longer needs the
// card ignores the answer rather than cancelling it.
export async function requestModelCard(): Promise<ModelCard> {
  const body = await requestModelCardBody()
  if (!isModelCard(body)) {
    throw new Error('GET /model answered something that is not a model card.')
  }
  return body
}
