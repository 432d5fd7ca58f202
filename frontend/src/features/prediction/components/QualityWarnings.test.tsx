import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { confidentPrediction } from '@/testing/fixtures'
import { PredictionResult } from './PredictionResult'
import { QualityWarnings } from './QualityWarnings'

const blurred = {
  code: 'blurred',
  message: 'The photo is blurred. Hold the camera steady and retake it.',
} as const
const tooDark = {
  code: 'too_dark',
  message: 'The photo is too dark. Retake it in good, even light.',
} as const

describe('QualityWarnings', () => {
  it('lists each problem by name, with its reason and advice, under a heading', () => {
    render(<QualityWarnings warnings={[tooDark, blurred]} />)
    const region = screen.getByRole('region', { name: /photo quality/i })
    expect(within(region).getByRole('heading', { name: /this result may be less reliable/i })).toBeInTheDocument()
    const items = within(region).getAllByRole('listitem')
    expect(items.map((item) => item.textContent)).toEqual([
      `Too dark: ${tooDark.message}`,
      `Blurred: ${blurred.message}`,
    ])
  })

  it('shows the message of a code it does not know yet', () => {
    render(<QualityWarnings warnings={[{ code: 'glare' as 'blurred', message: 'Glare hides the lesion.' }]} />)
    expect(screen.getByRole('listitem')).toHaveTextContent('Photo problem: Glare hides the lesion.')
  })

  it('shows nothing when the photo looks fine', () => {
    const { container } = render(<QualityWarnings warnings={[]} />)
    expect(container).toBeEmptyDOMElement()
  })

  it('appears with the result, and not without warnings', () => {
    const { unmount } = render(<PredictionResult result={{ ...confidentPrediction, quality_warnings: [blurred] }} />)
    expect(screen.getByTestId('top-prediction')).toHaveTextContent('Melanocytic nevi')
    expect(screen.getByRole('region', { name: /photo quality/i })).toHaveTextContent(blurred.message)
    unmount()
    render(<PredictionResult result={confidentPrediction} />)
    expect(screen.queryByRole('region', { name: /photo quality/i })).not.toBeInTheDocument()
  })
})
