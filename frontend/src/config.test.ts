import { afterEach, describe, expect, it, vi } from 'vitest'
import { trimTrailingSlashes } from './config'

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
  it('reads the API URL from the environment', async () => {
    // Not the default, so a config that ignored the environment would fail here.
    const config = await loadConfigWith({ VITE_API_URL: 'https://api.example.org/v2/' })
    expect(config.API_URL).toBe('https://api.example.org/v2')
  })

  it('falls back to the default when the environment leaves the API URL empty', async () => {
    const config = await loadConfigWith({ VITE_API_URL: '' })
    expect(config.API_URL).toBe('http://localhost:8000')
  })

  it('trims trailing slashes from the API URL', () => {
    expect(trimTrailingSlashes('/api/')).toBe('/api')
    expect(trimTrailingSlashes('http://host:8000//')).toBe('http://host:8000')
  })
})
