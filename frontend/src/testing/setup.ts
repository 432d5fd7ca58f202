import '@testing-library/jest-dom/vitest'
import 'fake-indexeddb/auto'
import '@/lib/i18n'
import { cleanup } from '@testing-library/react'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { receivedPredictUrls, receivedUploads, server } from './server'

// jsdom has no object URLs; the preview only needs a string to put in <img src>.
if (!URL.createObjectURL) {
  URL.createObjectURL = () => 'blob:preview'
  URL.revokeObjectURL = () => {}
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
  receivedUploads.length = 0
  receivedPredictUrls.length = 0
})
afterAll(() => server.close())
