import { apiClient, apiUrl } from '../../../lib/api-client'

export class UnexpectedResponseError extends Error {
  constructor() {
    super('The analysis server sent an answer this page does not understand. Please check the API address and try again.')
    this.name = 'UnexpectedResponseError'
  }
}

function isPrediction(body) {
  return (
    typeof body?.predicted_class === 'string' &&
    typeof body?.confidence === 'number' &&
    Array.isArray(body?.all_predictions)
  )
}

// Sends one image to POST /predict and returns the parsed prediction.
export async function requestPrediction(imageFile, { signal } = {}) {
  const form = new FormData()
  form.append('file', imageFile, imageFile.name)
  const response = await apiClient.post(apiUrl('predict'), form, { signal })
  if (!isPrediction(response.data)) {
    throw new UnexpectedResponseError()
  }
  const allPredictions = [...response.data.all_predictions].sort(
    (first, second) => second.confidence - first.confidence,
  )
  return { ...response.data, all_predictions: allPredictions }
}
