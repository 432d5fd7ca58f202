// What every browser test shares: a test that also fails on a script error in the page, the wait for the API,
// and the page's way of writing a confidence.
import AxeBuilder from '@axe-core/playwright'
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test'
import type { components } from '../src/lib/api-schema'
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

type PredictionResponse = components['schemas']['PredictionResponse']

/**
 * Makes the page ask the server (POST /predict) instead of analysing on the device, as on a browser without
 * WebAssembly: for tests about the server's answers and what the page shows around them. The on-device answers
 * have their own tests (on-device.spec.ts, parity.spec.ts).
 */
export async function useServerAnswers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Reflect.deleteProperty(globalThis, 'WebAssembly')
  })
}

/** Gives the page `change` of each real answer of the model (the web layer only: the model still ran). */
export async function changeAnswers(page: Page, change: (answer: PredictionResponse) => PredictionResponse) {
  await useServerAnswers(page)
  await page.route(`${apiUrl}/predict**`, async (route) => {
    const response = await route.fetch()
    if (!response.ok()) return route.fulfill({ response })
    await route.fulfill({ response, json: change((await response.json()) as PredictionResponse) })
  })
}

/**
 * The picture these tests upload is drawn, not a real lesion, and the served model's image-kind check may rightly
 * call it something other than dermoscopy, after which the page shows no lesion answer. A test about what the page
 * shows around a lesion answer keeps the real model's answer (classes, confidences, heat map, uncertainty) and
 * only marks its image kind as dermoscopy. The real model's own verdict has its tests (the not-skin ones).
 */
export async function answerAsDermoscopy(page: Page): Promise<void> {
  await changeAnswers(page, (answer) => ({ ...answer, image_kind: 'dermoscopy' }))
}

export { expect }

/**
 * Presses Analyze and returns the milliseconds until the answer (or an alert) is on the page, timed in the page
 * itself so the test's own polling adds nothing.
 */
export async function analyseTimed(page: Page): Promise<number> {
  return page.evaluate(
    (timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const button = document.querySelector<HTMLButtonElement>('button.analyze-button')
        if (!button) return reject(new Error('no Analyze button'))
        const answered = () => document.querySelector('[data-testid="computed-on"], [role="alert"]:not(:empty)')
        const start = performance.now()
        const observer = new MutationObserver(() => {
          if (!answered()) return
          observer.disconnect()
          resolve(performance.now() - start)
        })
        observer.observe(document.body, { childList: true, subtree: true, characterData: true })
        setTimeout(() => {
          observer.disconnect()
          reject(new Error('no answer in time'))
        }, timeoutMs)
        button.click()
      }),
    PREDICTION_TIMEOUT_MS,
  )
}

// axe-core on the page as it is now: no serious or critical violation.
export async function expectNoSeriousAxeViolations(page: Page, what: string) {
  const { violations } = await new AxeBuilder({ page }).analyze()
  const serious = violations
    .filter(({ impact }) => impact === 'serious' || impact === 'critical')
    .map(({ id, impact, nodes }) => `${impact} ${id}: ${nodes.map((node) => node.target.join(' ')).join(', ')}`)
  expect(serious, `serious or critical axe-core violations on ${what}`).toEqual([])
}
