import { describe, expect, it } from 'vitest'
import { API_URL, LOW_CONFIDENCE_THRESHOLD, readThreshold, trimTrailingSlashes } from './config'

describe('config', () => {
  it('reads the API URL and threshold from the environment', () => {
    expect(API_URL).toBe('http://localhost:8000')
    expect(LOW_CONFIDENCE_THRESHOLD).toBe(0.5)
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
  })
})
