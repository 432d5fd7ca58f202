// The arithmetic's properties, on pixels small enough to work out by hand; pillow-fixtures.test.ts holds it to
// Pillow itself.
import { describe, expect, it } from 'vitest'
import {
  compositeOnWhite,
  dropAlpha,
  luma,
  reduce,
  reduceTransparent,
  resample,
  type PixelGrid,
} from './pillow-resample'

function rgba(width: number, height: number, pixels: number[][]): PixelGrid {
  return { width, height, channels: 4, data: Uint8Array.from(pixels.flat()) }
}

describe('reduce', () => {
  it('averages whole blocks, rounding halves up, and the cut-short last block over the pixels it has', () => {
    const row = rgba(3, 1, [
      [1, 0, 10, 255],
      [2, 0, 20, 255],
      [9, 0, 30, 255],
    ])

    expect(reduce(row, 2, 1)).toEqual(rgba(2, 1, [[2, 0, 15, 255], [9, 0, 30, 255]]))
  })

  it('divides blocks that are not a power of two as Pillow does', () => {
    const column = rgba(1, 3, [
      [0, 255, 1, 255],
      [0, 255, 1, 255],
      [1, 255, 0, 255],
    ])

    // 2/3 comes out 0, not 1: the truncated multiplier 5592405 times (2 + 1) is one short of 2^24.
    expect(reduce(column, 1, 3).data).toEqual(Uint8Array.from([0, 255, 0, 255]))
  })

  it('gives the picture itself for factors of 1 and takes only RGBA', () => {
    const picture = rgba(1, 1, [[1, 2, 3, 4]])

    expect(reduce(picture, 1, 1)).toBe(picture)
    expect(() => reduce({ width: 2, height: 1, channels: 3, data: new Uint8Array(6) }, 2, 1)).toThrow(/RGBA/)
  })
})

describe('reduceTransparent', () => {
  it('lets transparent pixels add no colour, as premultiplied averaging does', () => {
    const pair = rgba(2, 1, [
      [255, 0, 0, 255],
      [0, 255, 0, 0],
    ])

    expect(reduceTransparent(pair, 2, 1)).toEqual(rgba(1, 1, [[255, 0, 0, 128]]))
    expect(reduce(pair, 2, 1)).toEqual(rgba(1, 1, [[128, 128, 0, 128]]))
  })

  it('leaves a picture it does not reduce as it is, never premultiplied', () => {
    const picture = rgba(1, 1, [[200, 100, 50, 3]])

    expect(reduceTransparent(picture, 1, 1)).toBe(picture)
  })
})

describe('compositeOnWhite', () => {
  it('shows white through transparency and keeps opaque colours', () => {
    const pixels = rgba(3, 1, [
      [10, 20, 30, 0],
      [10, 20, 30, 255],
      [0, 0, 0, 128],
    ])

    expect(Array.from(compositeOnWhite(pixels).data)).toEqual([255, 255, 255, 10, 20, 30, 127, 127, 127])
  })

  it('gives what dropping the alpha gives for an opaque picture', () => {
    const pixels = rgba(2, 1, [
      [0, 128, 255, 255],
      [7, 8, 9, 255],
    ])

    expect(compositeOnWhite(pixels)).toEqual(dropAlpha(pixels))
  })
})

describe('resample', () => {
  const grey = (width: number, height: number, value: (x: number, y: number) => number): PixelGrid => ({
    width,
    height,
    channels: 1,
    data: Uint8Array.from({ length: width * height }, (_, i) => value(i % width, Math.floor(i / width))),
  })

  it('gives a copy at the same size', () => {
    const picture = grey(3, 2, (x, y) => x + 10 * y)
    const copy = resample(picture, 3, 2, 'bilinear')

    expect(copy).toEqual(picture)
    expect(copy.data).not.toBe(picture.data)
  })

  it('keeps a flat picture flat at any size, with either filter', () => {
    const flat = grey(7, 5, () => 93)

    for (const filter of ['bilinear', 'box'] as const) {
      for (const [width, height] of [[3, 2], [20, 11], [7, 1], [1, 9]]) {
        expect(resample(flat, width ?? 0, height ?? 0, filter).data.every((value) => value === 93)).toBe(true)
      }
    }
  })

  it('averages a downscale over every source pixel (antialiasing) and leaves its input alone', () => {
    const stripes = grey(8, 1, (x) => (x % 2) * 200)
    const before = stripes.data.slice()

    expect(Array.from(resample(stripes, 2, 1, 'box').data)).toEqual([100, 100])
    // Bilinear's window, twice as wide, is cut at the edges and its weights renormalised.
    expect(Array.from(resample(stripes, 2, 1, 'bilinear').data)).toEqual([93, 107])
    expect(stripes.data).toEqual(before)
  })
})

describe('luma', () => {
  it("uses Pillow's integer ITU-R 601 weights", () => {
    const primariesAndWhite = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
    const colours = { width: 4, height: 1, channels: 3, data: primariesAndWhite }

    expect(Array.from(luma(colours).data)).toEqual([76, 150, 29, 255])
  })
})
