// What the page adds around an answer, at a desktop and a phone width: what to do next, the PDF report, a
// lesion followed over time in IndexedDB, Hindi beside English, and axe-core's accessibility check.
import { readFile } from 'node:fs/promises'
import type { Locator, Page } from '@playwright/test'
import { extractText, getDocumentProxy } from 'unpdf'
import type { components } from '../src/lib/api-schema'
import { en } from '../src/lib/locales/en'
import { hi } from '../src/lib/locales/hi'
import { nextSteps } from '../src/features/prediction/next-steps'
import { apiUrl, imagePath } from './environment'
import {
  PREDICTION_TIMEOUT_MS,
  answerAsDermoscopy,
  changeAnswers,
  expect,
  formatPercent,
  test,
  useServerAnswers,
  waitForApi,
  expectNoSeriousAxeViolations,
} from './page-test'
import { drawLesionPng, everydayPhotoPath, loadTestImage, type UploadFile } from './test-image'

type PredictionResponse = components['schemas']['PredictionResponse']
type ModelCardResponse = components['schemas']['ModelCardResponse']

const PREDICT_URL = `${apiUrl}/predict?explain=true`
const HISTORY_DB = 'lesion-history'

test.beforeAll(async ({ request }) => waitForApi(request))


async function modelCard(page: Page): Promise<ModelCardResponse> {
  return (await (await page.request.get(`${apiUrl}/model`)).json()) as ModelCardResponse
}

// Chooses the file, presses Analyze, and returns the answer the page received.
async function analyze(page: Page, file: UploadFile, analyzeName = en.upload.analyze): Promise<PredictionResponse> {
  await page.getByLabel('Choose an image file').setInputFiles(file)
  const answer = page.waitForResponse((response) => response.url() === PREDICT_URL, { timeout: PREDICTION_TIMEOUT_MS })
  await page.getByRole('button', { name: analyzeName, exact: true }).click()
  const response = await answer
  expect(response.status()).toBe(200)
  await expect(page.getByRole('region', { name: en.nextSteps.heading })).toBeVisible()
  return (await response.json()) as PredictionResponse
}

async function expectNextStepsFollowTheRules(page: Page, answer: PredictionResponse) {
  const card = await modelCard(page)
  const expected = nextSteps({
    category: card.classes.find(({ name }) => name === answer.predicted_class)?.category ?? null,
    uncertain: answer.uncertain ?? false,
    imageKind: answer.image_kind ?? null,
  })
  const region = page.getByRole('region', { name: en.nextSteps.heading })
  await expect(region).toHaveAttribute('data-urgency', expected.urgency)
  await expect(region.getByTestId('next-steps-advice')).toHaveText(
    expected.advice.map((advice) => en.nextSteps.advice[advice]),
  )
  await expect(region).toContainText(en.nextSteps.always)
  await expect(region.getByRole('listitem')).toHaveCount(expected.checklist ? 5 : 0)
  return expected
}

async function countHistoryRecords(page: Page): Promise<number[]> {
  return page.evaluate(
    (name) =>
      new Promise<number[]>((resolve, reject) => {
        const opening = indexedDB.open(name)
        opening.onerror = () => reject(opening.error)
        opening.onsuccess = () => {
          const db = opening.result
          const stores = Array.from(db.objectStoreNames)
          if (stores.length === 0) return resolve([])
          const tx = db.transaction(stores)
          const counts = stores.map((store) => tx.objectStore(store).count())
          tx.oncomplete = () => {
            resolve(counts.map((count) => count.result as number))
            db.close()
          }
        }
      }),
    HISTORY_DB,
  )
}

// The lines the page draws (as the browser lays them out: closed <details> and hidden parts left out) that hold a
// word in Latin letters, leaving out those with the given parts (a file name, the model version).
async function renderedLinesWithLatinWords(page: Page, except: string[]): Promise<string[]> {
  const lines = (await page.locator('body').innerText()).split('\n').map((line) => line.trim())
  return lines.filter((line) => /[A-Za-z]{2,}/.test(line) && !except.some((part) => line.includes(part)))
}

// Which fonts the browser drew an element's text with, from Chromium's own layout (DevTools protocol).
async function fontsDrawing(page: Page, selector: string) {
  const devtools = await page.context().newCDPSession(page)
  await devtools.send('DOM.enable')
  await devtools.send('CSS.enable')
  const { root } = await devtools.send('DOM.getDocument')
  const { nodeId } = await devtools.send('DOM.querySelector', { nodeId: root.nodeId, selector })
  const { fonts } = await devtools.send('CSS.getPlatformFontsForNode', { nodeId })
  await devtools.detach()
  return fonts
}

// Hindi text is drawn with the font the page brings, whatever fonts the system has: all of its letters by
// Noto Sans Devanagari from the page, and other fonts draw no more glyphs than there are spaces.
async function expectDrawnWithBundledFont(page: Page, element: Locator) {
  await page.evaluate(() => document.fonts.ready)
  const text = await element.innerText()
  const loadedFaces = await page.evaluate(() => {
    let loaded = 0
    document.fonts.forEach((face) => {
      if (face.family.replace(/"/g, '') === 'Noto Sans Devanagari' && face.status === 'loaded') loaded += 1
    })
    return loaded
  })
  expect(loadedFaces, 'the bundled Devanagari faces the page loaded').toBeGreaterThan(0)
  expect(await page.evaluate((sample) => document.fonts.check('16px "Noto Sans Devanagari"', sample), text)).toBe(true)
  await element.evaluate((node) => node.setAttribute('data-font-probe', ''))
  const fonts = await fontsDrawing(page, '[data-font-probe]')
  const bundled = fonts.find(({ familyName, isCustomFont }) => familyName === 'Noto Sans Devanagari' && isCustomFont)
  expect(bundled?.glyphCount ?? 0, `the bundled font draws "${text}" (fonts used: ${JSON.stringify(fonts)})`).toBeGreaterThan(0)
  const others = fonts.filter((font) => font !== bundled).reduce((sum, { glyphCount }) => sum + glyphCount, 0)
  expect(others, 'glyphs drawn by other fonts: the spaces only').toBeLessThanOrEqual(text.split(' ').length - 1)
}

for (const width of [1280, 375]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } })

    test('what to do next for a malignant top class', async ({ page }) => {
      const card = await modelCard(page)
      await changeAnswers(page, (answer) => {
        const malignant = card.classes.find(({ category }) => category === 'malignant')
        if (!malignant) throw new Error('the model card names no malignant class')
        // The malignant class first, with the highest confidence the model gave any class.
        const others = answer.all_predictions.filter(({ class_name: name }) => name !== malignant.name)
        const top = Math.max(...answer.all_predictions.map(({ confidence }) => confidence), 0.8)
        const rest = (1 - top) / Math.max(1, others.length)
        return {
          ...answer,
          predicted_class: malignant.name,
          confidence: top,
          all_predictions: [
            { class_name: malignant.name, confidence: top },
            ...others.map(({ class_name: name }) => ({ class_name: name, confidence: rest })),
          ],
          uncertain: false,
          image_kind: 'dermoscopy',
        }
      })
      await page.goto('/')
      const answer = await analyze(page, await loadTestImage(imagePath))
      const steps = await expectNextStepsFollowTheRules(page, answer)
      expect(steps).toEqual({ urgency: 'see-a-doctor', advice: ['malignant'], checklist: true })
    })

    test('what to do next for an uncertain answer', async ({ page }) => {
      await changeAnswers(page, (answer) => ({ ...answer, uncertain: true, image_kind: 'dermoscopy' }))
      await page.goto('/')
      const answer = await analyze(page, await loadTestImage(imagePath))
      const steps = await expectNextStepsFollowTheRules(page, answer)
      expect(steps).toEqual({ urgency: 'retake', advice: ['uncertain'], checklist: true })
    })

    test('what to do next for a picture that is not skin (the real model)', async ({ page }) => {
      await useServerAnswers(page)
      await page.goto('/')
      const answer = await analyze(page, await loadTestImage(everydayPhotoPath))
      expect(answer.image_kind).toBe('not-skin')
      const steps = await expectNextStepsFollowTheRules(page, answer)
      expect(steps).toEqual({ urgency: 'retake', advice: ['notSkin'], checklist: false })
      await expect(page.getByRole('button', { name: en.report.download })).toHaveCount(0)
    })

    test('the empty page and a result pass axe-core, and the PDF report holds the answer', async ({ page }) => {
      await answerAsDermoscopy(page)
      await page.goto('/')
      await expectNoSeriousAxeViolations(page, 'the empty page')
      const answer = await analyze(page, await loadTestImage(imagePath))
      await expectNoSeriousAxeViolations(page, 'a result')
      const card = await modelCard(page)

      const uploads: string[] = []
      page.on('request', (request) => uploads.push(request.url()))
      const downloading = page.waitForEvent('download')
      await page.getByRole('button', { name: en.report.download }).click()
      const download = await downloading
      expect(download.suggestedFilename()).toMatch(/^skin-lesion-report-\d{4}-\d{2}-\d{2}\.pdf$/)
      expect(uploads.filter((url) => url.startsWith(apiUrl)), 'no server round trip').toEqual([])

      const bytes = new Uint8Array(await readFile(await download.path()))
      const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true })
      const flat = text.replace(/\s+/g, ' ')
      const squeezed = text.replace(/\s+/g, '')
      if (answer.uncertain) {
        expect(flat).toContain('The model cannot tell what this is')
      } else {
        expect(flat).toContain(`Most likely class: ${answer.predicted_class}`)
      }
      for (const { class_name: name, confidence } of answer.all_predictions) {
        expect(flat).toContain(`${name}: ${formatPercent(confidence)}`)
      }
      expect(flat).toContain(`Model version: ${card.model_version}`)
      if (typeof card.test?.accuracy === 'number') expect(flat).toContain(`accuracy ${formatPercent(card.test.accuracy)}`)
      expect(squeezed).toContain(`${en.disclaimer.title}${en.disclaimer.text}`.replace(/\s+/g, ''))
    })

    test('two photos of one spot survive a reload side by side, and "Delete everything" empties IndexedDB', async ({
      page,
    }) => {
      const spot = `Left shoulder ${width}`
      await answerAsDermoscopy(page)
      await page.goto('/')
      await expect(page.getByText(en.history.empty)).toBeVisible() // the page has opened its database
      expect(await countHistoryRecords(page)).toEqual([0, 0])
      for (const file of [
        await loadTestImage(imagePath),
        { name: 'drawn-lesion.png', mimeType: 'image/png', buffer: drawLesionPng(160) },
      ]) {
        await analyze(page, file)
        await page.getByLabel(en.history.spotName).fill(spot)
        await page.getByRole('button', { name: en.history.save }).click()
        await expect(page.getByRole('status').filter({ hasText: en.history.saved.replace('{{name}}', spot) })).toBeVisible()
      }
      expect(await countHistoryRecords(page)).toEqual([2, 1])

      await page.reload()
      const saved = page.getByRole('region', { name: `${spot} (2 photos)` })
      await expect(saved).toBeVisible()
      const photos = saved.getByTestId('spot-photo')
      await expect(photos).toHaveCount(2)
      await expect(saved.getByRole('img', { name: new RegExp(`^Photo of ${spot} from `) })).toHaveCount(2)
      const [first, second] = [await photos.nth(0).boundingBox(), await photos.nth(1).boundingBox()]
      expect(first && second, 'both photos are laid out').toBeTruthy()
      if (first && second) {
        expect(Math.abs(first.y - second.y), 'side by side: the same row').toBeLessThan(1)
        expect(second.x, 'side by side: the second to the right').toBeGreaterThanOrEqual(first.x + first.width)
      }
      await expect(saved.getByRole('img', { name: en.history.chartLabel.replace('{{name}}', spot) })).toBeVisible()
      await expectNoSeriousAxeViolations(page, 'the history')
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, 'no sideways scrolling').toBeLessThanOrEqual(0)

      page.once('dialog', (dialog) => void dialog.accept())
      await page.getByRole('button', { name: en.history.deleteEverything }).click()
      await expect(page.getByText(en.history.empty)).toBeVisible()
      expect(await countHistoryRecords(page)).toEqual([0, 0])
      await page.reload()
      await expect(page.getByText(en.history.empty)).toBeVisible()
      expect(await countHistoryRecords(page)).toEqual([0, 0])
    })

    test('Hindi changes the heading, the button and the disclaimer, survives a reload, and passes axe-core', async ({
      page,
    }) => {
      await answerAsDermoscopy(page)
      await page.goto('/')
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.page.title)
      await page.getByRole('button', { name: en.language.hi }).click()
      const expectHindi = async () => {
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(hi.page.title)
        await expect(page.getByRole('button', { name: hi.upload.analyze, exact: true })).toBeVisible()
        await expect(page.getByRole('complementary', { name: hi.disclaimer.label })).toContainText(hi.disclaimer.text)
        await expect(page.locator('html')).toHaveAttribute('lang', 'hi')
      }
      await expectHindi()
      await page.reload()
      await expectHindi()
      await expectNoSeriousAxeViolations(page, 'the Hindi page')
      await expectDrawnWithBundledFont(page, page.getByRole('heading', { level: 1 }))

      // An answer in Hindi: every word of the page, what the class means and what to do next too.
      const photo = await loadTestImage(imagePath)
      await page.getByLabel(hi.upload.chooseFile).setInputFiles(photo)
      const answered = page.waitForResponse((response) => response.url() === PREDICT_URL, { timeout: PREDICTION_TIMEOUT_MS })
      await page.getByRole('button', { name: hi.upload.analyze, exact: true }).click()
      const answer = (await (await answered).json()) as PredictionResponse
      await expect(page.getByRole('region', { name: hi.nextSteps.heading })).toContainText(hi.nextSteps.always)
      const hindiName = hi.classes[answer.predicted_class]
      if (hindiName) await expect(page.getByRole('meter', { name: hindiName })).toBeVisible()
      const card = await modelCard(page)
      const described = card.classes.find(({ name }) => name === answer.predicted_class)
      const explanation = page.getByRole('region', { name: /का क्या मतलब है/ })
      if (!answer.uncertain && described?.descriptions?.hi) {
        await expect(explanation.getByTestId('class-description')).toHaveText(described.descriptions.hi)
        await expect(explanation.getByTestId('class-category')).toContainText(
          hi.classExplanation.categories[described.category],
        )
      }
      await expect(page.getByRole('region', { name: hi.aboutModel.heading })).toContainText(
        hi.aboutModel.standardIntendedUse,
      )
      const english = await renderedLinesWithLatinWords(page, [photo.name, answer.model_version])
      test.info().annotations.push({ type: 'English lines with Hindi chosen', description: JSON.stringify(english) })
      expect(english, 'rendered lines of English with Hindi chosen').toEqual([en.language.en])
      await expectNoSeriousAxeViolations(page, 'a Hindi result')

      await page.getByRole('button', { name: hi.language.en }).click()
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.page.title)
      await page.reload()
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(en.page.title)
    })
  })
}
