import { useTranslation } from 'react-i18next'
import { formatDate, formatPercent } from '@/lib/intl'
import type { SpotWithEntries } from '../history-store'
import { ConfidenceTrend } from './ConfidenceTrend'

type SpotTimelineProps = {
  spot: SpotWithEntries
  nameOf: (className: string) => string
}

// One followed spot: its photos side by side in date order, each with its answer, and the chart over time.
export function SpotTimeline({ spot, nameOf }: SpotTimelineProps) {
  const { t } = useTranslation()
  const headingId = `spot-${spot.id}-heading`
  return (
    <section className="spot" aria-labelledby={headingId} data-testid="spot">
      <h3 id={headingId}>{t('history.spotHeading', { name: spot.name, count: spot.entries.length })}</h3>
      <ol className="spot__photos" data-testid="spot-photos">
        {spot.entries.map((entry) => {
          const date = formatDate(entry.takenAt)
          return (
            <li key={entry.id} className="spot__photo" data-testid="spot-photo">
              <img src={entry.photo} alt={t('history.photoAlt', { name: spot.name, date })} />
              <p className="spot__date">{date}</p>
              <p className="spot__answer">
                {entry.topClass ? nameOf(entry.topClass) : '?'} · {formatPercent(entry.confidence)}
              </p>
            </li>
          )
        })}
      </ol>
      <ConfidenceTrend entries={spot.entries} label={t('history.chartLabel', { name: spot.name })} nameOf={nameOf} />
    </section>
  )
}
