// The on-device figures of a browser-test run (e2e/artifacts/on-device/*.json, written by on-device.spec.ts and
// parity.spec.ts), the built page's sizes and the machine, as on-device.json and on-device.md.
//
//   node scripts/on-device-report.mjs OUTPUT_DIR API_URL COMMAND
//
// scripts/e2e.sh runs it after the browser tests (OUTPUT_DIR docs/ when ON_DEVICE_REPORT=1).

import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const figuresDir = path.join(frontendDir, 'e2e', 'artifacts', 'on-device')
const distDir = path.join(frontendDir, 'e2e', 'artifacts', 'dist')
const [outputDir = figuresDir, apiUrl = '', command = ''] = process.argv.slice(2)

const BARS = { first_answer_ms: 1500, further_answer_ms: 500, page_js_gzip_kb: 400 }

function readJson(file) {
  const full = path.join(figuresDir, file)
  return existsSync(full) ? JSON.parse(readFileSync(full, 'utf8')) : null
}

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'))
    if (line) return line.split(':').slice(1).join(':').trim()
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown'
}

function sizeOf(file) {
  const bytes = readFileSync(file)
  return { file: path.relative(distDir, file), bytes: bytes.length, gzip_bytes: zlib.gzipSync(bytes).length }
}

function sum(entries, key) {
  return entries.reduce((total, entry) => total + entry[key], 0)
}

const kb = (bytes) => Math.round((bytes / 1024) * 10) / 10
const ms = (value) => (typeof value === 'number' ? Math.round(value) : null)

function sizes() {
  const assets = path.join(distDir, 'assets')
  if (!existsSync(assets)) return null
  const files = readdirSync(assets).map((name) => path.join(assets, name))
  const entry = readFileSync(path.join(distDir, 'index.html'), 'utf8').match(/assets\/(index-[^"]+\.js)/)?.[1]
  const pageJs = files.filter((file) => file.endsWith('.js') && !path.basename(file).startsWith('worker-')).map(sizeOf)
  const runtimeJs = files.filter((file) => path.basename(file).startsWith('worker-')).map(sizeOf)
  const wasm = files.filter((file) => file.endsWith('.wasm')).map(sizeOf)
  const serviceWorker = ['sw.js', 'registerSW.js', ...readdirSync(distDir).filter((name) => /^workbox-.*\.js$/.test(name))]
    .map((name) => path.join(distDir, name))
    .filter(existsSync)
    .map(sizeOf)
  return {
    page_js: {
      files: pageJs,
      bytes: sum(pageJs, 'bytes'),
      gzip_bytes: sum(pageJs, 'gzip_bytes'),
      loaded_at_start_gzip_bytes: pageJs.find(({ file }) => file === `assets/${entry}`)?.gzip_bytes ?? null,
    },
    runtime: {
      worker_js: runtimeJs,
      wasm,
      gzip_bytes: sum(runtimeJs, 'gzip_bytes') + sum(wasm, 'gzip_bytes'),
    },
    service_worker: { files: serviceWorker, gzip_bytes: sum(serviceWorker, 'gzip_bytes') },
  }
}

async function modelFacts() {
  if (!apiUrl) return null
  try {
    const card = await (await fetch(`${apiUrl.replace(/\/+$/, '')}/model`)).json()
    const onDevice = card.on_device
    return {
      model_version: card.model_version,
      model_bytes: onDevice?.model?.bytes ?? null,
      answer_bytes: onDevice?.answer?.bytes ?? null,
    }
  } catch {
    return null
  }
}

const offline = [1280, 375].map((width) => readJson(`offline-${width}.json`)).filter(Boolean)
const parity = readJson('parity.json')
if (offline.length === 0 && !parity) {
  console.log('on-device report: no figures from this run (the on-device tests did not run), nothing written')
  process.exit(0)
}
// Chromium, and how many threads ONNX Runtime Web had: more than one only on a cross-origin isolated page.
function browserFacts(runs) {
  const threads = Math.max(1, ...runs.map((run) => run.runtime_threads ?? 1))
  const isolated = runs.length > 0 && runs.every((run) => run.cross_origin_isolated)
  return `Chromium (headless, Playwright), ${threads === 1 ? 'one ONNX Runtime thread' : `${threads} ONNX Runtime threads`} (the page is ${isolated ? '' : 'not '}cross-origin isolated)`
}

const model = await modelFacts()
const built = sizes()
const further = offline.flatMap((run) => run.further_answers_ms)
const report = {
  date: new Date().toISOString(),
  command,
  machine: { cpu: cpuModel(), cores: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30) },
  browser: browserFacts(offline),
  model_version: model?.model_version ?? null,
  timings: {
    by_width: offline,
    first_answer_at_once_ms_max: ms(Math.max(...offline.map((run) => run.first_answer_at_once_ms))),
    first_answer_when_ready_ms_max: ms(Math.max(...offline.map((run) => run.first_answer_when_ready_ms))),
    further_answer_ms_max: ms(Math.max(...further)),
    parity_answer_ms: parity?.answer_ms ?? null,
  },
  sizes: built && {
    ...built,
    model: model && { model_onnx_bytes: model.model_bytes, answer_onnx_bytes: model.answer_bytes },
  },
  parity: parity && {
    seed: parity.seed,
    draw: parity.draw,
    images: parity.images,
    computed_on_device: parity.computed_on_device,
    top_class_agreement: parity.top_class_agreement,
    image_kind_agreement: parity.image_kind_agreement,
    largest_confidence_difference: parity.largest_confidence_difference,
    mean_largest_confidence_difference: parity.mean_largest_confidence_difference,
    disagreements: parity.disagreements,
    not_on_device: parity.not_on_device,
  },
  bars: BARS,
}
const pageGzipKb = built ? kb(built.page_js.gzip_bytes) : null
const met = {
  first_answer_at_once: report.timings.first_answer_at_once_ms_max !== null && report.timings.first_answer_at_once_ms_max <= BARS.first_answer_ms,
  first_answer_when_ready:
    report.timings.first_answer_when_ready_ms_max !== null && report.timings.first_answer_when_ready_ms_max <= BARS.first_answer_ms,
  further_answers:
    report.timings.further_answer_ms_max !== null &&
    report.timings.further_answer_ms_max <= BARS.further_answer_ms &&
    (parity?.answer_ms?.max ?? 0) <= BARS.further_answer_ms,
  page_js: pageGzipKb !== null && pageGzipKb <= BARS.page_js_gzip_kb,
  parity:
    parity !== null &&
    parity.top_class_agreement >= 0.99 &&
    parity.image_kind_agreement >= 0.99 &&
    parity.largest_confidence_difference <= 0.02,
}
report.met = met

const yes = (value) => (value ? 'met' : '**missed**')
const lines = [
  '# On-device analysis: measured figures',
  '',
  `Measured by the browser tests (\`frontend/e2e/on-device.spec.ts\`, \`frontend/e2e/parity.spec.ts\`) on ${report.date.slice(0, 10)}:`,
  '',
  `- command: \`${command}\``,
  `- machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memory_gb} GB`,
  `- browser: ${report.browser}`,
  `- model version: ${report.model_version ?? 'unknown'}`,
  '',
  'The same figures, with every image compared, are in `on-device.json`.',
  '',
  '## Bars',
  '',
  '| bar | measured | |',
  '|---|---|---|',
  `| first answer after the model is cached, Analyze pressed as the page appears (offline) <= ${BARS.first_answer_ms} ms | ${report.timings.first_answer_at_once_ms_max} ms (slowest of the two widths) | ${yes(met.first_answer_at_once)} |`,
  `| first answer after the model is cached, the page having started the model (offline) <= ${BARS.first_answer_ms} ms | ${report.timings.first_answer_when_ready_ms_max} ms | ${yes(met.first_answer_when_ready)} |`,
  `| each further answer <= ${BARS.further_answer_ms} ms | slowest ${report.timings.further_answer_ms_max} ms offline; parity run p50 ${ms(parity?.answer_ms?.p50)} ms, p90 ${ms(parity?.answer_ms?.p90)} ms, slowest ${ms(parity?.answer_ms?.max)} ms | ${yes(met.further_answers)} |`,
  `| the page's own JavaScript <= ${BARS.page_js_gzip_kb} KB gzipped | ${pageGzipKb} KB (${built ? kb(built.page_js.loaded_at_start_gzip_bytes) : '?'} KB loaded at start, the rest when a report is made) | ${yes(met.page_js)} |`,
  parity
    ? `| parity: same top class >= 99%, same image kind >= 99%, largest confidence difference <= 0.02 | ${(parity.top_class_agreement * 100).toFixed(1)}%, ${(parity.image_kind_agreement * 100).toFixed(1)}%, ${parity.largest_confidence_difference.toExponential(2)} (${parity.computed_on_device} of ${parity.images} images answered on the device) | ${yes(met.parity)} |`
    : '| parity | not run (no shared image sets) | |',
  '',
  'Times run from pressing Analyze to the answer on the page, measured in the page. Answers are computed in a module',
  `worker with ONNX Runtime Web (WebAssembly): ${report.browser.replace(/^Chromium \(headless, Playwright\), /, '')}.`,
  'Pressed as soon as the page appears, the first answer also waits for ONNX Runtime to compile its WebAssembly, the',
  'model to be read from Cache Storage and its two sessions to start; the page starts them when it loads, so once a',
  'person has chosen a photo they are usually ready (the second row).',
  '',
  '## Sizes',
  '',
  built
    ? [
        '| part | bytes | gzipped |',
        '|---|---|---|',
        `| the page's own JavaScript (${built.page_js.files.length} files) | ${built.page_js.bytes} | ${built.page_js.gzip_bytes} |`,
        ...built.runtime.worker_js.map((file) => `| ONNX Runtime Web and the analysis, in the worker (\`${file.file}\`) | ${file.bytes} | ${file.gzip_bytes} |`),
        ...built.runtime.wasm.map((file) => `| ONNX Runtime WebAssembly (\`${file.file}\`) | ${file.bytes} | ${file.gzip_bytes} |`),
        `| service worker (sw.js, Workbox, registration) | ${sum(built.service_worker.files, 'bytes')} | ${built.service_worker.gzip_bytes} |`,
        `| model.onnx (fetched once, cached) | ${model?.model_bytes ?? '?'} | |`,
        `| answer.onnx (fetched once, cached) | ${model?.answer_bytes ?? '?'} | |`,
      ].join('\n')
    : 'No build found.',
  '',
  '## Parity',
  '',
  parity
    ? `${parity.images} images drawn with seed ${parity.seed} (${Object.entries(parity.draw)
        .map(([source, count]) => `${source} ${count}`)
        .join(', ')}), each sent to POST /predict and analysed by the page in Chromium. Mean largest difference ` +
      `of a class's confidence: ${parity.mean_largest_confidence_difference.toExponential(2)}. Disagreements: ` +
      `${parity.disagreements.length === 0 ? 'none' : JSON.stringify(parity.disagreements)}.`
    : 'Not run: the shared image sets were not found.',
  '',
]
mkdirSync(outputDir, { recursive: true })
writeFileSync(path.join(outputDir, 'on-device.json'), `${JSON.stringify(report, null, 2)}\n`)
writeFileSync(path.join(outputDir, 'on-device.md'), lines.join('\n'))
console.log(`on-device report: ${path.join(outputDir, 'on-device.md')} and on-device.json`)
