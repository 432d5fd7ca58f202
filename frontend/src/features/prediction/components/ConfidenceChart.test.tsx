import { render, screen } from '@testing-library/react'
import { expect, it } from 'vitest'
import { ConfidenceChart } from './ConfidenceChart'

it('sorts classes by confidence and sizes each bar to its percentage', () => {
  render(
    <ConfidenceChart
      predictions={[
        { class_name: 'Dermatofibroma', confidence: 0.1 },
        { class_name: 'Melanoma', confidence: 0.65 },
        { class_name: 'Vascular lesions', confidence: 0.25 },
      ]}
    />,
  )
  const meters = screen.getAllByRole('meter')
  expect(meters.map((meter) => meter.getAttribute('aria-label'))).toEqual([
    'Melanoma',
    'Vascular lesions',
    'Dermatofibroma',
  ])
  expect(meters[0]).toHaveAttribute('aria-valuenow', '65')
  expect(meters[0]?.firstChild).toHaveStyle({ width: '65%' })
  expect(screen.getByText('25.0%')).toBeInTheDocument()
  expect(screen.getAllByTestId('chart-row')[0]).toHaveClass('chart-row--top')
})

it('can leave the first row unmarked, for an answer that names no class', () => {
  render(
    <ConfidenceChart
      predictions={[
        { class_name: 'Melanoma', confidence: 0.4 },
        { class_name: 'Melanocytic nevi', confidence: 0.35 },
      ]}
      highlightTop={false}
    />,
  )
  const rows = screen.getAllByTestId('chart-row')
  expect(rows).toHaveLength(2)
  for (const row of rows) expect(row).not.toHaveClass('chart-row--top')
})
