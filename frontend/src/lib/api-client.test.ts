import { describe, expect, it } from 'vitest'
import { joinUrl, readErrorDetail } from './api-client'

describe('joinUrl', () => {
  it.each([
    ['http://localhost:8000', 'predict', 'http://localhost:8000/predict'],
    ['http://localhost:8000/', '/predict', 'http://localhost:8000/predict'],
    ['/api', 'predict', '/api/predict'],
    ['/api//', '/health', '/api/health'],
  ])('joins %s and %s', (base, path, expected) => {
    expect(joinUrl(base, path)).toBe(expected)
  })
})

describe('readErrorDetail', () => {
  it('reads the text and the validation-list forms', () => {
    expect(readErrorDetail({ detail: 'File too large' })).toBe('File too large')
    expect(readErrorDetail({ detail: [{ msg: 'Field required' }, { msg: 'Bad value' }] })).toBe(
      'Field required; Bad value',
    )
    expect(readErrorDetail(undefined)).toBe('')
    expect(readErrorDetail('<html>proxy error</html>')).toBe('')
  })
})
