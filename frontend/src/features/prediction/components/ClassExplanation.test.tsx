import { render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { changeLanguage } from '@/lib/i18n'
import { hi } from '@/lib/locales/hi'
import { modelCard } from '@/testing/fixtures'
import { textWithLatinWords } from '@/testing/latin-text'
import { nextSteps } from '../next-steps'
import { ClassExplanation } from './ClassExplanation'
import { NextSteps } from './NextSteps'

function classNamed(name: string) {
  const found = modelCard.classes.find((entry) => entry.name === name)
  if (!found) throw new Error(`no class ${name} in the fixture`)
  return found
}

describe('ClassExplanation', () => {
  it.each(['Melanoma', 'Basal cell carcinoma', 'Actinic keratoses'])('tells people to have %s checked', (name) => {
    render(<ClassExplanation modelClass={classNamed(name)} />)
    expect(screen.getByTestId('see-a-doctor')).toHaveTextContent('Have it checked by a doctor.')
  })

  it('names the category in words, with the description', () => {
    render(<ClassExplanation modelClass={classNamed('Melanoma')} />)
    expect(screen.getByRole('heading', { name: 'What “Melanoma” means' })).toBeInTheDocument()
    expect(screen.getByTestId('class-category')).toHaveTextContent('Category: Malignant (a type of skin cancer)')
    expect(screen.getByTestId('class-description')).toHaveTextContent('A skin cancer of the pigment cells.')
  })

  it('has no doctor line for a benign class', () => {
    render(<ClassExplanation modelClass={classNamed('Melanocytic nevi')} />)
    expect(screen.getByTestId('class-category')).toHaveTextContent('Benign (not cancer)')
    expect(screen.queryByTestId('see-a-doctor')).not.toBeInTheDocument()
  })

  it('says so when the API has no description for the class', () => {
    render(
      <ClassExplanation
        modelClass={{ name: 'Class A', description: null, category: 'unknown', see_a_doctor: false }}
      />,
    )
    expect(screen.getByTestId('class-description')).toHaveTextContent('No description is available for this class.')
    expect(screen.getByTestId('class-category')).toHaveTextContent('Category: not known')
    expect(screen.queryByTestId('see-a-doctor')).not.toBeInTheDocument()
  })
})

describe('ClassExplanation in Hindi', () => {
  beforeEach(() => changeLanguage('hi'))
  afterEach(() => changeLanguage('en'))

  it.each(modelCard.classes.map((entry) => [entry.name, entry] as const))(
    'gives what %s means, its category and what to do next in Hindi',
    (_name, modelClass) => {
      const steps = nextSteps({ category: modelClass.category, uncertain: false, imageKind: 'dermoscopy' })
      render(
        <>
          <ClassExplanation modelClass={modelClass} />
          <NextSteps steps={steps} />
        </>,
      )
      expect(screen.getByRole('heading', { name: /का क्या मतलब है/ })).toHaveTextContent(hi.classes[modelClass.name] ?? '')
      expect(screen.getByTestId('next-steps-advice')).toHaveTextContent(hi.nextSteps.advice[modelClass.category])
      expect(screen.getByTestId('class-category')).toHaveTextContent(hi.classExplanation.categories[modelClass.category])
      expect(screen.getByTestId('class-description')).toHaveTextContent(modelClass.descriptions?.hi ?? '')
      if (modelClass.see_a_doctor) {
        expect(screen.getByTestId('see-a-doctor')).toHaveTextContent(hi.classExplanation.seeADoctorTitle)
      }
      expect(screen.queryByTestId('description-language-note')).not.toBeInTheDocument()
      expect(textWithLatinWords(document.body)).toEqual([])
    },
  )

  it('shows the English description, marked and said to be English, when the API has no Hindi one', () => {
    const melanoma = { ...classNamed('Melanoma'), descriptions: { en: 'A skin cancer of the pigment cells.' } }
    render(<ClassExplanation modelClass={melanoma} />)
    expect(screen.getByTestId('class-description')).toHaveAttribute('lang', 'en')
    expect(screen.getByTestId('description-language-note')).toHaveTextContent(hi.classExplanation.onlyInEnglish)
  })
})
