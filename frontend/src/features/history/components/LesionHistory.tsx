import { useTranslation } from 'react-i18next'
import type { NewEntry } from '../history-store'
import { useLesionHistory } from '../hooks/useLesionHistory'
import { HistoryActions } from './HistoryActions'
import { SaveToSpot } from './SaveToSpot'
import { SpotTimeline } from './SpotTimeline'

type LesionHistoryProps = {
  // The current photo and answer, ready to save; null when there is none (or it is not skin).
  makeEntry: (() => Promise<NewEntry>) | null
  nameOf: (className: string) => string
}

// "Follow a lesion over time": opt-in, nothing is kept until a photo is saved under a named spot.
export function LesionHistory({ makeEntry, nameOf }: LesionHistoryProps) {
  const { t } = useTranslation()
  const history = useLesionHistory()
  return (
    <section className="card lesion-history" aria-labelledby="history-heading">
      <h2 id="history-heading">{t('history.heading')}</h2>
      <p>{t('history.intro')}</p>
      {makeEntry && (
        <SaveToSpot
          spotNames={history.spots.map((spot) => spot.name)}
          onSave={async (spotName) => history.save(spotName, await makeEntry())}
        />
      )}
      {history.spots.length === 0 ? (
        <p className="lesion-history__empty">{t('history.empty')}</p>
      ) : (
        history.spots.map((spot) => <SpotTimeline key={spot.id} spot={spot} nameOf={nameOf} />)
      )}
      <HistoryActions
        hasData={history.spots.length > 0}
        onDeleteEverything={history.deleteEverything}
        onExport={history.exportFile}
        onImport={history.importFile}
      />
    </section>
  )
}
