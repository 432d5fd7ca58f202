import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { confidentPrediction } from '../../../testing/fixtures'
import { PredictionResult } from './PredictionResult'

describe('PredictionResult', () => {
  it('warns about low confidence below the configured threshold', () => {
    render(<PredictionResult result={confidentPrediction} lowConfidenceThreshold={0.9} />)
    expect(screen.getByTestId('low-confidence-notice')).toHaveTextContent('No class reached 90%')
  })

  it('leaves out the model details the API did not send', () => {
    const { model_version: _version, inference_ms: _ms, ...withoutDetails } = confidentPrediction
    render(<PredictionResult result={withoutDetails} />)
    expect(screen.getByTestId('top-prediction')).toHaveTextContent('Melanocytic nevi')
    expect(screen.queryByText(/Model version/)).not.toBeInTheDocument()
  })
})
