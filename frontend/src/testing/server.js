import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { apiUrl } from '../lib/api-client'
import { confidentPrediction } from './fixtures'

export const predictUrl = apiUrl('predict')

// Every request the page sent to POST /predict, so tests can check what went over the wire.
export const receivedUploads = []

export const defaultHandlers = [
  http.post(predictUrl, async ({ request }) => {
    const form = await request.formData()
    receivedUploads.push(form.get('file'))
    return HttpResponse.json(confidentPrediction)
  }),
]

export const server = setupServer(...defaultHandlers)

export function answerPredictWith(status, body) {
  server.use(http.post(predictUrl, () => HttpResponse.json(body, { status })))
}

export function failPredictWithNetworkError() {
  server.use(http.post(predictUrl, () => HttpResponse.error()))
}

// Keeps POST /predict waiting until the returned function is called.
export function holdPredictAnswer(body = confidentPrediction) {
  let release
  const released = new Promise((resolve) => {
    release = resolve
  })
  server.use(
    http.post(predictUrl, async () => {
      await released
      return HttpResponse.json(body)
    }),
  )
  return release
}
