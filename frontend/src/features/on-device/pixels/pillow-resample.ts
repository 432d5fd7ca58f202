// Pillow's 8-bit pixel arithmetic, integer for integer, so the page prepares exactly the pixels the server does.
// Each function follows one routine of Pillow's C library (src/libImaging), named in its comment; the rounding,
// the fixed-point coefficients and the clipping are Pillow's, not approximations of them.

/** Interleaved 8-bit pixels: `channels` values a pixel (1 grey, 3 RGB, 4 RGBA), rows top to bottom. */
export interface PixelGrid {
  width: number
  height: number
  channels: number
  data: Uint8Array
}

export type ResampleFilter = 'bilinear' | 'box'

/**
 * Box reduction of RGBA pixels by whole factors, as `Image.reduce` does for RGB (Reduce.c): the output is
 * ceil(width / factorX) by ceil(height / factorY), and the last blocks, cut short by the edge, average only the
 * pixels they have. Returns the input itself when both factors are 1.
 */
export function reduce(rgba: PixelGrid, factorX: number, factorY: number): PixelGrid {
  return factorX === 1 && factorY === 1 ? rgba : reduceBlocks(rgba, factorX, factorY, false)
}

/**
 * `Image.reduce` of a picture with transparency: the colours are premultiplied by alpha (Convert.c rgbA2rgba),
 * averaged as `reduce` does, and divided by the averaged alpha again (rgba2rgbA), so transparent pixels add no
 * colour. Returns the input itself, never premultiplied, when both factors are 1.
 */
export function reduceTransparent(rgba: PixelGrid, factorX: number, factorY: number): PixelGrid {
  return factorX === 1 && factorY === 1 ? rgba : reduceBlocks(rgba, factorX, factorY, true)
}

function reduceBlocks(rgba: PixelGrid, factorX: number, factorY: number, premultiply: boolean): PixelGrid {
  const { width, height, channels, data } = rgba
  if (channels !== 4) throw new Error(`reduce takes RGBA pixels, not ${channels} channels`)
  const outWidth = Math.ceil(width / factorX)
  const outHeight = Math.ceil(height / factorY)
  const out = new Uint8Array(outWidth * outHeight * 4)
  const sums = new Uint32Array(outWidth * 4)
  for (let outY = 0; outY < outHeight; outY++) {
    sums.fill(0)
    const top = outY * factorY
    const bottom = Math.min(height, top + factorY)
    for (let y = top; y < bottom; y++) {
      let source = y * width * 4
      for (let outX = 0; outX < outWidth; outX++) {
        const blockEnd = Math.min(width, (outX + 1) * factorX)
        let red = 0
        let green = 0
        let blue = 0
        let alphas = 0
        for (let x = outX * factorX; x < blockEnd; x++, source += 4) {
          const alpha = data[source + 3] ?? 0
          if (premultiply) {
            red += multiplyDivide255(data[source] ?? 0, alpha)
            green += multiplyDivide255(data[source + 1] ?? 0, alpha)
            blue += multiplyDivide255(data[source + 2] ?? 0, alpha)
          } else {
            red += data[source] ?? 0
            green += data[source + 1] ?? 0
            blue += data[source + 2] ?? 0
          }
          alphas += alpha
        }
        const at = outX * 4
        sums[at] = (sums[at] ?? 0) + red
        sums[at + 1] = (sums[at + 1] ?? 0) + green
        sums[at + 2] = (sums[at + 2] ?? 0) + blue
        sums[at + 3] = (sums[at + 3] ?? 0) + alphas
      }
    }
    const rows = bottom - top
    for (let outX = 0; outX < outWidth; outX++) {
      const count = Math.min(factorX, width - outX * factorX) * rows
      const multiplier = reduceMultiplier(count)
      const amend = count >> 1
      const at = outX * 4
      const target = (outY * outWidth + outX) * 4
      // Below 2^32 for every count (the multiplier is at most 2^24 / count), as in Pillow's UINT32 product.
      for (let channel = 0; channel < 4; channel++) {
        out[target + channel] = (((sums[at + channel] ?? 0) + amend) * multiplier) >>> 24
      }
      if (premultiply) unpremultiply(out, target)
    }
  }
  return { width: outWidth, height: outHeight, channels: 4, data: out }
}

/** Reduce.c's division_UINT32(count, 8): 2^32 / (256 * count), computed in single precision, truncated. */
function reduceMultiplier(count: number): number {
  return Math.trunc(Math.fround(4294967296 / Math.fround(256 * count)))
}

/** Pillow's MULDIV255: a * b / 255, rounded, without a division. */
function multiplyDivide255(a: number, b: number): number {
  const product = a * b + 128
  return ((product >> 8) + product) >> 8
}

/** One premultiplied RGBa pixel back to RGBA in place (Convert.c rgba2rgbA): integer division, clipped. */
function unpremultiply(pixels: Uint8Array, at: number): void {
  const alpha = pixels[at + 3] ?? 0
  if (alpha === 255 || alpha === 0) return
  for (let channel = at; channel < at + 3; channel++) {
    pixels[channel] = Math.min(255, Math.floor((255 * (pixels[channel] ?? 0)) / alpha))
  }
}

/**
 * RGBA laid over opaque white, as RGB: `Image.alpha_composite(white, picture).convert("RGB")`
 * (AlphaComposite.c with an opaque white destination, 7 bits of extra precision).
 */
export function compositeOnWhite(grid: PixelGrid): PixelGrid {
  const { width, height, data } = grid
  const out = new Uint8Array(width * height * 3)
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    const alpha = data[i + 3] ?? 0
    if (alpha === 0) {
      out.fill(255, o, o + 3)
      continue
    }
    // With an opaque destination Pillow's coefficients come out whole: alpha and 255 - alpha, times 2^7.
    const sourceWeight = alpha << 7
    const whiteTerm = 255 * ((255 << 7) - sourceWeight)
    for (let channel = 0; channel < 3; channel++) {
      const sum = (data[i + channel] ?? 0) * sourceWeight + whiteTerm + (0x80 << 7)
      out[o + channel] = (((sum >> 8) + sum) >> 8) >> 7
    }
  }
  return { width, height, channels: 3, data: out }
}

/** The first three channels of each pixel: `convert("RGB")` of a picture whose alpha is all 255. */
export function dropAlpha(grid: PixelGrid): PixelGrid {
  const { width, height, data } = grid
  const out = new Uint8Array(width * height * 3)
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    out[o] = data[i] ?? 0
    out[o + 1] = data[i + 1] ?? 0
    out[o + 2] = data[i + 2] ?? 0
  }
  return { width, height, channels: 3, data: out }
}

/** Grey from RGB(A): `convert("L")`, Pillow's integer ITU-R 601 luma (Convert.c rgb2l, L24). */
export function luma(grid: PixelGrid): PixelGrid {
  const { width, height, channels, data } = grid
  const out = new Uint8Array(width * height)
  for (let i = 0, o = 0; o < out.length; i += channels, o++) {
    out[o] = ((data[i] ?? 0) * 19595 + (data[i + 1] ?? 0) * 38470 + (data[i + 2] ?? 0) * 7471 + 0x8000) >> 16
  }
  return { width, height, channels: 1, data: out }
}

// Resample.c's fixed point: 22 fractional bits, leaving 8 for the value and 2 for overshoot.
const PRECISION_BITS = 32 - 8 - 2
const HALF = 1 << (PRECISION_BITS - 1)

/**
 * `Image.resize(size, filter)` (Resample.c): one pass along each side that changes size; a downscale widens
 * the filter by the scale, so every source pixel counts (antialiasing). Values are clipped to 0..255 after each
 * pass, so the order of the passes shows in the result. The same size gives a copy.
 */
export function resample(grid: PixelGrid, width: number, height: number, filter: ResampleFilter): PixelGrid {
  if (width === grid.width && height === grid.height) return { ...grid, data: grid.data.slice() }
  const horizontal = (source: PixelGrid) =>
    width === source.width ? source : resampleHorizontal(source, width, coefficients(source.width, width, filter))
  const vertical = (source: PixelGrid) =>
    height === source.height ? source : resampleVertical(source, height, coefficients(source.height, height, filter))
  return verticalPassFirst(grid, width, height) ? horizontal(vertical(grid)) : vertical(horizontal(grid))
}

/**
 * Pillow 13 (python-pillow/Pillow#9549) runs the vertical pass first when the height shrinks by more than
 * twice as many pixels as the width does; otherwise the horizontal pass comes first, as in earlier versions.
 */
function verticalPassFirst(grid: PixelGrid, width: number, height: number): boolean {
  return height < grid.height && grid.height - height > 2 * (grid.width - width)
}

/** For each output pixel, its first source pixel, how many it reads, and their fixed-point weights. */
interface Coefficients {
  first: Int32Array
  count: Int32Array
  weights: Int32Array
  perPixel: number
}

const FILTERS: Record<ResampleFilter, { support: number; weight: (x: number) => number }> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const distance = x < 0 ? -x : x
      return distance < 1 ? 1 - distance : 0
    },
  },
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
}

/** Resample.c's precompute_coeffs and normalize_coeffs_8bpc, in the same double-precision steps. */
function coefficients(inSize: number, outSize: number, filter: ResampleFilter): Coefficients {
  const { support: filterSupport, weight } = FILTERS[filter]
  const scale = inSize / outSize
  const filterScale = Math.max(scale, 1)
  const support = filterSupport * filterScale
  const perPixel = Math.ceil(support) * 2 + 1
  const first = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Int32Array(outSize * perPixel)
  const raw = new Float64Array(perPixel)
  const inverseScale = 1 / filterScale
  for (let out = 0; out < outSize; out++) {
    const center = (out + 0.5) * scale
    const start = Math.max(0, Math.trunc(center - support + 0.5))
    const end = Math.min(inSize, Math.trunc(center + support + 0.5))
    const taps = end - start
    let total = 0
    for (let tap = 0; tap < taps; tap++) {
      const value = weight((tap + start - center + 0.5) * inverseScale)
      raw[tap] = value
      total += value
    }
    for (let tap = 0; tap < taps; tap++) {
      const normalised = total !== 0 ? (raw[tap] ?? 0) / total : (raw[tap] ?? 0)
      weights[out * perPixel + tap] = Math.trunc(
        normalised < 0 ? -0.5 + normalised * (1 << PRECISION_BITS) : 0.5 + normalised * (1 << PRECISION_BITS),
      )
    }
    first[out] = start
    count[out] = taps
  }
  return { first, count, weights, perPixel }
}

/** Resample.c's clip8: the fixed-point sum's whole part, clipped to 0..255. */
function clip8(sum: number): number {
  const value = sum >> PRECISION_BITS
  return value < 0 ? 0 : value > 255 ? 255 : value
}

function resampleHorizontal(grid: PixelGrid, outWidth: number, taps: Coefficients): PixelGrid {
  const { width, height, channels, data } = grid
  const { first, count, weights, perPixel } = taps
  const out = new Uint8Array(outWidth * height * channels)
  for (let y = 0; y < height; y++) {
    const row = y * width * channels
    const outRow = y * outWidth * channels
    for (let x = 0; x < outWidth; x++) {
      const start = row + (first[x] ?? 0) * channels
      const n = count[x] ?? 0
      const weightsAt = x * perPixel
      for (let channel = 0; channel < channels; channel++) {
        let sum = HALF
        for (let tap = 0, at = start + channel; tap < n; tap++, at += channels) {
          sum += (data[at] ?? 0) * (weights[weightsAt + tap] ?? 0)
        }
        out[outRow + x * channels + channel] = clip8(sum)
      }
    }
  }
  return { width: outWidth, height, channels, data: out }
}

function resampleVertical(grid: PixelGrid, outHeight: number, taps: Coefficients): PixelGrid {
  const { width, channels, data } = grid
  const { first, count, weights, perPixel } = taps
  const rowLength = width * channels
  const out = new Uint8Array(rowLength * outHeight)
  for (let y = 0; y < outHeight; y++) {
    const start = (first[y] ?? 0) * rowLength
    const n = count[y] ?? 0
    const weightsAt = y * perPixel
    const outRow = y * rowLength
    for (let i = 0; i < rowLength; i++) {
      let sum = HALF
      for (let tap = 0, at = start + i; tap < n; tap++, at += rowLength) {
        sum += (data[at] ?? 0) * (weights[weightsAt + tap] ?? 0)
      }
      out[outRow + i] = clip8(sum)
    }
  }
  return { width, height: outHeight, channels, data: out }
}
