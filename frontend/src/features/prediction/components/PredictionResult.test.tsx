import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { confidentPrediction, notSkinPrediction, skinPhotoPrediction, uncertainPrediction } from '@/testing/fixtures'
import { changeLanguage } from '@/lib/i18n'
import { hi } from '@/lib/locales/hi'
import { PredictionResult } from './PredictionResult'

function resultHeading() {
  return screen.getByRole('heading', { name: 'Result', level: 2 })
}

function queryChart() {
  return screen.queryByRole('list', { name: 'Confidence for every class' })
}

describe('PredictionResult', () => {
  it('says plainly where the answer was computed, in English and Hindi', async () => {
    const { rerender } = render(<PredictionResult result={{ ...confidentPrediction, computedOn: 'device' }} />)
    expect(screen.getByTestId('computed-on')).toHaveTextContent(
      'Analysed on this device: the photo was not sent anywhere.',
    )
    rerender(<PredictionResult result={{ ...confidentPrediction, computedOn: 'server' }} />)
    expect(screen.getByTestId('computed-on')).toHaveTextContent('Analysed on the server.')
    await changeLanguage('hi')
    try {
      rerender(<PredictionResult result={{ ...confidentPrediction, computedOn: 'device' }} />)
      expect(screen.getByTestId('computed-on')).toHaveTextContent(hi.result.computedOnDevice)
      rerender(<PredictionResult result={{ ...confidentPrediction, computedOn: 'server' }} />)
      expect(screen.getByTestId('computed-on')).toHaveTextContent(hi.result.computedOnServer)
    } finally {
      await changeLanguage('en')
    }
  })

  it('names the most likely class for a dermoscopy image, with no warning about the kind of picture', () => {
    render(<PredictionResult result={confidentPrediction} />)
    expect(screen.getByTestId('top-prediction')).toHaveTextContent('Most likely: Melanocytic nevi — 83.2% confidence')
    expect(resultHeading()).toHaveFocus()
    expect(resultHeading()).toHaveAccessibleDescription('Most likely: Melanocytic nevi — 83.2% confidence')
    expect(screen.queryByTestId('ordinary-photo-warning')).not.toBeInTheDocument()
    expect(screen.queryByTestId('not-skin')).not.toBeInTheDocument()
    expect(queryChart()).toBeInTheDocument()
  })

  it('answers as usual when the model has no image-kind check', () => {
    render(<PredictionResult result={{ ...confidentPrediction, image_kind: null, image_kind_score: null }} />)
    expect(screen.getByTestId('top-prediction')).toHaveTextContent('Most likely: Melanocytic nevi')
    expect(screen.queryByTestId('ordinary-photo-warning')).not.toBeInTheDocument()
  })

  it('says the model cannot tell, without naming a class, and still charts every class', () => {
    render(<PredictionResult result={uncertainPrediction} />)
    const result = screen.getByRole('region', { name: 'Result' })
    expect(within(result).getByRole('heading', { name: 'The model cannot tell what this is' })).toBeInTheDocument()
    expect(result).toHaveTextContent('No class is clearly more likely than the others')
    expect(result).not.toHaveTextContent('Most likely')
    expect(screen.queryByTestId('top-prediction')).not.toBeInTheDocument()
    expect(resultHeading()).toHaveAccessibleDescription(/^The model cannot tell what this is/)
    const chart = queryChart()
    expect(chart).toBeInTheDocument()
    expect(within(chart as HTMLElement).getAllByRole('meter')).toHaveLength(uncertainPrediction.all_predictions.length)
  })

  it('says a picture that is not skin is not skin, with no lesion name and no chart', () => {
    render(<PredictionResult result={notSkinPrediction} />)
    const result = screen.getByRole('region', { name: 'Result' })
    expect(within(result).getByRole('heading', { name: 'This does not look like a photo of skin' })).toBeInTheDocument()
    expect(result).toHaveTextContent('upload a close, sharp photo of the skin lesion')
    expect(resultHeading()).toHaveFocus()
    expect(resultHeading()).toHaveAccessibleDescription(/^This does not look like a photo of skin/)
    for (const { class_name: className } of notSkinPrediction.all_predictions) {
      expect(result).not.toHaveTextContent(className)
    }
    expect(result).not.toHaveTextContent('Most likely')
    expect(queryChart()).not.toBeInTheDocument()
    expect(screen.queryByRole('meter')).not.toBeInTheDocument()
  })

  it('also says "not skin" when the answer is uncertain as well', () => {
    render(<PredictionResult result={{ ...notSkinPrediction, uncertain: true }} />)
    expect(screen.getByTestId('not-skin')).toBeInTheDocument()
    expect(screen.queryByTestId('cannot-tell')).not.toBeInTheDocument()
    expect(queryChart()).not.toBeInTheDocument()
  })

  it('warns, before the answer, that results on ordinary photos are unreliable', () => {
    render(<PredictionResult result={skinPhotoPrediction} />)
    const warning = screen.getByRole('region', { name: /ordinary photo/ })
    expect(warning).toHaveTextContent('trained on dermoscopy images')
    expect(warning).toHaveTextContent('a skin microscope with its own light')
    expect(warning).toHaveTextContent('unreliable')
    const answer = screen.getByTestId('top-prediction')
    expect(answer).toHaveTextContent('Most likely: Melanocytic nevi')
    expect(warning.compareDocumentPosition(answer) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
    expect(resultHeading()).toHaveAccessibleDescription(/^This looks like an ordinary photo.*Most likely: Melanocytic nevi/)
    expect(queryChart()).toBeInTheDocument()
  })

  it('shows the model details the API sent', () => {
    render(<PredictionResult result={confidentPrediction} />)
    expect(screen.getByText('Model version 3f2a9c1b7d4e · analysed in 41 ms')).toBeInTheDocument()
  })

  it('leaves out the model details the API did not send', () => {
    const { model_version: _version, inference_ms: _ms, ...withoutDetails } = confidentPrediction
    render(<PredictionResult result={withoutDetails} />)
    expect(screen.getByTestId('top-prediction')).toHaveTextContent('Melanocytic nevi')
    expect(screen.queryByText(/Model version/)).not.toBeInTheDocument()
    expect(screen.queryByText(/analysed in/)).not.toBeInTheDocument()
  })
})
