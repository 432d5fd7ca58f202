import { currentLanguage, type Language } from './i18n'

// Numbers and dates written the way each language writes them.
const LOCALES: Record<Language, string> = { en: 'en-GB', hi: 'hi-IN' }

export function localeOf(language: Language = currentLanguage()): string {
  return LOCALES[language]
}

// 0.8321 -> "83.2%". Rounded first, so the figure is the one `(fraction * 100).toFixed(digits)` gives.
export function formatPercent(fraction: number, digits = 1, language: Language = currentLanguage()): string {
  const rounded = Number((fraction * 100).toFixed(digits)) / 100
  return new Intl.NumberFormat(localeOf(language), {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(rounded)
}

export function formatNumber(value: number, fractionDigits = 0, language: Language = currentLanguage()): string {
  return new Intl.NumberFormat(localeOf(language), {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(value)
}

export function formatDate(
  date: Date | string,
  options: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' },
  language: Language = currentLanguage(),
): string {
  return new Intl.DateTimeFormat(localeOf(language), options).format(new Date(date))
}
