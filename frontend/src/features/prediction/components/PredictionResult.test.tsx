import { render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { confidentPrediction } from '@/testing/fixtures'
import { PredictionResult } from './PredictionResult'

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('PredictionResult', () => {
  it('warns about low confidence below the configured threshold', () => {
    render(<PredictionResult result={confidentPrediction} lowConfidenceThreshold={0.9} />)
    expect(screen.getByTestId('low-confidence-notice')).toHaveTextContent('No class reached 90%')
  })

  it('takes its threshold from VITE_LOW_CONFIDENCE_THRESHOLD when none is passed', async () => {
    vi.stubEnv('VITE_LOW_CONFIDENCE_THRESHOLD', '0.9')
    vi.resetModules() // config.ts reads the environment when it is imported
    const { PredictionResult: ResultWithThresholdFromEnvironment } = await import('./PredictionResult')
    render(<ResultWithThresholdFromEnvironment result={confidentPrediction} />)
    expect(screen.getByTestId('low-confidence-notice')).toHaveTextContent('No class reached 90%')
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
