import { render, screen, within } from '@testing-library/react'
import userEvent, { type UserEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { changeLanguage, LANGUAGE_STORAGE_KEY, storedLanguage } from '@/lib/i18n'
import { en } from '@/lib/locales/en'
import { hi } from '@/lib/locales/hi'
import {
  confidentPrediction,
  makeImageFile,
  notSkinPrediction,
  skinPhotoPrediction,
  uncertainPrediction,
} from '@/testing/fixtures'
import { textWithLatinWords } from '@/testing/latin-text'
import { answerPredictWith } from '@/testing/server'
import { App } from './App'

const FILE_NAME = 'mole.png'
const MODEL_VERSION = confidentPrediction.model_version

afterEach(async () => {
  await changeLanguage('en')
  localStorage.clear()
})

async function chooseHindi(user: UserEvent) {
  await user.click(screen.getByRole('button', { name: en.language.hi }))
}

async function analyzeInHindi(user: UserEvent, file = makeImageFile(FILE_NAME)) {
  await user.upload(screen.getByLabelText(hi.upload.chooseFile), file)
  await user.click(screen.getByRole('button', { name: hi.upload.analyze }))
  await screen.findByRole('heading', { name: hi.result.heading })
}

// Keys of a catalogue, leaving out the translations of words that come from elsewhere (class names and the
// API's advice), which English needs none of.
function keys(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) => {
    if (key === 'classes' || `${prefix}${key}` === 'quality.advice') return [`${prefix}${key}`]
    return typeof value === 'object' && value !== null ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`]
  })
}

describe('language switch', () => {
  it('shows English first, then Hindi heading, button and disclaimer, and remembers the choice', async () => {
    const user = userEvent.setup()
    render(<App />)
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(en.page.title)
    expect(screen.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true')

    await chooseHindi(user)

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(hi.page.title)
    expect(screen.getByRole('button', { name: hi.upload.analyze })).toBeDisabled()
    expect(within(screen.getByTestId('medical-disclaimer')).getByText(hi.disclaimer.title)).toBeVisible()
    expect(screen.getByTestId('medical-disclaimer')).toHaveTextContent(hi.disclaimer.text)
    expect(screen.getByRole('button', { name: hi.language.hi })).toHaveAttribute('aria-pressed', 'true')
    expect(document.documentElement.lang).toBe('hi')
    expect(document.title).toBe(hi.page.title)
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('hi')
    expect(storedLanguage()).toBe('hi')
  })

  it('reads an unknown stored language as English', () => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, 'xx')
    expect(storedLanguage()).toBe('en')
  })

  it('has every English key in Hindi, a Hindi name for every class and Hindi advice for every photo problem', () => {
    expect(keys(hi)).toEqual(keys(en))
    expect(Object.keys(hi.classes)).toHaveLength(7)
    expect(Object.keys(hi.quality.advice).sort()).toEqual(Object.keys(en.quality.titles).sort())
  })
})

describe('the page in Hindi', () => {
  it('writes no English around a named answer but the name of the other language', async () => {
    answerPredictWith(200, {
      ...skinPhotoPrediction,
      predicted_class: 'Melanoma',
      heatmap_description:
        'The model looked most at the upper left of the image; the highlighted area covers about 23% of it.',
      quality_warnings: [{ code: 'too_dark', message: "The photo is too dark to show the lesion's colours." }],
    })
    const user = userEvent.setup()
    render(<App />)
    await chooseHindi(user)
    await analyzeInHindi(user)
    await screen.findByRole('heading', { name: hi.aboutModel.heading })

    expect(screen.getByTestId('heatmap-caption')).toHaveTextContent('ऊपरी बाएँ')
    expect(screen.getByTestId('class-description')).toHaveTextContent('रंग बनाने वाली कोशिकाओं का त्वचा कैंसर।')
    expect(screen.getByTestId('see-a-doctor')).toHaveTextContent(hi.classExplanation.seeADoctorTitle)
    expect(screen.getByText(hi.quality.advice.too_dark ?? '')).toBeInTheDocument()
    expect(textWithLatinWords(document.body, { except: [FILE_NAME, MODEL_VERSION] })).toEqual(['English'])
  })

  it.each([
    ['cannot tell', uncertainPrediction],
    ['not skin', notSkinPrediction],
  ])('writes no English around a "%s" answer', async (_kind, prediction) => {
    answerPredictWith(200, prediction)
    const user = userEvent.setup()
    render(<App />)
    await chooseHindi(user)
    await analyzeInHindi(user)
    await screen.findByRole('heading', { name: hi.nextSteps.heading })
    expect(textWithLatinWords(document.body, { except: [FILE_NAME, MODEL_VERSION] })).toEqual(['English'])
  })

  it('words a refused file in Hindi, and again in English when the language changes', async () => {
    const user = userEvent.setup({ applyAccept: false })
    render(<App />)
    await chooseHindi(user)
    await user.upload(screen.getByLabelText(hi.upload.chooseFile), makeImageFile('notes.txt', { type: 'text/plain' }))
    expect(screen.getByRole('alert')).toHaveTextContent('"notes.txt" तस्वीर नहीं है।')

    await user.click(screen.getByRole('button', { name: hi.language.en }))
    expect(screen.getByRole('alert')).toHaveTextContent('"notes.txt" is not an image.')
  })
})
