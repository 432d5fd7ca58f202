// The page's pixels against the server's, value for value: pillow-fixtures.json holds what the server's own
// functions made of fixed pictures (scripts/pillow-fixtures.py writes it; ml/tests/test_pillow_fixtures.py
// fails when Pillow would now make something else).
import { describe, expect, it } from 'vitest'
import { analysisSize, preparePixels, type RgbaPicture } from './model-pixels'
import { luma } from './pillow-resample'
import fixtureText from './pillow-fixtures.json?raw'

interface FixtureCase {
  name: string
  width: number
  height: number
  channels: 1 | 3 | 4
  imageSize: number
  pixels: string
  modelInput: string
  analysisGrey?: { width: number; height: number; data: string }
}

interface Fixture {
  cases: FixtureCase[]
  luma: { rgb: string; grey: string }
  analysisSizes: [number, number, number, number][]
}

const fixture = JSON.parse(fixtureText) as Fixture

function bytesOf(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (character) => character.charCodeAt(0))
}

/** The case's pixels as the browser decodes them: RGBA, grey and RGB made opaque. */
function rgbaPicture(testCase: FixtureCase): RgbaPicture {
  const source = bytesOf(testCase.pixels)
  const data = new Uint8ClampedArray(testCase.width * testCase.height * 4)
  for (let pixel = 0; pixel < testCase.width * testCase.height; pixel++) {
    for (let channel = 0; channel < 4; channel++) {
      data[pixel * 4 + channel] =
        testCase.channels === 4
          ? (source[pixel * 4 + channel] ?? 0)
          : channel === 3
            ? 255
            : (source[pixel * testCase.channels + (testCase.channels === 1 ? 0 : channel)] ?? 0)
    }
  }
  return { width: testCase.width, height: testCase.height, data }
}

/** Where two arrays first differ and in how many places; null when they are equal. */
function difference(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  if (actual.length !== expected.length) return { lengths: [actual.length, expected.length] }
  let first = -1
  let count = 0
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      if (first < 0) first = i
      count++
    }
  }
  return count === 0 ? null : { first, actual: actual[first], expected: expected[first], count }
}

/** A grey photo's model input is stored once; the server's three channels are all equal to it. */
function expectedModelInput(testCase: FixtureCase): Uint8Array {
  const stored = bytesOf(testCase.modelInput)
  if (testCase.channels !== 1) return stored
  return Uint8Array.from({ length: stored.length * 3 }, (_, i) => stored[Math.floor(i / 3)] ?? 0)
}

describe('the page prepares exactly the pixels the server does', () => {
  it.each(fixture.cases)('$name', (testCase) => {
    const prepared = preparePixels(rgbaPicture(testCase), testCase.imageSize, { jpeg: false })

    expect(prepared.modelInput).toHaveLength(testCase.imageSize * testCase.imageSize * 3)
    expect(difference(prepared.modelInput, expectedModelInput(testCase))).toBeNull()
    if (testCase.analysisGrey) {
      const { width, height, data } = testCase.analysisGrey
      expect([prepared.analysisGrey.width, prepared.analysisGrey.height]).toEqual([width, height])
      expect(difference(prepared.analysisGrey.data, bytesOf(data))).toBeNull()
    }
  })

  it('covers the reductions, transparency and both analysis filters', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(12)
    expect(fixture.cases.filter((testCase) => testCase.analysisGrey)).toHaveLength(2)
  })

  it("turns colours grey with Pillow's integer luma", () => {
    const rgb = bytesOf(fixture.luma.rgb)
    const grey = luma({ width: rgb.length / 3, height: 1, channels: 3, data: rgb })

    expect(difference(grey.data, bytesOf(fixture.luma.grey))).toBeNull()
  })

  it.each(fixture.analysisSizes)('sizes the analysis picture of %i x %i as %i x %i', (width, height, ...expected) => {
    expect(analysisSize(width, height)).toEqual(expected)
  })
})
