import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { JsonBodyType } from 'msw'
import { describe, expect, it } from 'vitest'
import { en } from '@/lib/locales/en'
import { confidentPrediction, HEATMAP_PNG, makeImageFile, notSkinPrediction, uncertainPrediction } from '@/testing/fixtures'
import { answerPredictWith } from '@/testing/server'
import { App } from './App'

const DESCRIPTION = 'The model looked most at the centre of the image.'
const TOGGLE_NAME = 'Show where the model looked'

// Uploads a photo, presses Analyze and waits for the result region.
async function analyze(answer: JsonBodyType = confidentPrediction) {
  answerPredictWith(200, answer)
  const user = userEvent.setup()
  render(<App />)
  await user.upload(screen.getByLabelText('Choose an image file'), makeImageFile('mole.png'))
  await user.click(screen.getByRole('button', { name: 'Analyze' }))
  await screen.findByRole('region', { name: 'Result' })
  return user
}

function preview() {
  return screen.getByRole('img', { name: 'Preview of the chosen photo, mole.png' })
}

function queryOverlay(name = DESCRIPTION) {
  return screen.queryByRole('img', { name })
}

describe('heat map over the photo', () => {
  it('lays the heat map over the preview, in its box, with the description as its text', async () => {
    await analyze()
    const overlay = queryOverlay()
    expect(overlay).toBeInTheDocument()
    expect(overlay).toHaveAttribute('src', HEATMAP_PNG)
    expect(overlay?.parentElement).toBe(preview().parentElement)
    expect(overlay).toHaveClass('preview__overlay')
    expect(screen.getByTestId('heatmap-caption')).toHaveTextContent(DESCRIPTION)
    expect(screen.getByRole('checkbox', { name: TOGGLE_NAME })).toBeChecked()
  })

  it('hides and shows it with a click on the toggle', async () => {
    const user = await analyze()
    const toggle = screen.getByRole('checkbox', { name: TOGGLE_NAME })
    await user.click(toggle)
    expect(toggle).not.toBeChecked()
    expect(queryOverlay()).not.toBeInTheDocument()
    expect(preview()).toBeInTheDocument()
    // The words stay: they describe the heat map whether or not it is drawn.
    expect(screen.getByTestId('heatmap-caption')).toHaveTextContent(DESCRIPTION)
    await user.click(toggle)
    expect(queryOverlay()).toBeInTheDocument()
  })

  it('hides and shows it from the keyboard: Tab to the toggle, Space to flip it', async () => {
    const user = await analyze()
    const toggle = screen.getByRole('checkbox', { name: TOGGLE_NAME })
    // Focus sits on the result heading after an answer; start again from the drop zone, as a person would.
    screen.getByTestId('drop-zone').focus()
    await user.tab() // "Take a photo"
    await user.tab()
    expect(toggle).toHaveFocus()
    await user.keyboard(' ')
    expect(queryOverlay()).not.toBeInTheDocument()
    await user.keyboard(' ')
    expect(queryOverlay()).toBeInTheDocument()
  })

  it('is drawn when the model cannot tell, too: it shows where the model looked either way', async () => {
    await analyze(uncertainPrediction)
    expect(queryOverlay('The model looked most at the upper left of the image.')).toBeInTheDocument()
  })

  it('falls back to a general sentence when the API sends no description', async () => {
    await analyze({ ...confidentPrediction, heatmap_description: null })
    expect(queryOverlay(en.heatmap.fallback)).toBeInTheDocument()
    expect(screen.getByTestId('heatmap-caption')).toHaveTextContent(en.heatmap.fallback)
  })

  it('is absent, with its toggle, when the API sends no heat map', async () => {
    await analyze({ ...confidentPrediction, heatmap: null })
    expect(screen.getByTestId('top-prediction')).toBeInTheDocument()
    expect(screen.getAllByRole('img')).toEqual([preview()])
    expect(screen.queryByRole('checkbox', { name: TOGGLE_NAME })).not.toBeInTheDocument()
  })

  it('is absent for a picture that is not skin, even if the API sent one', async () => {
    await analyze({ ...notSkinPrediction, heatmap: HEATMAP_PNG, heatmap_description: DESCRIPTION })
    expect(screen.getByTestId('not-skin')).toBeInTheDocument()
    expect(screen.getAllByRole('img')).toEqual([preview()])
    expect(screen.queryByRole('checkbox', { name: TOGGLE_NAME })).not.toBeInTheDocument()
    expect(screen.queryByTestId('heatmap-caption')).not.toBeInTheDocument()
  })

  it('goes away when another photo is chosen', async () => {
    const user = await analyze()
    await user.upload(screen.getByLabelText('Choose an image file'), makeImageFile('second.png'))
    expect(queryOverlay()).not.toBeInTheDocument()
    expect(screen.queryByRole('checkbox', { name: TOGGLE_NAME })).not.toBeInTheDocument()
  })
})
