import type { OnDeviceModel } from './model-info'

// Messages between the page and the on-device worker.

export type PrepareRequest = { type: 'prepare'; id: number; model: OnDeviceModel }
export type AnalyseRequest = { type: 'analyse'; id: number; model: OnDeviceModel; file: Blob }
export type WorkerRequest = PrepareRequest | AnalyseRequest

// What the two graphs answered for one picture, with the heat map already drawn; the page words the rest.
export type RawAnswer = {
  probabilities: number[]
  uncertain: boolean
  imageKindIndex: number | null
  imageKindScore: number | null
  // too_dark, too_bright, blurred, too_small
  qualityFlags: boolean[]
  heatmap: string | null
  heatmapDescription: string | null
  inferenceMs: number
}

// Why the server has to answer instead: the picture cannot be read here (the server gives the proper
// reason), or the model cannot run here at all.
export type DeclineReason = 'unreadable-picture' | 'too-large-picture' | 'runtime-failed' | 'model-unavailable'

export type WorkerResponse =
  | { type: 'prepared'; id: number }
  | { type: 'answer'; id: number; answer: RawAnswer }
  | { type: 'declined'; id: number; reason: DeclineReason; detail: string }
