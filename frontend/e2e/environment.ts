// What the browser test is pointed at, from the environment (scripts/e2e.sh sets all of it):
//   E2E_API_URL    (required) base URL of a running backend; it must allow CORS from the page's origin
//   E2E_PORT       port the built page is served on (default 4173)
//   E2E_IMAGE      image file to upload (default: a PNG drawn by the test)
//   E2E_SHARED_DATASETS  folder of image sets the parity test draws from (it skips when absent)
//   CHROMIUM_PATH  Chromium binary (default /usr/bin/chromium); Playwright's own browsers are not used

export const apiUrl = (process.env.E2E_API_URL ?? '').replace(/\/+$/, '')
export const pagePort = Number(process.env.E2E_PORT || 4173)
export const pageUrl = `http://127.0.0.1:${pagePort}/`
export const imagePath = process.env.E2E_IMAGE || ''
export const sharedDatasets = process.env.E2E_SHARED_DATASETS || ''
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
