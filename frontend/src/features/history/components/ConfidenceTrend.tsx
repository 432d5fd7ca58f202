import { useTranslation } from 'react-i18next'
import { formatDate, formatPercent } from '@/lib/intl'
import type { HistoryEntry } from '../history-store'

const WIDTH = 320
const HEIGHT = 140
const PAD = { left: 34, right: 10, top: 10, bottom: 24 }
// Distinguishable by pattern as well as colour: each line has its own dash.
const LINES = [
  { colour: '#b3261e', dash: '' },
  { colour: '#1d4ed8', dash: '6 3' },
  { colour: '#15803d', dash: '2 3' },
]
// The date under each photo's point: day and month, written the page's way.
const AXIS_DATE: Intl.DateTimeFormatOptions = { day: '2-digit', month: '2-digit' }

// The classes that were on top in any photo, most often first (at most three).
export function trendClasses(entries: HistoryEntry[]): string[] {
  const counts = new Map<string, number>()
  for (const entry of entries) {
    const top = entry.topClass ?? entry.classes[0]?.name
    if (top) counts.set(top, (counts.get(top) ?? 0) + 1)
  }
  return [...counts.entries()].sort((first, second) => second[1] - first[1]).slice(0, LINES.length).map(([name]) => name)
}

type ConfidenceTrendProps = {
  entries: HistoryEntry[]
  label: string
  nameOf: (className: string) => string
}

// A small line chart: the top classes' confidences, photo by photo in date order, with a legend in words.
export function ConfidenceTrend({ entries, label, nameOf }: ConfidenceTrendProps) {
  useTranslation() // figures and dates are written again when the language changes
  const classes = trendClasses(entries)
  const innerWidth = WIDTH - PAD.left - PAD.right
  const innerHeight = HEIGHT - PAD.top - PAD.bottom
  const x = (index: number) => PAD.left + (entries.length > 1 ? (index / (entries.length - 1)) * innerWidth : innerWidth / 2)
  const y = (confidence: number) => PAD.top + (1 - confidence) * innerHeight
  const confidenceOf = (entry: HistoryEntry, name: string) =>
    entry.classes.find((item) => item.name === name)?.confidence ?? 0

  return (
    <figure className="trend" data-testid="confidence-trend">
      <svg className="trend__chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
        {[0, 0.5, 1].map((level) => (
          <g key={level}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(level)} y2={y(level)} className="trend__grid" />
            <text x={PAD.left - 4} y={y(level) + 4} textAnchor="end" className="trend__axis">
              {formatPercent(level, 0)}
            </text>
          </g>
        ))}
        {entries.map((entry, index) => (
          <text key={entry.id} x={x(index)} y={HEIGHT - 6} textAnchor="middle" className="trend__axis">
            {formatDate(entry.takenAt, AXIS_DATE)}
          </text>
        ))}
        {classes.map((name, line) => {
          const style = LINES[line] ?? LINES[0]
          const points = entries.map((entry, index) => `${x(index)},${y(confidenceOf(entry, name))}`).join(' ')
          return (
            <g key={name}>
              <polyline points={points} fill="none" stroke={style?.colour} strokeWidth={2} strokeDasharray={style?.dash} />
              {entries.map((entry, index) => (
                <circle key={entry.id} cx={x(index)} cy={y(confidenceOf(entry, name))} r={3} fill={style?.colour} />
              ))}
            </g>
          )
        })}
      </svg>
      <figcaption>
        <ul className="trend__legend">
          {classes.map((name, line) => (
            <li key={name}>
              <svg width="24" height="8" aria-hidden="true">
                <line x1="0" x2="24" y1="4" y2="4" stroke={LINES[line]?.colour} strokeWidth={2} strokeDasharray={LINES[line]?.dash} />
              </svg>{' '}
              {nameOf(name)}:{' '}
              {entries.map((entry) => formatPercent(confidenceOf(entry, name), 0)).join(' → ')}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  )
}
