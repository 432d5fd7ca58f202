import { describe, expect, it } from 'vitest'
import { colourise, describeHeat, heatSize, roundHalfEven, upsample, type Heat } from './heatmap-picture'

function heat(width: number, height: number, values: number[]): Heat {
  return { width, height, data: Float32Array.from(values) }
}

describe('the heat map drawn on this device', () => {
  it('rounds halves to the even neighbour, as Python does', () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3])
  })

  it('takes the picture’s aspect ratio with a longest side of 64', () => {
    expect(heatSize(1000, 500)).toEqual({ width: 64, height: 32 })
    expect(heatSize(300, 400)).toEqual({ width: 48, height: 64 })
    expect(heatSize(10_000, 10)).toEqual({ width: 64, height: 1 })
  })

  it('enlarges bilinearly with pixel centres aligned and edges held', () => {
    const wide = upsample(heat(2, 1, [0, 1]), 4, 1)
    expect(Array.from(wide.data)).toEqual([0, 0.25, 0.75, 1])
    // explain.upsample of a 7 x 7 map to 64 x 43: the first row's sixth value mixes the first two cells.
    const first = [0.54881352186203, 0.7151893377304077, 0.6027633547782898, 0.5448831915855408, 0.42365479469299316]
    const row = upsample(heat(7, 1, [...first, 0.6458941102027893, 0.4375872015953064]), 64, 1)
    expect(row.data[4]).toBeCloseTo(0.54881352186203, 6)
    expect(row.data[5]).toBeCloseTo(0.5657110810279846, 6)
    const flat = upsample(heat(3, 3, Array<number>(9).fill(0.4)), 7, 5)
    expect(Array.from(flat.data).every((value) => Math.abs(value - 0.4) < 1e-6)).toBe(true)
  })

  it('colours with the server’s stops, transparent below a fifth of the peak', () => {
    const pixels = colourise(heat(3, 1, [0.1, 0.35, 1]))
    expect(Array.from(pixels.slice(0, 4))).toEqual([0, 46, 187, 0])
    expect(Array.from(pixels.slice(4, 8))).toEqual([0, 160, 255, 109])
    expect(Array.from(pixels.slice(8, 12))).toEqual([255, 40, 0, 200])
  })

  it('says where the map is hottest and how much of it is highlighted, in the API’s words', () => {
    const centre = heat(3, 3, [0, 0, 0, 0, 1, 0, 0, 0, 0])
    expect(describeHeat(centre)).toBe(
      'The model looked most at the centre of the image; the highlighted area covers about 11% of it.',
    )
    // Pillow-drawn references: explain.describe on the same maps.
    expect(describeHeat(heat(4, 2, [0, 0, 0.9, 1, 0, 0, 0, 0.2]))).toBe(
      'The model looked most at the top of the image; the highlighted area covers about 25% of it.',
    )
    expect(describeHeat(heat(4, 2, [0, 0, 0, 1, 0, 0, 0, 0.9]))).toBe(
      'The model looked most at the upper right of the image; the highlighted area covers about 25% of it.',
    )
    expect(describeHeat(heat(2, 2, [0, 0, 0, 0]))).toBe('No part of the image stood out to the model for this answer.')
  })

  it('writes a half percent as Python does (to the even whole percent)', () => {
    // 1 of 200 cells: 0.5%, which Python writes as 0%.
    const values = Array<number>(200).fill(0)
    values[0] = 1
    expect(describeHeat(heat(20, 10, values))).toContain('about 0% of it')
  })
})
