import { useTranslation } from 'react-i18next'
import { className as translatedName } from '@/lib/i18n'
import { formatPercent } from '@/lib/intl'
import type { ClassScore } from '../api/predict'

type ConfidenceChartProps = {
  predictions: readonly ClassScore[]
  // Off when the model cannot tell: a bold first row would name a winner after all.
  highlightTop?: boolean
}

// One row per class: name, a bar and the percentage as text, highest first.
export function ConfidenceChart({ predictions, highlightTop = true }: ConfidenceChartProps) {
  const { t } = useTranslation()
  const sorted = [...predictions].sort((first, second) => second.confidence - first.confidence)
  return (
    <ol className="confidence-chart" aria-label={t('result.chartHeading')}>
      {sorted.map(({ class_name: className, confidence }, index) => {
        const percent = Math.min(100, Math.max(0, confidence * 100))
        const percentText = formatPercent(confidence)
        return (
          <li
            key={className}
            className={highlightTop && index === 0 ? 'chart-row chart-row--top' : 'chart-row'}
            data-testid="chart-row"
            data-class-name={className}
            data-confidence={confidence}
          >
            <span className="chart-row__name">{translatedName(className)}</span>
            <span className="chart-row__value">{percentText}</span>
            <div
              className="chart-row__track"
              role="meter"
              aria-label={translatedName(className)}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Number(percent.toFixed(1))}
              aria-valuetext={percentText}
            >
              <div className="chart-row__bar" style={{ width: `${percent}%` }} />
            </div>
          </li>
        )
      })}
    </ol>
  )
}
