import { apiUrl } from '@/lib/api-client'

// What GET /model says about running the model in the browser (its `on_device` field), with the files' URLs
// made absolute. Null when the artifact cannot run in a browser or an older API leaves the field out.
export type GraphFile = { url: string; sha256: string; bytes: number }

export type OnDeviceModel = {
  modelVersion: string
  imageSize: number
  classNames: string[]
  imageKinds: string[]
  model: GraphFile
  answer: GraphFile
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string')
}

function readGraphFile(value: unknown): GraphFile | null {
  if (!isRecord(value)) return null
  const { url, sha256, bytes } = value
  if (typeof url !== 'string' || url === '') return null
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(sha256)) return null
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0) return null
  return { url: apiUrl(url), sha256: sha256.toLowerCase(), bytes }
}

// Reads `on_device` from a GET /model body; anything this page does not understand counts as "cannot run here".
export function readOnDeviceModel(card: unknown): OnDeviceModel | null {
  const onDevice = isRecord(card) ? card.on_device : undefined
  if (!isRecord(onDevice)) return null
  const { model_version: modelVersion, image_size: imageSize, class_names: classNames, image_kinds: imageKinds } =
    onDevice
  const model = readGraphFile(onDevice.model)
  const answer = readGraphFile(onDevice.answer)
  if (typeof modelVersion !== 'string' || modelVersion === '') return null
  if (typeof imageSize !== 'number' || !Number.isInteger(imageSize) || imageSize < 8 || imageSize > 1024) return null
  // A model without an image-kind check names no kinds; every model names its classes.
  if (!isStringList(classNames) || classNames.length === 0 || !isStringList(imageKinds) || !model || !answer) return null
  return { modelVersion, imageSize, classNames, imageKinds, model, answer }
}
