// The on-device analysis, off the page's thread: ONNX Runtime Web (WebAssembly only), the two graphs of GET /model's
// `on_device`, the pixels prepared as the server prepares them, and the heat map drawn. Loaded only here, so the
// page's own bundle does not carry the runtime.
import * as ort from 'onnxruntime-web/wasm'
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url'
import { colourise, describeHeat, heatSize, upsample } from './heatmap-picture'
import type { OnDeviceModel } from './model-info'
import { loadGraphFile } from './model-store'
import { outsideDecodeLimits, preparePixels, readImageSize, type RgbaPicture } from './pixels/model-pixels'
import type { DeclineReason, RawAnswer, WorkerRequest, WorkerResponse } from './protocol'

class Declined extends Error {
  constructor(
    readonly reason: DeclineReason,
    message: string,
  ) {
    super(message)
  }
}

type Sessions = { key: string; model: ort.InferenceSession; answer: ort.InferenceSession }
let sessions: Promise<Sessions> | null = null
// Photos sent for analysis and not yet answered.
let waitingPhotos = 0
let sessionsKey = ''

function configureRuntime() {
  ort.env.wasm.wasmPaths = { wasm: wasmUrl }
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has.
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1
  ort.env.wasm.proxy = false
}

function keyOf(model: OnDeviceModel): string {
  return `${model.modelVersion}:${model.model.sha256}:${model.answer.sha256}`
}

async function createSessions(model: OnDeviceModel): Promise<Sessions> {
  const [modelFile, answerFile] = await Promise.all([loadGraphFile(model.model), loadGraphFile(model.answer)])
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
  const modelSession = await ort.InferenceSession.create(new Uint8Array(modelFile.bytes), options)
  const answerSession = await ort.InferenceSession.create(new Uint8Array(answerFile.bytes), options)
  const created = { key: keyOf(model), model: modelSession, answer: answerSession }
  // The first run is the slowest (buffers allocated, WebAssembly warmed up): done here, ahead of the first photo,
  // unless a photo is already waiting (its own run warms up as well, and sooner).
  if (waitingPhotos > 0) return created
  const size = model.imageSize
  const blank = { width: size, height: size, data: new Float32Array(size * size) }
  await runGraphs(created, new Float32Array(size * size * 3), blank, size, size)
  return created
}

// The sessions for this model, created once; a newer model replaces them.
function sessionsFor(model: OnDeviceModel): Promise<Sessions> {
  const key = keyOf(model)
  if (sessions && sessionsKey === key) return sessions
  const previous = sessions
  sessionsKey = key
  sessions = createSessions(model)
  sessions.catch(() => {
    if (sessionsKey === key) {
      sessions = null
      sessionsKey = ''
    }
  })
  void previous?.then(
    (old) => Promise.all([old.model.release(), old.answer.release()]),
    () => undefined,
  )
  return sessions
}

type GraphOutputs = Record<string, ort.Tensor>

async function runGraphs(
  created: Sessions,
  modelInput: Float32Array,
  analysis: { width: number; height: number; data: Float32Array },
  storedShortSide: number,
  size: number,
): Promise<GraphOutputs> {
  const image = new ort.Tensor('float32', modelInput, [1, size, size, 3])
  const modelInputName = created.model.inputNames[0] ?? 'image'
  const first = await created.model.run({ [modelInputName]: image })
  const [probabilities, pooled, featureMap] = created.model.outputNames.map((name) => first[name])
  if (!probabilities || !pooled || !featureMap) throw new Error('The model graph gave fewer than three outputs.')
  const answer = await created.answer.run({
    image,
    probabilities,
    pooled,
    feature_map: featureMap,
    analysis: new ort.Tensor('float32', analysis.data, [1, analysis.height, analysis.width]),
    stored_short_side: new ort.Tensor('float32', new Float32Array([storedShortSide]), [1]),
  })
  // The model's probabilities are already calibrated: they are the answer's confidences.
  return { ...answer, probabilities }
}

function numbers(tensor: ort.Tensor | undefined): number[] {
  if (!tensor) return []
  return Array.from(tensor.data as ArrayLike<number | bigint | boolean>, (value) => Number(value))
}

async function decode(file: Blob): Promise<{ picture: RgbaPicture; format: string; storedShortSide: number }> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  const header = readImageSize(bytes)
  if (!header) throw new Declined('unreadable-picture', 'not a picture this page reads')
  const { width, height } = header
  if (outsideDecodeLimits(header)) {
    throw new Declined('too-large-picture', `${width} x ${height}`)
  }
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), {
      imageOrientation: 'from-image',
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    })
  } catch (error) {
    throw new Declined('unreadable-picture', String(error))
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
    const context = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' })
    if (!context) throw new Declined('unreadable-picture', 'no 2D canvas')
    context.drawImage(bitmap, 0, 0)
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' })
    return {
      picture: { width: pixels.width, height: pixels.height, data: pixels.data },
      format: header.format,
      storedShortSide: Math.min(width, height),
    }
  } finally {
    bitmap.close()
  }
}

function base64Of(bytes: Uint8Array): string {
  let binary = ''
  const chunk = 0x8000
  for (let start = 0; start < bytes.length; start += chunk) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunk))
  }
  return btoa(binary)
}

// The top class's map at the picture's aspect ratio, as a PNG data URL, with the API's sentence for it.
async function drawHeatmap(classMaps: ort.Tensor | undefined, classIndex: number, picture: RgbaPicture) {
  const dims = classMaps?.dims ?? []
  const [, mapHeight = 0, mapWidth = 0, classes = 0] = dims
  if (!classMaps || dims.length !== 4 || classIndex >= classes) return { heatmap: null, description: null }
  const all = classMaps.data as Float32Array
  const map = new Float32Array(mapHeight * mapWidth)
  for (let cell = 0; cell < map.length; cell += 1) map[cell] = all[cell * classes + classIndex] ?? 0
  const size = heatSize(picture.width, picture.height)
  const heat = upsample({ width: mapWidth, height: mapHeight, data: map }, size.width, size.height)
  const canvas = new OffscreenCanvas(heat.width, heat.height)
  const context = canvas.getContext('2d')
  if (!context) return { heatmap: null, description: describeHeat(heat) }
  context.putImageData(new ImageData(colourise(heat), heat.width, heat.height), 0, 0)
  const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer())
  return { heatmap: `data:image/png;base64,${base64Of(png)}`, description: describeHeat(heat) }
}

async function analyse(model: OnDeviceModel, file: Blob): Promise<RawAnswer> {
  const started = performance.now()
  const created = sessionsFor(model).catch((error: unknown) => {
    throw new Declined('model-unavailable', String(error))
  })
  created.catch(() => undefined) // a picture refused first leaves this failure unread
  const { picture, format, storedShortSide } = await decode(file)
  const { modelInput, analysisGrey } = preparePixels(picture, model.imageSize, { jpeg: format === 'jpeg' })
  let outputs: GraphOutputs
  try {
    outputs = await runGraphs(await created, modelInput, analysisGrey, storedShortSide, model.imageSize)
  } catch (error) {
    if (error instanceof Declined) throw error
    throw new Declined('runtime-failed', String(error))
  }
  const probabilities = numbers(outputs.probabilities)
  const top = probabilities.reduce((best, value, index) => (value > (probabilities[best] ?? -1) ? index : best), 0)
  const kindProbabilities = numbers(outputs.image_kind_probabilities)
  const kindIndex = outputs.image_kind ? numbers(outputs.image_kind)[0] : undefined
  const { heatmap, description } = await drawHeatmap(outputs.class_maps, top, picture)
  return {
    probabilities,
    uncertain: numbers(outputs.uncertain)[0] === 1,
    imageKindIndex: kindIndex ?? null,
    imageKindScore: kindIndex === undefined ? null : (kindProbabilities[kindIndex] ?? null),
    qualityFlags: numbers(outputs.quality).map((flag) => flag === 1),
    heatmap,
    heatmapDescription: description,
    inferenceMs: performance.now() - started,
  }
}

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  try {
    if (request.type === 'prepare') {
      await sessionsFor(request.model)
      return { type: 'prepared', id: request.id }
    }
    return { type: 'answer', id: request.id, answer: await analyse(request.model, request.file) }
  } catch (error) {
    const reason = error instanceof Declined ? error.reason : 'runtime-failed'
    return { type: 'declined', id: request.id, reason, detail: error instanceof Error ? error.message : String(error) }
  }
}

// ONNX Runtime's own thread workers load this script too (named "em-pthread"); only the main worker listens.
if (!self.name.startsWith('em-pthread')) {
  configureRuntime()
  let queue: Promise<unknown> = Promise.resolve()
  self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
    const isPhoto = event.data.type === 'analyse'
    if (isPhoto) waitingPhotos += 1
    // One request at a time: the runtime has one set of buffers, and the answers keep their order.
    queue = queue.then(async () => {
      const response = await handle(event.data)
      if (isPhoto) waitingPhotos -= 1
      self.postMessage(response)
    })
  })
}
