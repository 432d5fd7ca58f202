// The page built against the real API, in Debian's Chromium: what a person sees when they upload a photo.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page, Response } from '@playwright/test'
import type { components } from '../src/lib/api-schema'
import { apiUrl, imagePath } from './environment'
import {
  PREDICTION_TIMEOUT_MS,
  answerAsDermoscopy,
  expect,
  formatPercent,
  test,
  useServerAnswers,
  waitForApi,
} from './page-test'
import { everydayPhotoPath, loadTestImage, type UploadFile } from './test-image'

type PredictionResponse = components['schemas']['PredictionResponse']
type RootResponse = components['schemas']['RootResponse']
type ErrorResponse = components['schemas']['ErrorResponse']
type ModelCardResponse = components['schemas']['ModelCardResponse']

// The page always asks for the heat map.
const predictUrl = `${apiUrl}/predict`
const PREDICT_WITH_HEATMAP_URL = `${predictUrl}?explain=true`
const HEATMAP_TOGGLE_NAME = 'Show where the model looked'
const artifactsDir = fileURLToPath(new URL('./artifacts/', import.meta.url))
const NO_ANIMATIONS_CSS = `*, *::before, *::after {
  animation: none !important; transition: none !important; caret-color: transparent !important;
}`

test.beforeAll(async ({ request }) => waitForApi(request))


function waitForPredictAnswer(page: Page): Promise<Response> {
  return page.waitForResponse(
    (response) => response.url() === PREDICT_WITH_HEATMAP_URL && response.request().method() === 'POST',
    { timeout: PREDICTION_TIMEOUT_MS },
  )
}

// Chooses the file, presses Analyze and returns the result region with the API's answer to the page.
async function analyzeFile(page: Page, file: UploadFile) {
  await page.getByLabel('Choose an image file').setInputFiles(file)
  await expect(page.getByRole('img', { name: `Preview of the chosen photo, ${file.name}` })).toBeVisible()
  const answerArrives = waitForPredictAnswer(page)
  await page.getByRole('button', { name: 'Analyze', exact: true }).click()
  const result = await expectResultRegion(page)
  const answer = await answerArrives
  expect(answer.status()).toBe(200)
  return { result, prediction: (await answer.json()) as PredictionResponse }
}

// Waits for the result region; an alert in its place fails with the alert's words.
async function expectResultRegion(page: Page) {
  const result = page.getByRole('region', { name: 'Result', exact: true })
  const alert = page.getByRole('alert')
  await expect(result.or(alert)).toBeVisible({ timeout: PREDICTION_TIMEOUT_MS })
  const shownError = (await alert.count()) > 0 ? await alert.innerText() : ''
  expect(shownError, `an error instead of a result (the API must allow CORS from ${new URL(page.url()).origin})`).toBe('')
  return result
}

async function saveScreenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(artifactsDir, name), fullPage: true, animations: 'disabled' })
}

async function expectNoSidewaysScrollAt375px(page: Page) {
  await page.setViewportSize({ width: 375, height: 812 })
  const overflowPixels = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflowPixels, 'sideways scrolling at 375 px').toBeLessThanOrEqual(0)
}

test('shows the disclaimer, then the most likely class and every class for an uploaded photo', async ({
  page,
  request,
}) => {
  await answerAsDermoscopy(page)
  await page.goto('/')
  const disclaimer = page.getByRole('complementary', { name: 'Medical disclaimer' })
  await expect(disclaimer).toBeVisible()
  await expect(disclaimer).toContainText('not a medical device')

  const image = await loadTestImage(imagePath)
  await page.getByLabel('Choose an image file').setInputFiles(image)
  await expect(page.getByRole('img', { name: `Preview of the chosen photo, ${image.name}` })).toBeVisible()

  const answerArrives = waitForPredictAnswer(page)
  await page.getByRole('button', { name: 'Analyze', exact: true }).click()
  const result = await expectResultRegion(page)
  const answer = await answerArrives
  expect(answer.status()).toBe(200)
  const prediction = (await answer.json()) as PredictionResponse

  expect(answer.url(), 'the page asks for the heat map').toBe(PREDICT_WITH_HEATMAP_URL)
  // The API says whether one class is clearly ahead; the page names it only then.
  if (prediction.uncertain) {
    await expect(result.getByRole('heading', { name: 'The model cannot tell what this is' })).toBeVisible()
    await expect(result).not.toContainText('Most likely')
  } else {
    await expect(result).toContainText(
      `Most likely: ${prediction.predicted_class} — ${formatPercent(prediction.confidence)} confidence`,
    )
  }
  await expect(page.getByRole('heading', { name: 'Result', exact: true })).toBeFocused()

  // One row per class the model knows, most likely first, each with its percentage as text.
  const { classes = [] } = (await (await request.get(`${apiUrl}/`)).json()) as RootResponse
  expect(classes.length).toBeGreaterThanOrEqual(2)
  expect(prediction.all_predictions).toHaveLength(classes.length)
  const mostLikelyFirst = [...prediction.all_predictions].sort((first, second) => second.confidence - first.confidence)
  const chart = result.getByRole('list', { name: 'Confidence for every class' })
  await expect(chart.getByRole('listitem')).toHaveText(
    mostLikelyFirst.map(({ class_name: className, confidence }) => `${className}${formatPercent(confidence)}`),
  )
  await expect(chart.getByRole('meter')).toHaveCount(classes.length)
  await expect(chart.getByRole('meter').first()).toHaveAccessibleName(prediction.predicted_class)
  await expect(disclaimer).toBeVisible()

  // What the class means, as the model card words it, and, per class, the recall on test images.
  const card = (await (await request.get(`${apiUrl}/model`)).json()) as ModelCardResponse
  expect(card.model_version).toBe(prediction.model_version)
  expect(card.classes.every(({ test_recall: recall }) => typeof recall === 'number')).toBe(true)
  const explanation = page.getByRole('region', { name: `What “${prediction.predicted_class}” means` })
  const described = card.classes.find(({ name }) => name === prediction.predicted_class)
  if (prediction.uncertain) {
    await expect(explanation).toHaveCount(0)
  } else {
    await expect(explanation).toContainText(described?.description ?? 'No description is available for this class.')
  }
  const about = page.getByRole('region', { name: 'About this model' })
  await expect(about.getByTestId('recall-row')).toHaveCount(classes.length)
  for (const { name, test_recall: recall } of card.classes) {
    const shown = formatPercent(recall ?? Number.NaN)
    const row = about.getByTestId('recall-row').filter({ has: page.getByRole('rowheader', { name, exact: true }) })
    await expect(row).toContainText(shown)
  }

  await page.addStyleTag({ content: NO_ANIMATIONS_CSS })
  await page.mouse.move(0, 0) // no hover styles in the picture
  await saveScreenshot(page, 'upload-result.png')

  await expectNoSidewaysScrollAt375px(page)
  await expect(disclaimer).toBeVisible()
  await saveScreenshot(page, 'upload-result-375px.png')
})

test('lays where the model looked over the photo, described in words, and the toggle hides it', async ({ page }) => {
  await answerAsDermoscopy(page)
  await page.goto('/')
  const image = await loadTestImage(imagePath)
  const { prediction } = await analyzeFile(page, image)
  expect(prediction.heatmap, 'POST /predict?explain=true answers a heat map').toMatch(/^data:image\/png;base64,/)
  const description = prediction.heatmap_description ?? ''
  expect(description, 'the heat map comes with a sentence').not.toBe('')

  const preview = page.getByRole('img', { name: `Preview of the chosen photo, ${image.name}` })
  const overlay = page.getByRole('img', { name: description, exact: true })
  await expect(overlay).toBeVisible()
  await expect(overlay).toHaveAttribute('src', prediction.heatmap ?? '')
  await expect(page.getByTestId('heatmap-caption')).toHaveText(description)
  // The same box as the photo, so the map lines up with it.
  const [overlayBox, previewBox] = [await overlay.boundingBox(), await preview.boundingBox()]
  for (const side of ['x', 'y', 'width', 'height'] as const) {
    expect(Math.abs((overlayBox?.[side] ?? Number.NaN) - (previewBox?.[side] ?? Number.NaN)), side).toBeLessThan(1)
  }

  const toggle = page.getByRole('checkbox', { name: HEATMAP_TOGGLE_NAME })
  await expect(toggle).toBeChecked()
  await toggle.click()
  await expect(toggle).not.toBeChecked()
  await expect(overlay).toHaveCount(0)
  await expect(preview).toBeVisible()
  await expect(page.getByTestId('heatmap-caption')).toHaveText(description)

  // From the keyboard: Space on the focused checkbox turns it back on.
  await toggle.focus()
  await page.keyboard.press('Space')
  await expect(toggle).toBeChecked()
  await expect(overlay).toBeVisible()

  await page.addStyleTag({ content: NO_ANIMATIONS_CSS })
  await saveScreenshot(page, 'heatmap.png')
  await expectNoSidewaysScrollAt375px(page)
  await saveScreenshot(page, 'heatmap-375px.png')
})

test('says an everyday photo does not look like skin, naming no lesion and drawing no chart', async ({ page }) => {
  await useServerAnswers(page)
  await page.goto('/')
  const { result, prediction } = await analyzeFile(page, await loadTestImage(everydayPhotoPath))
  expect(prediction.image_kind, "the model's image-kind check calls a cup of coffee not skin").toBe('not-skin')

  await expect(result.getByRole('heading', { name: 'This does not look like a photo of skin' })).toBeVisible()
  await expect(result).toContainText('Please upload a close, sharp photo of the skin lesion itself')
  await expect(page.getByRole('heading', { name: 'Result', exact: true })).toBeFocused()
  await expect(result.getByRole('list', { name: 'Confidence for every class' })).toHaveCount(0)
  await expect(page.getByRole('meter')).toHaveCount(0)
  await expect(result).not.toContainText('Most likely')
  await expect(result).not.toContainText(prediction.predicted_class)
  await expect(page.getByRole('region', { name: /^What “/ })).toHaveCount(0)
  await expect(page.getByRole('checkbox', { name: HEATMAP_TOGGLE_NAME })).toHaveCount(0)

  await page.addStyleTag({ content: NO_ANIMATIONS_CSS })
  await saveScreenshot(page, 'not-skin.png')
  await expectNoSidewaysScrollAt375px(page)
})

test('works from the keyboard alone', async ({ page }) => {
  // Listen before the page loads: Playwright starts catching file choosers asynchronously, and one that
  // opens before it does is lost (on a busy machine the test then hangs).
  const fileChooserOpens = page.waitForEvent('filechooser')
  await page.goto('/')
  const dropZone = page.getByRole('button', { name: 'Choose a photo from your files, or drop one here' })
  await expect(dropZone).toBeVisible()
  await page.keyboard.press('Tab') // the language switch: English, then Hindi
  await page.keyboard.press('Tab')
  await page.keyboard.press('Tab')
  await expect(dropZone).toBeFocused()

  await page.keyboard.press('Enter')
  await (await fileChooserOpens).setFiles(await loadTestImage(imagePath))

  await page.keyboard.press('Tab') // "Take a photo"
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Analyze', exact: true })).toBeFocused()
  await page.keyboard.press('Enter')
  await expectResultRegion(page)
  await expect(page.getByRole('heading', { name: 'Result', exact: true })).toBeFocused()
})

test('refuses a file that is not an image in the alert region, without uploading it', async ({ page }) => {
  const uploads: string[] = []
  page.on('request', (request) => {
    if (request.url().split('?')[0] === predictUrl) uploads.push(request.method())
  })
  await page.goto('/')
  await page.getByLabel('Choose an image file').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('shopping list'),
  })
  await expect(page.getByRole('alert')).toHaveText('"notes.txt" is not an image. Please choose a photo (JPEG or PNG).')
  await expect(page.getByRole('button', { name: 'Analyze', exact: true })).toBeDisabled()
  await saveScreenshot(page, 'not-an-image.png')
  expect(uploads).toEqual([])
})

test("shows the server's reason in the alert region for a file that only claims to be an image", async ({ page }) => {
  await page.goto('/')
  await page.getByLabel('Choose an image file').setInputFiles({
    name: 'renamed.png',
    mimeType: 'image/png',
    buffer: Buffer.from('plain text saved with a .png name'),
  })
  const answerArrives = waitForPredictAnswer(page)
  await page.getByRole('button', { name: 'Analyze', exact: true }).click()
  const answer = await answerArrives
  expect(answer.status(), 'the API judges the bytes, not the name').toBe(415)
  const { detail } = (await answer.json()) as ErrorResponse

  await expect(page.getByRole('alert')).toHaveText(
    `This file is not a supported image. Please choose a JPEG or PNG photo. (Server message: ${detail})`,
  )
  await expect(page.getByRole('region', { name: 'Result', exact: true })).toHaveCount(0)
  await saveScreenshot(page, 'server-refused-file.png')
})
