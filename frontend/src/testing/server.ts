import { http, HttpResponse, type JsonBodyType } from 'msw'
import { setupServer } from 'msw/node'
import { apiUrl } from '@/lib/api-client'
import { confidentPrediction, modelCard } from './fixtures'

export const predictUrl = apiUrl('predict')
export const modelUrl = apiUrl('model')

// The "file" field of every upload POST /predict received, and the full address it was sent to (with the
// query), so tests can check what went over the wire.
export const receivedUploads: File[] = []
export const receivedPredictUrls: string[] = []

export const defaultHandlers = [
  http.post(predictUrl, async ({ request }) => {
    const form = await request.formData()
    const file = form.get('file')
    // Not `instanceof File`: the parsed form's File comes from Node, not from jsdom.
    if (file === null || typeof file === 'string') {
      return HttpResponse.json({ detail: "Missing form field 'file'" }, { status: 422 })
    }
    receivedUploads.push(file)
    receivedPredictUrls.push(request.url)
    return HttpResponse.json(confidentPrediction)
  }),
  http.get(modelUrl, () => HttpResponse.json(modelCard)),
]

export const server = setupServer(...defaultHandlers)

export function answerPredictWith(status: number, body: JsonBodyType) {
  server.use(http.post(predictUrl, () => HttpResponse.json(body, { status })))
}

export function failPredictWithNetworkError() {
  server.use(http.post(predictUrl, () => HttpResponse.error()))
}

// Keeps POST /predict waiting until the returned function is called.
export function holdPredictAnswer(body: JsonBodyType = confidentPrediction): () => void {
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  server.use(
    http.post(predictUrl, async () => {
      await released
      return HttpResponse.json(body)
    }),
  )
  return () => release()
}

export function answerModelCardWith(status: number, body: JsonBodyType) {
  server.use(http.get(modelUrl, () => HttpResponse.json(body, { status })))
}
