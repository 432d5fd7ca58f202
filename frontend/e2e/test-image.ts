import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

export type UploadFile = { name: string; mimeType: string; buffer: Buffer }

// An everyday photo that is not skin, a cup of coffee (CC0; fixtures/README.md gives its source).
export const everydayPhotoPath = fileURLToPath(new URL('./fixtures/everyday-coffee.jpg', import.meta.url))

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

// A brown spot on a skin-coloured background, as an RGB PNG.
export function drawLesionPng(size = 128): Buffer {
  const rows: Buffer[] = []
  const centre = size / 2
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3) // first byte: filter type 0
    for (let x = 0; x < size; x += 1) {
      const distance = Math.hypot((x - centre) / 0.8, y - centre) / (size * 0.3)
      const spot = Math.max(0, Math.min(1, 1.4 - distance)) // 1 inside the spot, fading to 0
      row[1 + x * 3] = Math.round(224 - spot * 140)
      row[2 + x * 3] = Math.round(180 - spot * 120)
      row[3 + x * 3] = Math.round(160 - spot * 110)
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

const MIME_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
}

// The file at imagePath, or a drawn PNG when no path is given.
export async function loadTestImage(imagePath: string): Promise<UploadFile> {
  if (!imagePath) {
    return { name: 'drawn-lesion.png', mimeType: 'image/png', buffer: drawLesionPng() }
  }
  const mimeType = MIME_TYPES[path.extname(imagePath).toLowerCase()] ?? 'image/jpeg'
  return { name: path.basename(imagePath), mimeType, buffer: await readFile(imagePath) }
}
