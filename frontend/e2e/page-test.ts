// What every browser test shares: a test that also fails on a script error in the page, the wait for the API,
// and the page's way of writing a confidence.
import { test as base, expect, type APIRequestContext } from '@playwright/test'
import { apiUrl } from './environment'

// The API decodes the image and runs the model: allow it far longer than a page update.
export const PREDICTION_TIMEOUT_MS = 60_000

export const test = base.extend<{ pageErrors: string[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await use(errors)
      expect(errors, 'script errors on the page').toEqual([])
    },
    { auto: true },
  ],
})

/** The API loads its model in the background; /health answers 200 once it can predict. */
export async function waitForApi(request: APIRequestContext): Promise<void> {
  await expect
    .poll(async () => (await request.get(`${apiUrl}/health`).catch(() => null))?.status(), {
      message: `the API at ${apiUrl} becomes ready`,
      timeout: 60_000,
    })
    .toBe(200)
}

export function formatPercent(confidence: number): string {
  return `${(confidence * 100).toFixed(1)}%`
}

export { expect }
