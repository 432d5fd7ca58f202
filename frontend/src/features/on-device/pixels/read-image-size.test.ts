import { describe, expect, it } from 'vitest'
import { outsideDecodeLimits, readImageSize } from './model-pixels'

const ascii = (text: string) => Array.from(text, (character) => character.charCodeAt(0))
const bigEndian16 = (value: number) => [value >> 8, value & 0xff]
const bigEndian32 = (value: number) => [...bigEndian16(Math.floor(value / 0x10000)), ...bigEndian16(value & 0xffff)]
const littleEndian16 = (value: number) => [value & 0xff, value >> 8]
const littleEndian24 = (value: number) => [value & 0xff, (value >> 8) & 0xff, value >> 16]
const littleEndian32 = (value: number) => [...littleEndian16(value & 0xffff), ...littleEndian16(value >>> 16)]

function png(width: number, height: number): Uint8Array {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  const header = [...bigEndian32(width), ...bigEndian32(height), 8, 6, 0, 0, 0]
  return Uint8Array.from([...signature, ...bigEndian32(13), ...ascii('IHDR'), ...header, 0, 0, 0, 0])
}

function gif(width: number, height: number, version = 'GIF89a'): Uint8Array {
  return Uint8Array.from([...ascii(version), ...littleEndian16(width), ...littleEndian16(height), 0xf7, 0, 0])
}

function webp(chunk: string, payload: number[]): Uint8Array {
  const body = [...ascii('WEBP'), ...ascii(chunk), ...littleEndian32(payload.length), ...payload, 0, 0, 0, 0]
  return Uint8Array.from([...ascii('RIFF'), ...littleEndian32(body.length), ...body])
}

function jpeg(...segments: number[][]): Uint8Array {
  return Uint8Array.from([0xff, 0xd8, ...segments.flat()])
}

const segment = (marker: number, body: number[]) => [0xff, marker, ...bigEndian16(body.length + 2), ...body]
const app0 = segment(0xe0, [...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
const frame = (marker: number, width: number, height: number) =>
  segment(marker, [8, ...bigEndian16(height), ...bigEndian16(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])

describe('readImageSize', () => {
  it('reads a PNG header', () => {
    expect(readImageSize(png(4032, 3024))).toEqual({ width: 4032, height: 3024, format: 'png' })
  })

  it('reads a GIF logical screen', () => {
    expect(readImageSize(gif(513, 3))).toEqual({ width: 513, height: 3, format: 'gif' })
    expect(readImageSize(gif(7, 9, 'GIF87a'))).toEqual({ width: 7, height: 9, format: 'gif' })
  })

  it('reads lossy WebP, ignoring the upscaling hint in the top bits', () => {
    const frameHeader = [0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a]
    const bytes = webp('VP8 ', [...frameHeader, ...littleEndian16(300 | (2 << 14)), ...littleEndian16(200), 0, 0])
    expect(readImageSize(bytes)).toEqual({ width: 300, height: 200, format: 'webp' })
  })

  it('reads lossless WebP', () => {
    const bits = (4000 - 1) | ((3000 - 1) << 14) | (1 << 28)
    expect(readImageSize(webp('VP8L', [0x2f, ...littleEndian32(bits), 0, 0, 0]))).toEqual({
      width: 4000,
      height: 3000,
      format: 'webp',
    })
  })

  it("reads extended WebP's canvas", () => {
    const bytes = webp('VP8X', [0x10, 0, 0, 0, ...littleEndian24(20000 - 1), ...littleEndian24(3 - 1)])
    expect(readImageSize(bytes)).toEqual({ width: 20000, height: 3, format: 'webp' })
  })

  it('reads the frame header of a JPEG after other segments and fill bytes', () => {
    const exif = segment(0xe1, [...ascii('Exif'), 0, 0, ...new Array<number>(300).fill(7)])
    const quantisation = segment(0xdb, new Array<number>(65).fill(1))
    expect(readImageSize(jpeg(app0, exif, quantisation, [0xff], frame(0xc0, 4032, 3024)))).toEqual({
      width: 4032,
      height: 3024,
      format: 'jpeg',
    })
    expect(readImageSize(jpeg(app0, frame(0xc2, 17, 300)))).toEqual({ width: 17, height: 300, format: 'jpeg' })
  })

  it('does not take a Huffman table for a frame header', () => {
    expect(readImageSize(jpeg(segment(0xc4, [0, 1, 2, 3, 4, 5, 6]), frame(0xc1, 40, 30)))?.width).toBe(40)
  })

  it('gives null for a JPEG whose image data starts before any frame header', () => {
    expect(readImageSize(jpeg(app0, segment(0xda, [1, 2, 3]), frame(0xc0, 40, 30)))).toBeNull()
  })

  it('gives null for headers cut short, sides of zero and other formats', () => {
    expect(readImageSize(png(640, 480).subarray(0, 20))).toBeNull()
    expect(readImageSize(jpeg(app0, frame(0xc0, 640, 480)).subarray(0, 26))).toBeNull()
    expect(readImageSize(jpeg(app0, frame(0xc0, 640, 0)))).toBeNull()
    expect(readImageSize(gif(0, 10))).toBeNull()
    expect(readImageSize(Uint8Array.from([...ascii('BM'), ...new Array<number>(60).fill(1)]))).toBeNull()
    const heic = [0, 0, 0, 24, ...ascii('ftypheic'), ...new Array<number>(40).fill(0)]
    expect(readImageSize(Uint8Array.from(heic))).toBeNull()
    expect(readImageSize(new Uint8Array())).toBeNull()
  })
})

describe('outsideDecodeLimits', () => {
  it("refuses what the server refuses: over 60 million pixels, or one side over 20 times the other", () => {
    expect(outsideDecodeLimits({ width: 8000, height: 7500 })).toBe(false)
    expect(outsideDecodeLimits({ width: 8000, height: 7501 })).toBe(true)
    expect(outsideDecodeLimits({ width: 100, height: 2000 })).toBe(false)
    expect(outsideDecodeLimits({ width: 2001, height: 100 })).toBe(true)
  })

  it('refuses a decompression bomb from its header alone', () => {
    const size = readImageSize(png(60000, 60000))
    expect(size && outsideDecodeLimits(size)).toBe(true)
  })
})
