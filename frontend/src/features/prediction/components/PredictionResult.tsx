import { useLayoutEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { className } from '@/lib/i18n'
import { formatNumber, formatPercent } from '@/lib/intl'
import { answerKind } from '../answer-kind'
import type { ComputedOn as Where, Prediction } from '../api/predict'
import { CannotTellAnswer } from './CannotTellAnswer'
import { ConfidenceChart } from './ConfidenceChart'
import { NotSkinMessage } from './NotSkinMessage'
import { OrdinaryPhotoWarning } from './OrdinaryPhotoWarning'
import { QualityWarnings } from './QualityWarnings'

const ANSWER_ID = 'result-answer'
const ORDINARY_PHOTO_WARNING_ID = 'ordinary-photo-warning'

export function PredictionResult({ result }: { result: Prediction }) {
  const { t } = useTranslation()
  const kind = answerKind(result)
  const warnsOfOrdinaryPhoto = kind !== 'not-skin' && result.image_kind === 'skin-photo'
  const heading = useRef<HTMLHeadingElement>(null)

  // Move focus (and the view on a phone) to the new result so it is not missed. The heading is described
  // by the answer, and by the warning before it, so a screen reader reads them out on arrival. A layout
  // effect moves it in the same commit that shows the result, so nothing sees the result without the focus.
  useLayoutEffect(() => {
    heading.current?.focus()
  }, [result])

  return (
    <section
      className="card result"
      aria-labelledby="result-heading"
      data-predicted-class={result.predicted_class}
      data-confidence={result.confidence}
      data-image-kind={result.image_kind ?? ''}
    >
      <h2
        id="result-heading"
        ref={heading}
        tabIndex={-1}
        aria-describedby={warnsOfOrdinaryPhoto ? `${ORDINARY_PHOTO_WARNING_ID} ${ANSWER_ID}` : ANSWER_ID}
      >
        {t('result.heading')}
      </h2>
      {kind === 'not-skin' ? (
        <NotSkinMessage id={ANSWER_ID} />
      ) : (
        <>
          {warnsOfOrdinaryPhoto && <OrdinaryPhotoWarning id={ORDINARY_PHOTO_WARNING_ID} />}
          {kind === 'cannot-tell' ? (
            <CannotTellAnswer id={ANSWER_ID} />
          ) : (
            <MostLikelyClass id={ANSWER_ID} result={result} />
          )}
          <QualityWarnings warnings={result.quality_warnings ?? []} />
          <h3 className="result__chart-heading">{t('result.chartHeading')}</h3>
          <ConfidenceChart predictions={result.all_predictions} highlightTop={kind === 'named-class'} />
          <p className="result__reminder">{t('result.reminder')}</p>
        </>
      )}
      <ComputedOn computedOn={result.computedOn} />
      <ModelDetails modelVersion={result.model_version} inferenceMs={result.inference_ms} />
    </section>
  )
}

function MostLikelyClass({ id, result }: { id: string; result: Prediction }) {
  const { t } = useTranslation()
  return (
    <p className="result__top" id={id} data-testid="top-prediction">
      {t('result.mostLikely')} <strong className="result__class">{className(result.predicted_class)}</strong>
      {' — '}
      <span className="result__confidence">{t('result.confidence', { percent: formatPercent(result.confidence) })}</span>
    </p>
  )
}

function ModelDetails({ modelVersion, inferenceMs }: { modelVersion?: string; inferenceMs?: number }) {
  const { t } = useTranslation()
  const details: string[] = []
  if (modelVersion) details.push(t('result.modelVersion', { version: modelVersion }))
  if (typeof inferenceMs === 'number') {
    details.push(t('result.analysedIn', { milliseconds: formatNumber(Math.round(inferenceMs)) }))
  }
  if (details.length === 0) return null
  return <p className="result__details">{details.join(' · ')}</p>
}

// Where the answer was computed, said plainly: on this device the photo went nowhere. An answer that does not
// say came from the server.
function ComputedOn({ computedOn }: { computedOn?: Where }) {
  const { t } = useTranslation()
  const onDevice = computedOn === 'device'
  return (
    <p className="result__computed-on" data-testid="computed-on" data-computed-on={onDevice ? 'device' : 'server'}>
      {onDevice ? t('result.computedOnDevice') : t('result.computedOnServer')}
    </p>
  )
}
