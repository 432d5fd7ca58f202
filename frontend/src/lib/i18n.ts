import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import { en, type Messages } from './locales/en'
import { hi } from './locales/hi'

export const LANGUAGES = ['en', 'hi'] as const
export type Language = (typeof LANGUAGES)[number]
// The key under which the browser remembers the chosen language.
export const LANGUAGE_STORAGE_KEY = 'skin-lesion-classifier.language'

function isLanguage(value: unknown): value is Language {
  return LANGUAGES.some((language) => language === value)
}

function storage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null // storage turned off: the choice then lasts as long as the page
  }
}

export function storedLanguage(): Language {
  const stored = storage()?.getItem(LANGUAGE_STORAGE_KEY)
  return isLanguage(stored) ? stored : 'en'
}

export const i18n = i18next.createInstance()

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, hi: { translation: hi } },
  lng: storedLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes
  initAsync: false,
})

// The document's language and title follow the page's language.
function showLanguageInDocument(): void {
  if (typeof document === 'undefined') return
  document.documentElement.lang = i18n.language
  document.title = i18n.t('page.title')
}
showLanguageInDocument()

// Switches the page's language and remembers it in this browser.
export async function changeLanguage(language: Language): Promise<void> {
  await i18n.changeLanguage(language)
  showLanguageInDocument()
  storage()?.setItem(LANGUAGE_STORAGE_KEY, language)
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'en'
}

// A class name in the current language; a class without a translation keeps its English name.
export function className(name: string): string {
  const messages = i18n.getResourceBundle(currentLanguage(), 'translation') as Messages | undefined
  return messages?.classes[name] ?? name
}
