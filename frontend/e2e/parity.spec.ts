// Equal answers: the same images through the page's on-device analysis (in Chromium, through the real page) and
// through the Python service (POST /predict), compared class by class. The images are a fixed, seeded draw across
// the shared image sets: dermoscopy from several clinics, ordinary clinical photos and everyday pictures.
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { components } from '../src/lib/api-schema'
import { en } from '../src/lib/locales/en'
import { apiUrl, sharedDatasets } from './environment'
import { PREDICTION_TIMEOUT_MS, analyseTimed, expect, test, waitForApi } from './page-test'

type PredictionResponse = components['schemas']['PredictionResponse']

const figuresDir = fileURLToPath(new URL('./artifacts/on-device/', import.meta.url))
const SEED = 20_260_607
// How many images each source gives: 200 in all.
const DRAW: readonly (readonly [string, number])[] = [
  ['ham10000', 50],
  ['isic2018-shift', 40],
  ['dermoscopy-extra', 40],
  ['clinical-photos', 35],
  ['everyday-photos', 35],
]
const BARS = { topClassAgreement: 0.99, largestConfidenceDifference: 0.02, imageKindAgreement: 0.99 }

const datasetsFound = sharedDatasets !== '' && existsSync(sharedDatasets)

test.skip(
  !datasetsFound,
  `no shared image sets at "${sharedDatasets}": set E2E_SHARED_DATASETS to the folder holding ham10000/, ` +
    'isic2018-shift/, dermoscopy-extra/, clinical-photos/ and everyday-photos/',
)

test.beforeAll(async ({ request }) => waitForApi(request))

// mulberry32: a small seeded generator, so every run draws the same images.
function seeded(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
}

async function imagesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && /\.(jpe?g|png)$/i.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()
}

async function drawImages(): Promise<string[]> {
  const random = seeded(SEED)
  const drawn: string[] = []
  for (const [source, count] of DRAW) {
    const pool = await imagesUnder(path.join(sharedDatasets, source))
    expect(pool.length, `images in ${source}`).toBeGreaterThanOrEqual(count)
    // A partial Fisher-Yates shuffle: the first `count` of a seeded permutation.
    for (let index = 0; index < count; index += 1) {
      const pick = index + Math.floor(random() * (pool.length - index))
      const chosen = pool[pick] as string
      pool[pick] = pool[index] as string
      pool[index] = chosen
      drawn.push(chosen)
    }
  }
  return drawn
}

type Compared = {
  image: string
  computedOn: string | null
  server: { top: string; kind: string | null; confidences: Record<string, number> }
  device: { top: string | null; kind: string | null; confidences: Record<string, number> }
  largestDifference: number
  answerMs: number
}

test('the page on this device and the Python service give the same answers', async ({ page, request }) => {
  test.setTimeout(30 * 60_000)
  const images = await drawImages()
  await page.goto('/')
  // The model is fetched and its sessions started before the first image, as when a person chooses a photo.
  await expect(page.locator('button.analyze-button')).toHaveAttribute('data-on-device', 'ready', { timeout: 120_000 })

  const compared: Compared[] = []
  for (const image of images) {
    const buffer = await readFile(image)
    const file = { name: path.basename(image), mimeType: /\.png$/i.test(image) ? 'image/png' : 'image/jpeg', buffer }
    const served = await request.post(`${apiUrl}/predict`, { multipart: { file }, timeout: PREDICTION_TIMEOUT_MS })
    expect(served.status(), `POST /predict for ${image}`).toBe(200)
    const server = (await served.json()) as PredictionResponse

    await page.getByLabel(en.upload.chooseFile).setInputFiles(file)
    await expect(page.getByTestId('computed-on')).toHaveCount(0)
    const answerMs = await analyseTimed(page)
    await expect(page.getByRole('alert'), `an error for ${image}`).toHaveCount(0)
    const result = page.getByRole('region', { name: en.result.heading, exact: true })
    const computedOn = await page.getByTestId('computed-on').getAttribute('data-computed-on')
    const deviceTop = await result.getAttribute('data-predicted-class')
    const deviceKind = (await result.getAttribute('data-image-kind')) || null
    // Every class where the chart is drawn; the top class alone for a picture that is not skin (no chart).
    const rows = await result.getByTestId('chart-row').evaluateAll((elements) =>
      elements.map((element) => [element.getAttribute('data-class-name') ?? '', Number(element.getAttribute('data-confidence'))]),
    )
    const deviceConfidences: Record<string, number> = Object.fromEntries(
      rows.length > 0 ? rows : [[deviceTop ?? '', Number(await result.getAttribute('data-confidence'))]],
    )
    const serverConfidences = Object.fromEntries(
      server.all_predictions.map(({ class_name: name, confidence }) => [name, confidence]),
    )
    const largestDifference = Math.max(
      ...Object.entries(deviceConfidences).map(([name, confidence]) => Math.abs(confidence - (serverConfidences[name] ?? Number.NaN))),
    )
    compared.push({
      image: path.relative(sharedDatasets, image),
      computedOn,
      server: { top: server.predicted_class, kind: server.image_kind ?? null, confidences: serverConfidences },
      device: { top: deviceTop, kind: deviceKind, confidences: deviceConfidences },
      largestDifference,
      answerMs,
    })
  }

  const onDevice = compared.filter(({ computedOn }) => computedOn === 'device')
  const share = (count: number) => count / Math.max(1, onDevice.length)
  const topAgree = onDevice.filter(({ server, device }) => server.top === device.top)
  const kindAgree = onDevice.filter(({ server, device }) => server.kind === device.kind)
  const differences = onDevice.map(({ largestDifference }) => largestDifference)
  const times = onDevice.map(({ answerMs }) => answerMs).sort((first, second) => first - second)
  const quantile = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN
  const figures = {
    seed: SEED,
    draw: Object.fromEntries(DRAW),
    images: compared.length,
    computed_on_device: onDevice.length,
    top_class_agreement: share(topAgree.length),
    image_kind_agreement: share(kindAgree.length),
    largest_confidence_difference: Math.max(...differences),
    mean_largest_confidence_difference: differences.reduce((sum, value) => sum + value, 0) / Math.max(1, differences.length),
    answer_ms: { p50: quantile(0.5), p90: quantile(0.9), max: times[times.length - 1] ?? Number.NaN },
    bars: BARS,
    disagreements: onDevice
      .filter(({ server, device, largestDifference }) => server.top !== device.top || server.kind !== device.kind || largestDifference > BARS.largestConfidenceDifference)
      .map(({ image, server, device, largestDifference }) => ({
        image,
        server: { top: server.top, kind: server.kind },
        device: { top: device.top, kind: device.kind },
        largestDifference,
      })),
    not_on_device: compared.filter(({ computedOn }) => computedOn !== 'device').map(({ image }) => image),
  }
  console.log(`parity: ${JSON.stringify({ ...figures, disagreements: figures.disagreements.length })}`)
  test.info().annotations.push({ type: 'parity', description: JSON.stringify(figures) })
  await mkdir(figuresDir, { recursive: true })
  await writeFile(path.join(figuresDir, 'parity.json'), `${JSON.stringify({ ...figures, compared }, null, 2)}\n`)

  expect(onDevice.length / compared.length, 'share of images answered on the device').toBeGreaterThanOrEqual(0.99)
  expect(figures.top_class_agreement, 'same top class').toBeGreaterThanOrEqual(BARS.topClassAgreement)
  expect(figures.largest_confidence_difference, 'largest confidence difference').toBeLessThanOrEqual(
    BARS.largestConfidenceDifference,
  )
  expect(figures.image_kind_agreement, 'same image kind').toBeGreaterThanOrEqual(BARS.imageKindAgreement)
})
