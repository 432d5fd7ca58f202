import { requestModelCardBody } from '@/lib/model-card-request'
import { assembleAnswer, type DeviceAnswer } from './answer'
import { readOnDeviceModel, type OnDeviceModel } from './model-info'
import type { WorkerRequest, WorkerResponse } from './protocol'

// The page's side of the on-device analysis: whether this browser can do it, the worker, and GET /model's
// `on_device`. Every answer it cannot give is null, and the page then asks the server.

// The last `on_device` GET /model gave, for a visit without the network.
const REMEMBERED_MODEL_KEY = 'skin-lesion-classifier.on-device-model'

export function onDeviceSupported(): boolean {
  return (
    typeof WebAssembly === 'object' &&
    typeof Worker === 'function' &&
    typeof OffscreenCanvas === 'function' &&
    typeof createImageBitmap === 'function' &&
    typeof caches === 'object' &&
    typeof crypto === 'object' &&
    typeof crypto.subtle === 'object'
  )
}

function remember(model: OnDeviceModel | null) {
  try {
    if (model) localStorage.setItem(REMEMBERED_MODEL_KEY, JSON.stringify(model))
    else localStorage.removeItem(REMEMBERED_MODEL_KEY)
  } catch {
    // Storage turned off: offline visits then depend on the service worker's copy of GET /model.
  }
}

function remembered(): OnDeviceModel | null {
  try {
    const stored = localStorage.getItem(REMEMBERED_MODEL_KEY)
    return stored ? (JSON.parse(stored) as OnDeviceModel) : null
  } catch {
    return null
  }
}

type Pending = { resolve: (response: WorkerResponse) => void; reject: (error: unknown) => void }

export class OnDeviceAnalyser {
  private worker: Worker | null = null
  private broken = false
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private model: Promise<OnDeviceModel | null> | null = null

  get usable(): boolean {
    return !this.broken && onDeviceSupported()
  }

  // GET /model's `on_device`, asked once per visit (the service worker answers it offline).
  private modelInfo(): Promise<OnDeviceModel | null> {
    this.model ??= requestModelCardBody().then(
      (body) => {
        const model = readOnDeviceModel(body)
        remember(model)
        return model
      },
      () => {
        this.model = null // asked again next time
        return remembered()
      },
    )
    return this.model
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'on-device' })
    worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
      const waiting = this.pending.get(event.data.id)
      this.pending.delete(event.data.id)
      waiting?.resolve(event.data)
    })
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      this.fail(new Error(event.message || 'The on-device worker failed.'))
    })
    this.worker = worker
    return worker
  }

  // The worker cannot run here (script or runtime failed to load): the server answers from now on.
  private fail(error: unknown) {
    this.broken = true
    this.worker?.terminate()
    this.worker = null
    for (const waiting of this.pending.values()) waiting.reject(error)
    this.pending.clear()
  }

  private send(request: WorkerRequest): Promise<WorkerResponse> {
    const worker = this.ensureWorker()
    return new Promise<WorkerResponse>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject })
      worker.postMessage(request)
    })
  }

  // Fetches, checks and caches the model and starts its sessions ahead of the first answer.
  async prepare(): Promise<boolean> {
    if (!this.usable) return false
    const model = await this.modelInfo()
    if (!model || !this.usable) return false
    const response = await this.send({ type: 'prepare', id: this.nextId++, model }).catch(() => null)
    return response?.type === 'prepared'
  }

  // The answer computed on this device, or null when the server has to answer (the picture cannot be read
  // here, the model cannot run here, or the request was cancelled).
  async analyse(file: File, signal?: AbortSignal): Promise<DeviceAnswer | null> {
    if (!this.usable) return null
    const model = await this.modelInfo()
    if (!model || !this.usable || signal?.aborted) return null
    const response = await this.send({ type: 'analyse', id: this.nextId++, model, file }).catch(() => null)
    if (response?.type !== 'answer') {
      if (response?.type === 'declined' && response.reason === 'runtime-failed') this.broken = true
      return null
    }
    return assembleAnswer(response.answer, model)
  }
}

let shared: OnDeviceAnalyser | null = null

export function onDeviceAnalyser(): OnDeviceAnalyser {
  shared ??= new OnDeviceAnalyser()
  return shared
}
