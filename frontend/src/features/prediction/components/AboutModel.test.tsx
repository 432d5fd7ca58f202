import { render, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { changeLanguage } from '@/lib/i18n'
import { hi } from '@/lib/locales/hi'
import { modelCard } from '@/testing/fixtures'
import { AboutModel } from './AboutModel'

describe('AboutModel', () => {
  it('shows each class with its recall on test images, marking weak ones in words', () => {
    render(<AboutModel card={modelCard} />)
    const region = screen.getByRole('region', { name: 'About this model' })
    const rows = within(region).getAllByTestId('recall-row')
    expect(rows).toHaveLength(7)
    const melanoma = within(region).getByRole('row', { name: /^Melanoma/ })
    expect(melanoma).toHaveTextContent('61.7% of 60 images')
    expect(melanoma).not.toHaveTextContent('weak')
    expect(within(region).getByRole('row', { name: /^Actinic keratoses/ })).toHaveTextContent('26.7% of 15 images (weak)')
    expect(region).toHaveTextContent('Not a medical device')
  })

  it('gives the data licence and the calibration', () => {
    render(<AboutModel card={modelCard} />)
    expect(screen.getByText('CC BY-NC 4.0').closest('li')).toHaveTextContent('Data licence: CC BY-NC 4.0')
    expect(screen.getByText(/temperature 1\.92, fitted on the val split/)).toBeInTheDocument()
    expect(screen.getByText(/differ by 4\.2% on average/)).toBeInTheDocument()
    expect(screen.getByText(/When no class reaches 45\.0% confidence/)).toHaveTextContent(
      'a level chosen on validation images, the page says the model cannot tell',
    )
  })

  it('says "not measured" for a class without test figures', () => {
    const card = {
      ...modelCard,
      classes: [{ name: 'Class A', description: null, category: 'unknown' as const, see_a_doctor: false }],
      calibration: {},
      data: {},
    }
    render(<AboutModel card={card} />)
    expect(screen.getByRole('row', { name: /^Class A/ })).toHaveTextContent('not measured')
    expect(screen.queryByText(/Data licence/)).not.toBeInTheDocument()
    expect(screen.queryByText(/cannot tell/)).not.toBeInTheDocument()
  })
})

describe('AboutModel in Hindi', () => {
  beforeEach(() => changeLanguage('hi'))
  afterEach(() => changeLanguage('en'))

  it('names the classes, figures and the use in Hindi, with Indian digit grouping', () => {
    const card = { ...modelCard, classes: modelCard.classes.map((entry) => ({ ...entry, test_support: 1628 })) }
    render(<AboutModel card={card} />)
    const region = screen.getByRole('region', { name: hi.aboutModel.heading })
    expect(region).toHaveTextContent(hi.aboutModel.standardIntendedUse)
    expect(within(region).getByRole('row', { name: /^मेलेनोमा/ })).toHaveTextContent('1,628 तस्वीरों में से 61.7%')
    expect(within(region).getByRole('row', { name: /^एक्टिनिक केराटोसिस/ })).toHaveTextContent(hi.aboutModel.weak)
    expect(screen.getByText(/तापमान 1\.92, सत्यापन वाले हिस्से पर/)).toBeInTheDocument()
  })

  it("shows a model's own statement of its use as sent, marked as English", () => {
    render(<AboutModel card={{ ...modelCard, intended_use: 'Teaching only.' }} />)
    expect(screen.getByText('Teaching only.')).toHaveAttribute('lang', 'en')
  })
})
