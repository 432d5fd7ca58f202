import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { modelCard } from '@/testing/fixtures'
import { ClassExplanation } from './ClassExplanation'

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
