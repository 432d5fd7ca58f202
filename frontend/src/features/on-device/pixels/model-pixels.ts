// The server's preparation of a photo (ml/skin_classifier/serving/preprocessing.py: decode, then
// Decoded.resized; quality.py: the grey analysis picture), done in the page on decoded RGBA pixels so an
// on-device answer sees the pixels the server's would. Everything after the decode is exact; only JPEG's
// reduced-scale decode is emulated (see jpegDraftScale).

import {
  compositeOnWhite,
  dropAlpha,
  luma,
  reduce,
  reduceTransparent,
  resample,
  type PixelGrid,
} from './pillow-resample'

/** Decoded pixels, upright, with straight (not premultiplied) alpha. */
export interface RgbaPicture {
  width: number
  height: number
  data: Uint8ClampedArray
}

export interface GreyPicture {
  width: number
  height: number
  data: Float32Array
}

export interface PreparedPixels {
  /** The model's input: imageSize x imageSize x 3 RGB values 0..255, rows top to bottom (NHWC without N). */
  modelInput: Float32Array
  /** The quality check's grey picture (quality.analysis_picture), shorter side ANALYSIS_SIZE. */
  analysisGrey: GreyPicture
}

/** The short side of the quality check's grey picture (quality.ANALYSIS_SIZE). */
export const ANALYSIS_SIZE = 224

/**
 * The model's input and the quality check's grey picture from a decoded photo, as the server makes them.
 *
 * `picture` must be decoded upright (EXIF orientation applied, as createImageBitmap's imageOrientation
 * 'from-image' does). The server reduces the picture as stored and turns it afterwards; the factors come out
 * the same, but for a photo stored turned or mirrored the blocks cut short by the edges lie on the other side,
 * so the pixels along those edges can differ slightly.
 */
export function preparePixels(picture: RgbaPicture, imageSize: number, options: { jpeg: boolean }): PreparedPixels {
  const { width, height, data } = picture
  const filled = width > 0 && height > 0 && data.length === width * height * 4
  if (!filled || !Number.isInteger(imageSize) || imageSize < 1) {
    throw new RangeError(`cannot prepare a ${width}x${height} picture of ${data.length} bytes at size ${imageSize}`)
  }
  let grid: PixelGrid = {
    width: picture.width,
    height: picture.height,
    channels: 4,
    data: new Uint8Array(picture.data.buffer, picture.data.byteOffset, picture.data.length),
  }
  if (options.jpeg) {
    const scale = jpegDraftScale(grid.width, grid.height, imageSize)
    grid = reduce(grid, scale, scale)
  }
  const reduced = reducedRgb(grid, imageSize)
  const model = resample(reduced, imageSize, imageSize, 'bilinear')
  return { modelInput: new Float32Array(model.data), analysisGrey: analysisGrey(reduced) }
}

/**
 * The scale libjpeg decodes a JPEG at on the server (`draft("RGB", (2S, 2S))` in JpegImagePlugin): the largest
 * of 8, 4, 2 and 1 that leaves both sides at least twice the model's size. The browser cannot decode at a
 * reduced scale, so the page box-reduces by it instead: close to libjpeg's scaled IDCT, not equal to it.
 */
export function jpegDraftScale(width: number, height: number, imageSize: number): number {
  const fits = Math.min(Math.floor(width / (2 * imageSize)), Math.floor(height / (2 * imageSize)))
  return [8, 4, 2].find((scale) => fits >= scale) ?? 1
}

/** preprocessing._reduce's whole factors: each side reduced to no less than twice the model's size. */
export function reductionFactors(width: number, height: number, imageSize: number): [number, number] {
  return [Math.max(1, Math.floor(width / (2 * imageSize))), Math.max(1, Math.floor(height / (2 * imageSize)))]
}

/** preprocessing._reduce: the box-reduced picture in RGB, transparency laid over white after the reduction. */
function reducedRgb(grid: PixelGrid, imageSize: number): PixelGrid {
  const [factorX, factorY] = reductionFactors(grid.width, grid.height, imageSize)
  if (isOpaque(grid)) return dropAlpha(reduce(grid, factorX, factorY))
  return compositeOnWhite(reduceTransparent(grid, factorX, factorY))
}

/** Whether every alpha is 255: the server's RGB and RGBA paths then give the same pixels. */
function isOpaque(grid: PixelGrid): boolean {
  const { data } = grid
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 255) return false
  }
  return true
}

/**
 * The quality check's grey picture size (quality.analysis_picture): the shorter side made ANALYSIS_SIZE, each
 * side rounded as Python's round does (halves to even), never under 3.
 */
export function analysisSize(width: number, height: number): [number, number] {
  const scale = ANALYSIS_SIZE / Math.min(width, height)
  return [Math.max(3, roundHalfToEven(width * scale)), Math.max(3, roundHalfToEven(height * scale))]
}

function roundHalfToEven(value: number): number {
  const rounded = Math.round(value)
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded
}

/** quality.analysis_picture: grey, resized so its shorter side is ANALYSIS_SIZE (BOX down, BILINEAR up). */
function analysisGrey(rgb: PixelGrid): GreyPicture {
  const grey = luma(rgb)
  const [width, height] = analysisSize(grey.width, grey.height)
  const shrinking = ANALYSIS_SIZE < Math.min(grey.width, grey.height)
  const resized = resample(grey, width, height, shrinking ? 'box' : 'bilinear')
  return { width, height, data: new Float32Array(resized.data) }
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif'

export interface ImageSize {
  width: number
  height: number
  format: ImageFormat
}

// What the server refuses before decoding (preprocessing.DEFAULT_MAX_PIXELS and MAX_ASPECT_RATIO).
export const MAX_PIXELS = 60_000_000
export const MAX_ASPECT_RATIO = 20

/** Whether the server would refuse a picture of this size unseen: too many pixels, or a strip, not a photo. */
export function outsideDecodeLimits(size: { width: number; height: number }): boolean {
  const { width, height } = size
  return width * height > MAX_PIXELS || Math.max(width, height) > MAX_ASPECT_RATIO * Math.min(width, height)
}

/**
 * The stored width and height from a file's header alone (JPEG SOFn, PNG IHDR, WebP VP8/VP8L/VP8X, GIF logical
 * screen), so a picture too large to decode safely can be refused before decoding. Null for other formats and
 * for headers that are cut short or malformed.
 */
export function readImageSize(bytes: Uint8Array): ImageSize | null {
  return readPngSize(bytes) ?? readGifSize(bytes) ?? readWebpSize(bytes) ?? readJpegSize(bytes)
}

function startsWith(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  return expected.every((value, i) => bytes[at + i] === value)
}

function ascii(text: string): number[] {
  return Array.from(text, (character) => character.charCodeAt(0))
}

function bigEndian(bytes: Uint8Array, at: number, length: number): number {
  let value = 0
  for (let i = 0; i < length; i++) value = value * 256 + (bytes[at + i] ?? 0)
  return value
}

function littleEndian(bytes: Uint8Array, at: number, length: number): number {
  let value = 0
  for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[at + i] ?? 0)
  return value
}

function sized(width: number, height: number, format: ImageFormat): ImageSize | null {
  return width > 0 && height > 0 ? { width, height, format } : null
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

function readPngSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length < 24 || !startsWith(bytes, 0, PNG_SIGNATURE) || !startsWith(bytes, 12, ascii('IHDR'))) return null
  return sized(bigEndian(bytes, 16, 4), bigEndian(bytes, 20, 4), 'png')
}

function readGifSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length < 10 || !(startsWith(bytes, 0, ascii('GIF87a')) || startsWith(bytes, 0, ascii('GIF89a')))) {
    return null
  }
  return sized(littleEndian(bytes, 6, 2), littleEndian(bytes, 8, 2), 'gif')
}

function readWebpSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length < 30 || !startsWith(bytes, 0, ascii('RIFF')) || !startsWith(bytes, 8, ascii('WEBP'))) return null
  if (startsWith(bytes, 12, ascii('VP8 '))) {
    // Lossy: a 3-byte frame tag, the start code, then 14-bit sides (the top 2 bits are an upscaling hint).
    if (!startsWith(bytes, 23, [0x9d, 0x01, 0x2a])) return null
    return sized(littleEndian(bytes, 26, 2) & 0x3fff, littleEndian(bytes, 28, 2) & 0x3fff, 'webp')
  }
  if (startsWith(bytes, 12, ascii('VP8L'))) {
    // Lossless: a signature byte, then width - 1 and height - 1 in 14 bits each.
    if (bytes[20] !== 0x2f) return null
    const bits = littleEndian(bytes, 21, 4)
    return sized((bits & 0x3fff) + 1, (Math.floor(bits / 0x4000) & 0x3fff) + 1, 'webp')
  }
  if (startsWith(bytes, 12, ascii('VP8X'))) {
    // Extended: flags, then the canvas's width - 1 and height - 1 in 24 bits each.
    return sized(littleEndian(bytes, 24, 3) + 1, littleEndian(bytes, 27, 3) + 1, 'webp')
  }
  return null
}

// Start-of-frame markers: C0..CF except DHT (C4), JPG (C8) and DAC (CC).
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

function readJpegSize(bytes: Uint8Array): ImageSize | null {
  if (!startsWith(bytes, 0, [0xff, 0xd8])) return null
  let at = 2
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null
    const marker = bytes[at + 1] ?? 0
    if (marker === 0xff) {
      at += 1 // fill byte before a marker
      continue
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2 // markers without a length
      continue
    }
    if (marker === 0xd9 || marker === 0xda) return null // image data or the end, and no frame header yet
    const length = bigEndian(bytes, at + 2, 2)
    if (length < 2) return null
    if (isStartOfFrame(marker)) {
      if (at + 9 > bytes.length) return null
      return sized(bigEndian(bytes, at + 7, 2), bigEndian(bytes, at + 5, 2), 'jpeg')
    }
    at += 2 + length
  }
  return null
}
