import { describe, expect, it } from 'vitest'
import { OnDeviceAnalyser, onDeviceSupported } from './client'

describe('OnDeviceAnalyser', () => {
  it('leaves the answer to the server where the browser has no workers or OffscreenCanvas (jsdom)', async () => {
    expect(onDeviceSupported()).toBe(false)
    const analyser = new OnDeviceAnalyser()
    expect(analyser.usable).toBe(false)
    expect(await analyser.prepare()).toBe(false)
    expect(await analyser.analyse(new File([new Uint8Array(4)], 'lesion.png', { type: 'image/png' }))).toBeNull()
  })
})
