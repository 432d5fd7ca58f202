// The heat map of an answer computed on this device, drawn as the API draws it
// (skin_classifier.serving.explain: upsample, heatmap_png, describe), from the class map the answer graph gives.

// The heat map's longer side, as the server's.
export const HEATMAP_SIZE = 64
// Cells under this share of the peak stay transparent, so the photo shows around them.
const TRANSPARENT_BELOW = 0.2
// Dark blue through red to yellow: position, red, green, blue.
const COLOUR_STOPS: readonly (readonly [number, number, number, number])[] = [
  [0.0, 0, 0, 160],
  [0.35, 0, 160, 255],
  [0.6, 80, 220, 80],
  [0.8, 255, 160, 0],
  [1.0, 255, 40, 0],
]
const REGIONS = [
  ['upper left', 'top', 'upper right'],
  ['left', 'centre', 'right'],
  ['lower left', 'bottom', 'lower right'],
] as const

export type Heat = { width: number; height: number; data: Float32Array }

// Python's round(): halves go to the even neighbour, so sizes match the server's to the pixel.
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value)
  const fraction = value - floor
  if (fraction > 0.5) return floor + 1
  if (fraction < 0.5) return floor
  return floor % 2 === 0 ? floor : floor + 1
}

// The map's size at the picture's own aspect ratio (the model saw it squashed to a square).
export function heatSize(pictureWidth: number, pictureHeight: number, longest = HEATMAP_SIZE) {
  const scale = longest / Math.max(pictureWidth, pictureHeight)
  return {
    width: Math.max(1, roundHalfEven(pictureWidth * scale)),
    height: Math.max(1, roundHalfEven(pictureHeight * scale)),
  }
}

// Bilinear resampling with pixel centres aligned and edges clamped (Pillow's BILINEAR when enlarging), values
// kept within 0..1.
export function upsample(map: Heat, width: number, height: number): Heat {
  const data = new Float32Array(width * height)
  const sample = (position: number, size: number, outSize: number) => {
    const centre = ((position + 0.5) * size) / outSize - 0.5
    const low = Math.floor(centre)
    const weight = centre - low
    return { low: Math.min(Math.max(low, 0), size - 1), high: Math.min(Math.max(low + 1, 0), size - 1), weight }
  }
  for (let y = 0; y < height; y += 1) {
    const row = sample(y, map.height, height)
    for (let x = 0; x < width; x += 1) {
      const column = sample(x, map.width, width)
      const at = (yy: number, xx: number) => map.data[yy * map.width + xx] ?? 0
      const top = at(row.low, column.low) * (1 - column.weight) + at(row.low, column.high) * column.weight
      const bottom = at(row.high, column.low) * (1 - column.weight) + at(row.high, column.high) * column.weight
      const value = top * (1 - row.weight) + bottom * row.weight
      data[y * width + x] = Math.min(1, Math.max(0, value))
    }
  }
  return { width, height, data }
}

function interpolate(value: number, channel: 1 | 2 | 3): number {
  const first = COLOUR_STOPS[0]
  const last = COLOUR_STOPS[COLOUR_STOPS.length - 1]
  if (!first || !last) return 0
  if (value <= first[0]) return first[channel]
  for (let index = 1; index < COLOUR_STOPS.length; index += 1) {
    const low = COLOUR_STOPS[index - 1]
    const high = COLOUR_STOPS[index]
    if (low && high && value <= high[0]) {
      return low[channel] + ((value - low[0]) / (high[0] - low[0])) * (high[channel] - low[channel])
    }
  }
  return last[channel]
}

// RGBA pixels (straight alpha): colour from the stops, opacity rising with the heat, transparent where cold.
export function colourise(heat: Heat): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(heat.width * heat.height * 4)
  heat.data.forEach((value, index) => {
    pixels[index * 4] = roundHalfEven(interpolate(value, 1))
    pixels[index * 4 + 1] = roundHalfEven(interpolate(value, 2))
    pixels[index * 4 + 2] = roundHalfEven(interpolate(value, 3))
    pixels[index * 4 + 3] = value < TRANSPARENT_BELOW ? 0 : roundHalfEven(60 + 140 * value)
  })
  return pixels
}

// A share written as Python's "{:.0%}" writes it: count / total as a whole percent, halves to even.
function wholePercent(count: number, total: number): number {
  const hundredfold = count * 100
  const quotient = Math.floor(hundredfold / total)
  const twiceRemainder = 2 * (hundredfold - quotient * total)
  if (twiceRemainder > total) return quotient + 1
  if (twiceRemainder < total) return quotient
  return quotient % 2 === 0 ? quotient : quotient + 1
}

// The map in words, in the API's own sentence (the page writes it in its language from there, as for a server
// answer): where it is hottest and how much of it is at least half as hot as the peak.
export function describeHeat(heat: Heat): string {
  let peak = 0
  for (const value of heat.data) peak = Math.max(peak, value)
  if (peak <= 0) return 'No part of the image stood out to the model for this answer.'
  let count = 0
  let total = 0
  let sumY = 0
  let sumX = 0
  for (let y = 0; y < heat.height; y += 1) {
    for (let x = 0; x < heat.width; x += 1) {
      const value = heat.data[y * heat.width + x] ?? 0
      if (value >= 0.5 * peak) {
        count += 1
        total += value
        sumY += value * y
        sumX += value * x
      }
    }
  }
  const centreY = sumY / total / heat.height
  const centreX = sumX / total / heat.width
  const region = REGIONS[Math.min(Math.floor(centreY * 3), 2)]?.[Math.min(Math.floor(centreX * 3), 2)] ?? 'centre'
  const where = `the ${region}`
  const share = wholePercent(count, heat.width * heat.height)
  return `The model looked most at ${where} of the image; the highlighted area covers about ${share}% of it.`
}
