import { describe, expect, it } from 'vitest'
import { en } from '@/lib/locales/en'
import { hi } from '@/lib/locales/hi'
import { nextSteps, type NextSteps, type NextStepsInput } from './next-steps'

// Every combination that matters, and what the page then advises.
const TABLE: [NextStepsInput, NextSteps][] = [
  [{ category: 'malignant', uncertain: false, imageKind: 'dermoscopy' }, { urgency: 'see-a-doctor', advice: ['malignant'], checklist: true }],
  [{ category: 'pre-malignant', uncertain: false, imageKind: 'dermoscopy' }, { urgency: 'see-a-doctor', advice: ['pre-malignant'], checklist: true }],
  [{ category: 'benign', uncertain: false, imageKind: 'dermoscopy' }, { urgency: 'watch', advice: ['benign'], checklist: true }],
  [{ category: 'unknown', uncertain: false, imageKind: 'dermoscopy' }, { urgency: 'watch', advice: ['unknown'], checklist: true }],
  [{ category: null, uncertain: false, imageKind: null }, { urgency: 'watch', advice: ['unknown'], checklist: true }],
  [{ category: 'malignant', uncertain: false, imageKind: 'skin-photo' }, { urgency: 'see-a-doctor', advice: ['skinPhoto', 'malignant'], checklist: true }],
  [{ category: 'benign', uncertain: false, imageKind: 'skin-photo' }, { urgency: 'watch', advice: ['skinPhoto', 'benign'], checklist: true }],
  [{ category: 'malignant', uncertain: true, imageKind: 'dermoscopy' }, { urgency: 'retake', advice: ['uncertain'], checklist: true }],
  [{ category: 'benign', uncertain: true, imageKind: 'skin-photo' }, { urgency: 'retake', advice: ['skinPhoto', 'uncertain'], checklist: true }],
  [{ category: 'malignant', uncertain: false, imageKind: 'not-skin' }, { urgency: 'retake', advice: ['notSkin'], checklist: false }],
  [{ category: 'benign', uncertain: true, imageKind: 'not-skin' }, { urgency: 'retake', advice: ['notSkin'], checklist: false }],
]

describe('nextSteps', () => {
  it.each(TABLE)('%o -> %o', (input, expected) => {
    expect(nextSteps(input)).toEqual(expected)
  })

  it('has a sentence for every advice, in English and Hindi, and none claims a diagnosis', () => {
    const advised = new Set(TABLE.flatMap(([input]) => nextSteps(input).advice))
    for (const messages of [en, hi]) {
      for (const advice of advised) expect(messages.nextSteps.advice[advice]).toBeTruthy()
    }
    for (const sentence of Object.values(en.nextSteps.advice)) {
      expect(sentence).not.toMatch(/\byou have\b|\bit is (a )?(melanoma|cancer|carcinoma)\b|\bdiagnosed\b/i)
    }
    expect(en.nextSteps.always).toMatch(/see a doctor if .*changes, bleeds or worries you/i)
  })
})
