import { describe, expect, it } from 'vitest'
import type { ModelClass } from './api/model-card'
import { describedIn } from './class-description'

const melanoma: ModelClass = {
  name: 'Melanoma',
  description: 'A skin cancer of the pigment cells.',
  descriptions: { en: 'A skin cancer of the pigment cells.', hi: 'रंग बनाने वाली कोशिकाओं का त्वचा कैंसर।' },
  category: 'malignant',
  see_a_doctor: true,
}

describe('describedIn', () => {
  it("gives the text in the page's language", () => {
    expect(describedIn(melanoma, 'hi')).toEqual({
      text: 'रंग बनाने वाली कोशिकाओं का त्वचा कैंसर।',
      language: 'hi',
      inOtherLanguage: false,
    })
    expect(describedIn(melanoma, 'en')).toEqual({
      text: 'A skin cancer of the pigment cells.',
      language: 'en',
      inOtherLanguage: false,
    })
  })

  it('falls back to English, saying so, for an API that sends no Hindi (or only `description`)', () => {
    const { descriptions: _descriptions, ...older } = melanoma
    expect(describedIn(older, 'hi')).toEqual({
      text: 'A skin cancer of the pigment cells.',
      language: 'en',
      inOtherLanguage: true,
    })
  })

  it('gives nothing for a class described in no language', () => {
    expect(describedIn({ ...melanoma, description: null, descriptions: {} }, 'hi')).toBeNull()
  })
})
