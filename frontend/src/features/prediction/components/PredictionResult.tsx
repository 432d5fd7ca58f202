import { useEffect, useRef } from 'react'
import { LOW_CONFIDENCE_THRESHOLD } from '@/config'
import type { Prediction } from '../api/predict'
import { formatPercent } from '../format'
import { ConfidenceChart } from './ConfidenceChart'
import { LowConfidenceNotice } from './LowConfidenceNotice'
import { QualityWarnings } from './QualityWarnings'

type PredictionResultProps = {
  result: Prediction
  lowConfidenceThreshold?: number
}

export function PredictionResult({ result, lowConfidenceThreshold = LOW_CONFIDENCE_THRESHOLD }: PredictionResultProps) {
  const isLowConfidence = result.confidence < lowConfidenceThreshold
  const heading = useRef<HTMLHeadingElement>(null)

  // Move focus (and the view on a phone) to the new result so it is not missed.
  useEffect(() => {
    heading.current?.focus()
  }, [result])

  return (
    <section className="card result" aria-labelledby="result-heading">
      <h2 id="result-heading" ref={heading} tabIndex={-1}>
        Result
      </h2>
      <p className="result__top" data-testid="top-prediction">
        Most likely: <strong className="result__class">{result.predicted_class}</strong>
        {' — '}
        <span className="result__confidence">{formatPercent(result.confidence)} confidence</span>
      </p>
      <QualityWarnings warnings={result.quality_warnings ?? []} />
      {isLowConfidence && <LowConfidenceNotice threshold={lowConfidenceThreshold} />}
      <h3 className="result__chart-heading">Confidence for every class</h3>
      <ConfidenceChart predictions={result.all_predictions} />
      <p className="result__reminder">
        This is an estimate from a computer model, not a diagnosis. Only a doctor can diagnose a skin lesion.
      </p>
      <ModelDetails modelVersion={result.model_version} inferenceMs={result.inference_ms} />
    </section>
  )
}

function ModelDetails({ modelVersion, inferenceMs }: { modelVersion?: string; inferenceMs?: number }) {
  const details: string[] = []
  if (modelVersion) details.push(`Model version ${modelVersion}`)
  if (typeof inferenceMs === 'number') details.push(`analysed in ${Math.round(inferenceMs)} ms`)
  if (details.length === 0) return null
  return <p className="result__details">{details.join(' · ')}</p>
}
