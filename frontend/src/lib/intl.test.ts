import { describe, expect, it } from 'vitest'
import { formatDate, formatNumber, formatPercent } from './intl'

describe('numbers and dates by language', () => {
  it('writes percentages rounded as toFixed rounds them', () => {
    expect(formatPercent(0.832, 1, 'en')).toBe('83.2%')
    expect(formatPercent(0.8325, 1, 'en')).toBe(`${(0.8325 * 100).toFixed(1)}%`)
    expect(formatPercent(0.005, 1, 'hi')).toBe('0.5%')
    expect(formatPercent(0.37, 0, 'hi')).toBe('37%')
  })

  it('groups digits the Indian way in Hindi', () => {
    expect(formatNumber(1234567, 0, 'en')).toBe('1,234,567')
    expect(formatNumber(1234567, 0, 'hi')).toBe('12,34,567')
    expect(formatNumber(1.9152, 2, 'hi')).toBe('1.92')
  })

  it('names the month in the language', () => {
    expect(formatDate('2026-03-04T12:00:00Z', undefined, 'en')).toBe('4 Mar 2026')
    expect(formatDate('2026-03-04T12:00:00Z', undefined, 'hi')).toBe('4 मार्च 2026')
  })
})
