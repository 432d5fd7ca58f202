import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { confidentPrediction, makeImageFile } from '@/testing/fixtures'
import { answerPredictWith } from '@/testing/server'
import { App } from './App'

const tooDark = {
  code: 'too_dark',
  message:
    "The photo is too dark to show the lesion's colours and structure. Retake it in good, even light, without shadows.",
}

async function analyze() {
  const user = userEvent.setup()
  render(<App />)
  await user.upload(screen.getByLabelText('Choose an image file'), makeImageFile())
  await user.click(screen.getByRole('button', { name: 'Analyze' }))
  return screen.findByTestId('top-prediction')
}

describe('photo quality warnings', () => {
  it('shows the server’s warnings, with advice, beside the result', async () => {
    answerPredictWith(200, { ...confidentPrediction, quality_warnings: [tooDark] })
    expect(await analyze()).toHaveTextContent('Melanocytic nevi')
    const region = screen.getByRole('region', { name: /photo quality/i })
    expect(within(region).getByRole('listitem')).toHaveTextContent(`Too dark: ${tooDark.message}`)
  })

  it('shows none for a good photo, nor for an API that sends no warnings field', async () => {
    const { quality_warnings: _warnings, ...withoutField } = confidentPrediction
    answerPredictWith(200, withoutField)
    await analyze()
    expect(screen.queryByRole('region', { name: /photo quality/i })).not.toBeInTheDocument()
  })

  it('leaves out warnings it cannot read and keeps the result', async () => {
    answerPredictWith(200, { ...confidentPrediction, quality_warnings: [{ code: 'blurred' }, 'odd', tooDark] })
    await analyze()
    const region = screen.getByRole('region', { name: /photo quality/i })
    const items = within(region).getAllByRole('listitem')
    expect(items.map((item) => item.textContent)).toEqual([`Too dark: ${tooDark.message}`])
  })
})
