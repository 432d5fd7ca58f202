import type { Language } from '@/lib/i18n'
import type { ModelClass } from './api/model-card'

export type ClassDescription = {
  text: string
  language: Language
  inOtherLanguage: boolean // true when the page's language has no text and another one stands in
}

// What a class means, from GET /model, in the page's language; English (`description`) where the model card has
// no text in that language. Null when the card describes the class in no language.
export function describedIn(modelClass: ModelClass, language: Language): ClassDescription | null {
  const translated = modelClass.descriptions?.[language]
  if (translated) return { text: translated, language, inOtherLanguage: false }
  const english = modelClass.descriptions?.en ?? modelClass.description
  if (!english) return null
  return { text: english, language: 'en', inOtherLanguage: language !== 'en' }
}
