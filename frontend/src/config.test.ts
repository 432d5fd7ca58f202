import { afterEach, describe, expect, it, vi } from 'vitest'
import { readThreshold, trimTrailingSlashes } from './config'

// config.ts reads the environment once, when it is imported: load a fresh copy after changing it.
async function loadConfigWith(env: Record<string, string>) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  vi.resetModules()
  return import('./config')
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('config', () => {
  it('reads the API URL and threshold from the environment', async () => {
    // Not the defaults, so a config that ignored the environment would fail here.
    const config = await loadConfigWith({
      VITE_API_URL: 'https://api.example.org/v2/',
      VITE_LOW_CONFIDENCE_THRESHOLD: '0.72',
    })
    expect(config.API_URL).toBe('https://api.example.org/v2')
    expect(config.LOW_CONFIDENCE_THRESHOLD).toBe(0.72)
  })

  it('falls back to the defaults when the environment leaves the values empty', async () => {
    const config = await loadConfigWith({ VITE_API_URL: '', VITE_LOW_CONFIDENCE_THRESHOLD: '' })
    expect(config.API_URL).toBe('http://localhost:8000')
    expect(config.LOW_CONFIDENCE_THRESHOLD).toBe(0.5)
  })

  it('trims trailing slashes from the API URL', () => {
    expect(trimTrailingSlashes('/api/')).toBe('/api')
    expect(trimTrailingSlashes('http://host:8000//')).toBe('http://host:8000')
  })

  it('falls back to 0.5 for a missing or invalid threshold', () => {
    expect(readThreshold('0.7')).toBe(0.7)
    expect(readThreshold(undefined)).toBe(0.5)
    expect(readThreshold('high')).toBe(0.5)
    expect(readThreshold('1.5')).toBe(0.5)
    expect(readThreshold('-0.1')).toBe(0.5)
  })
})
