// End-to-end test: builds the page against a running API, serves the build,
// uploads an image in headless Chromium and checks the result the API sends back.
//
//   E2E_API_URL=http://127.0.0.1:8000 npm run test:e2e
//
// Environment:
//   E2E_API_URL    (required) base URL of a running backend
//   CHROMIUM_PATH  Chromium binary, default /usr/bin/chromium
//   E2E_IMAGE      image file to upload, default: a PNG made by this script
//   E2E_PORT       port for the page, default 4173 (or a free port when 4173 is taken);
//                  the API must allow CORS from http://127.0.0.1:<port>

import { spawn } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'
import { chromium } from 'playwright-core'

const OVERALL_TIMEOUT_MS = 120_000
const API_READY_TIMEOUT_MS = 60_000
const RESULT_TIMEOUT_MS = 60_000
const DEFAULT_PAGE_PORT = 4173
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const NO_ANIMATIONS_CSS = `*, *::before, *::after {
  animation: none !important; transition: none !important; caret-color: transparent !important;
}`

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const artifactsDir = path.join(frontendDir, 'e2e', 'artifacts')
const buildDir = path.join(artifactsDir, 'dist')
const viteCli = path.join(frontendDir, 'node_modules', 'vite', 'bin', 'vite.js')

const apiUrl = (process.env.E2E_API_URL || '').replace(/\/+$/, '')
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

let browser = null
let previewServer = null

function log(message) {
  console.log(`e2e: ${message}`)
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// ---------- a small PNG made here: a brown spot on a skin-coloured background ----------

function crc32(bytes) {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

function makeLesionPng(size = 128) {
  const rows = []
  const centre = size / 2
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3) // first byte: filter type 0
    for (let x = 0; x < size; x += 1) {
      const distance = Math.hypot((x - centre) / 0.8, y - centre) / (size * 0.3)
      const spot = Math.max(0, Math.min(1, 1.4 - distance)) // 1 inside the spot, fading to 0
      row[1 + x * 3] = Math.round(224 - spot * 140)
      row[2 + x * 3] = Math.round(180 - spot * 120)
      row[3 + x * 3] = Math.round(160 - spot * 110)
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

async function loadTestImage() {
  const imagePath = process.env.E2E_IMAGE
  if (!imagePath) {
    return { name: 'generated-lesion.png', mimeType: 'image/png', buffer: makeLesionPng() }
  }
  const mimeTypes = { '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif', '.bmp': 'image/bmp' }
  const mimeType = mimeTypes[path.extname(imagePath).toLowerCase()] || 'image/jpeg'
  return { name: path.basename(imagePath), mimeType, buffer: await readFile(imagePath) }
}

// ---------- processes and ports ----------

// Resolves with the port once it is known to be free (port 0: any free port).
function reservePort(port) {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(port, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

async function choosePagePort() {
  if (process.env.E2E_PORT) return Number(process.env.E2E_PORT)
  try {
    return await reservePort(DEFAULT_PAGE_PORT)
  } catch {
    const port = await reservePort(0)
    log(`port ${DEFAULT_PAGE_PORT} is taken, using ${port} (the API must allow CORS from that origin)`)
    return port
  }
}

function runVite(args, env = process.env) {
  return spawn(process.execPath, [viteCli, ...args], {
    cwd: frontendDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

function collectOutput(child) {
  const output = []
  child.stdout.on('data', (chunk) => output.push(chunk))
  child.stderr.on('data', (chunk) => output.push(chunk))
  return () => Buffer.concat(output).toString()
}

async function buildPage() {
  const build = runVite(['build', '--outDir', buildDir, '--emptyOutDir', '--logLevel', 'warn'], {
    ...process.env,
    VITE_API_URL: apiUrl,
  })
  const readOutput = collectOutput(build)
  const exitCode = await new Promise((resolve) => build.on('close', resolve))
  if (exitCode !== 0) {
    throw new Error(`vite build failed (exit ${exitCode}):\n${readOutput()}`)
  }
}

async function waitForOk(url, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  let lastProblem = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
      if (response.ok) return response
      lastProblem = `HTTP ${response.status}`
    } catch (error) {
      lastProblem = error.cause?.code || error.message
    }
    await sleep(500)
  }
  throw new Error(`${what} at ${url} was not ready after ${timeoutMs / 1000} s (${lastProblem})`)
}

async function startPreviewServer(port) {
  previewServer = runVite(['preview', '--outDir', buildDir, '--host', '127.0.0.1', '--port', String(port), '--strictPort'])
  const readOutput = collectOutput(previewServer)
  const pageUrl = `http://127.0.0.1:${port}/`
  try {
    await waitForOk(pageUrl, 20_000, 'vite preview')
  } catch (error) {
    throw new Error(`${error.message}\n${readOutput()}`)
  }
  return pageUrl
}

async function stopPreviewServer() {
  const server = previewServer
  previewServer = null
  if (!server || server.exitCode !== null) return
  const exited = new Promise((resolve) => server.once('close', resolve))
  server.kill('SIGTERM')
  const stillRunning = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)])
  if (stillRunning) server.kill('SIGKILL')
}

async function cleanUp() {
  const openBrowser = browser
  browser = null
  await openBrowser?.close().catch(() => {})
  await stopPreviewServer()
}

// ---------- the test ----------

async function fetchApiClasses() {
  try {
    const response = await fetch(`${apiUrl}/`, { signal: AbortSignal.timeout(5_000) })
    const body = await response.json()
    return Array.isArray(body?.classes) ? body.classes : null
  } catch {
    return null
  }
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`)
}

async function uploadAndReadResult(page, pageUrl) {
  const image = await loadTestImage()
  await page.goto(pageUrl)
  await page.getByLabel('Choose an image file').setInputFiles(image)
  await page.getByRole('img', { name: /Preview of the chosen photo/ }).waitFor()

  const predictAnswer = page
    .waitForResponse(
      (response) => response.url() === `${apiUrl}/predict` && response.request().method() === 'POST',
      { timeout: RESULT_TIMEOUT_MS },
    )
    .catch((error) => error) // read below, only once the page shows a result
  await page.getByRole('button', { name: 'Analyze', exact: true }).click()

  const topPrediction = page.getByTestId('top-prediction')
  const errorAlert = page.getByRole('alert')
  await topPrediction.or(errorAlert).first().waitFor({ timeout: RESULT_TIMEOUT_MS })
  if (await errorAlert.isVisible()) {
    const message = await errorAlert.innerText()
    throw new Error(
      `the page showed an error instead of a result: "${message}"\n` +
        `(if it cannot reach the server, check that ${apiUrl} allows CORS from ${new URL(pageUrl).origin})`,
    )
  }
  const response = await predictAnswer
  if (response instanceof Error) throw response
  check(response.status() === 200, `POST /predict answered ${response.status()}`)
  return response.json()
}

async function checkResult(page, apiAnswer, apiClasses) {
  const expectedRows = apiAnswer.all_predictions.length
  const topText = await page.getByTestId('top-prediction').innerText()
  const rowNames = await page.locator('[data-testid="chart-row"] .chart-row__name').allInnerTexts()
  const rowPercents = await page.locator('[data-testid="chart-row"] .chart-row__value').allInnerTexts()
  const meterCount = await page.getByRole('meter').count()
  log(`result: "${topText}", ${rowNames.length} chart rows`)

  check(rowNames.length === expectedRows, `${rowNames.length} chart rows, API sent ${expectedRows} classes`)
  check(rowNames.length >= 2, 'at least two chart rows')
  check(meterCount === expectedRows, `${meterCount} meters, expected ${expectedRows}`)
  if (apiClasses) {
    check(rowNames.length === apiClasses.length, `${rowNames.length} rows, API lists ${apiClasses.length} classes`)
  }
  check(topText.includes(`Most likely: ${apiAnswer.predicted_class}`), `top class is ${apiAnswer.predicted_class}`)
  check(rowNames[0] === apiAnswer.predicted_class, `first chart row (${rowNames[0]}) is the top class`)
  check(rowPercents.every((text) => /^\d+(\.\d)?%$/.test(text)), `every row shows a percentage: ${rowPercents}`)

  const disclaimer = page.getByTestId('medical-disclaimer')
  check(await disclaimer.isVisible(), 'the medical disclaimer is visible')
  check((await disclaimer.innerText()).includes('not a medical device'), 'the disclaimer text is shown')
}

async function takeScreenshots(page) {
  await page.addStyleTag({ content: NO_ANIMATIONS_CSS })
  await page.mouse.move(0, 0) // no hover styles in the picture
  const desktopShot = path.join(artifactsDir, 'upload-result.png')
  await page.screenshot({ path: desktopShot, fullPage: true, animations: 'disabled' })

  await page.setViewportSize({ width: 375, height: 812 })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  check(overflow <= 0, `no sideways scrolling at 375 px (page is ${overflow} px too wide)`)
  const phoneShot = path.join(artifactsDir, 'upload-result-375px.png')
  await page.screenshot({ path: phoneShot, fullPage: true, animations: 'disabled' })
  log(`screenshots: ${path.relative(frontendDir, desktopShot)}, ${path.relative(frontendDir, phoneShot)}`)
}

async function runTest() {
  if (!apiUrl) {
    throw new Error('E2E_API_URL is not set: start the backend and set E2E_API_URL to its base URL')
  }
  await mkdir(artifactsDir, { recursive: true })

  log(`waiting for the API at ${apiUrl}`)
  await waitForOk(`${apiUrl}/health`, API_READY_TIMEOUT_MS, 'the API')
  const apiClasses = await fetchApiClasses()

  log('building the page')
  await buildPage()
  const pageUrl = await startPreviewServer(await choosePagePort())
  log(`serving the page at ${pageUrl}`)

  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true })
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, reducedMotion: 'reduce' })
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(error.message))

  try {
    const apiAnswer = await uploadAndReadResult(page, pageUrl)
    await checkResult(page, apiAnswer, apiClasses)
    await takeScreenshots(page)
    check(pageErrors.length === 0, `no script errors on the page: ${pageErrors.join('; ')}`)
  } catch (error) {
    await page.screenshot({ path: path.join(artifactsDir, 'upload-failure.png'), fullPage: true }).catch(() => {})
    throw error
  }
}

async function main() {
  const overallTimer = setTimeout(async () => {
    console.error(`e2e: timed out after ${OVERALL_TIMEOUT_MS / 1000} s`)
    console.log('e2e: 0 passed, 1 failed')
    await cleanUp()
    process.exit(1)
  }, OVERALL_TIMEOUT_MS)

  process.once('unhandledRejection', async (error) => {
    console.error('e2e: unexpected error:', error)
    console.log('e2e: 0 passed, 1 failed')
    await cleanUp()
    process.exit(1)
  })
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await cleanUp()
      process.exit(130)
    })
  }

  let passed = false
  try {
    await runTest()
    passed = true
    log('upload an image and read the result: ok')
  } catch (error) {
    console.error('e2e: upload an image and read the result: FAILED')
    console.error(error.stack || String(error))
  } finally {
    await cleanUp()
    clearTimeout(overallTimer)
  }
  console.log(`e2e: ${passed ? 1 : 0} passed, ${passed ? 0 : 1} failed`)
  process.exit(passed ? 0 : 1)
}

main()
