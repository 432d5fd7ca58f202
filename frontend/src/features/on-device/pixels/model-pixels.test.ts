import { describe, expect, it } from 'vitest'
import {
  ANALYSIS_SIZE,
  analysisSize,
  jpegDraftScale,
  preparePixels,
  reductionFactors,
  type RgbaPicture,
} from './model-pixels'
import { reduce } from './pillow-resample'

/** A picture of smoothly varying colours, opaque unless `alpha` says otherwise. */
function picture(width: number, height: number, alpha: (x: number, y: number) => number = () => 255): RgbaPicture {
  const data = new Uint8ClampedArray(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4
      data.set([(x * 7) % 256, (y * 5) % 256, (x * y) % 256, alpha(x, y)], at)
    }
  }
  return { width, height, data }
}

describe('jpegDraftScale', () => {
  it("picks libjpeg's scale as Pillow's draft does: the largest of 8, 4, 2 and 1 that keeps twice the size", () => {
    expect(jpegDraftScale(4032, 3024, 224)).toBe(4) // 3024 / 448 is 6
    expect(jpegDraftScale(3584, 3584, 224)).toBe(8)
    expect(jpegDraftScale(20000, 20000, 224)).toBe(8)
    expect(jpegDraftScale(896, 5000, 224)).toBe(2)
    expect(jpegDraftScale(895, 5000, 224)).toBe(1)
    expect(jpegDraftScale(100, 100, 224)).toBe(1)
  })
})

describe('reductionFactors', () => {
  it('reduces each side by its own whole factor to no less than twice the size', () => {
    expect(reductionFactors(1008, 756, 224)).toEqual([2, 1])
    expect(reductionFactors(4032, 3024, 224)).toEqual([9, 6])
    expect(reductionFactors(300, 200, 224)).toEqual([1, 1])
  })
})

describe('analysisSize', () => {
  it('makes the shorter side 224, rounding halves to even as Python does', () => {
    expect(analysisSize(449, 448)).toEqual([224, ANALYSIS_SIZE]) // 224.5
    expect(analysisSize(451, 448)).toEqual([226, ANALYSIS_SIZE]) // 225.5
    expect(analysisSize(100, 50)).toEqual([448, ANALYSIS_SIZE])
    expect(analysisSize(224, 300)).toEqual([ANALYSIS_SIZE, 300])
  })
})

describe('preparePixels', () => {
  it("gives the model's input as size x size x 3 values and the grey picture at the analysis size", () => {
    const prepared = preparePixels(picture(300, 200), 64, { jpeg: false })

    expect(prepared.modelInput).toBeInstanceOf(Float32Array)
    expect(prepared.modelInput).toHaveLength(64 * 64 * 3)
    expect(prepared.modelInput.every((value) => Number.isInteger(value) && value >= 0 && value <= 255)).toBe(true)
    // Measured on the reduced picture (150 x 200), as the server's quality check is.
    expect([prepared.analysisGrey.width, prepared.analysisGrey.height]).toEqual([224, 299])
    expect(prepared.analysisGrey.data).toHaveLength(224 * 299)
  })

  it('box-reduces a JPEG by the draft scale first, in place of decoding it at that scale', () => {
    // Drafted by 8 to 50 x 34, then not reduced; as a PNG it would be reduced 12 x 8 to 34 x 34.
    const photo = picture(400, 270)
    const drafted = reduce({ width: 400, height: 270, channels: 4, data: new Uint8Array(photo.data) }, 8, 8)
    const draftedPicture = { width: drafted.width, height: drafted.height, data: new Uint8ClampedArray(drafted.data) }
    const asJpeg = preparePixels(photo, 16, { jpeg: true })

    expect(asJpeg.modelInput).toEqual(preparePixels(draftedPicture, 16, { jpeg: false }).modelInput)
    expect(asJpeg.modelInput).not.toEqual(preparePixels(photo, 16, { jpeg: false }).modelInput)
  })

  it('lays transparency over white', () => {
    const clear = preparePixels(picture(40, 30, () => 0), 8, { jpeg: false })

    expect(clear.modelInput.every((value) => value === 255)).toBe(true)
    expect(clear.analysisGrey.data.every((value) => value === 255)).toBe(true)
  })

  it('refuses an empty picture, pixels that do not fill it and a size that is not a whole number', () => {
    const prepare = (photo: RgbaPicture, size = 8) => () => preparePixels(photo, size, { jpeg: false })

    expect(prepare({ width: 0, height: 3, data: new Uint8ClampedArray() })).toThrow(RangeError)
    expect(prepare({ width: 2, height: 2, data: new Uint8ClampedArray(12) })).toThrow(RangeError)
    expect(prepare(picture(4, 4), 7.5)).toThrow(RangeError)
  })

  it('leaves the decoded picture as it was', () => {
    const photo = picture(70, 50, (x) => (x % 3) * 100)
    const before = photo.data.slice()

    preparePixels(photo, 16, { jpeg: true })
    preparePixels(photo, 16, { jpeg: false })
    expect(photo.data).toEqual(before)
  })
})
