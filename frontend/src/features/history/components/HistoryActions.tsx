import { useRef, useState, type ChangeEvent } from 'react'
import { useTranslation } from 'react-i18next'
import type { HistoryFile } from '../history-store'

type HistoryActionsProps = {
  hasData: boolean
  onDeleteEverything: () => Promise<void>
  onExport: () => Promise<HistoryFile>
  onImport: (file: unknown) => Promise<number>
}

function download(data: HistoryFile) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data)], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = `lesion-history-${new Date().toISOString().slice(0, 10)}.json`
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

// Export to one file, import from one, and delete everything kept in this browser.
export function HistoryActions({ hasData, onDeleteEverything, onExport, onImport }: HistoryActionsProps) {
  const { t } = useTranslation()
  const fileInput = useRef<HTMLInputElement>(null)
  const [status, setStatus] = useState('')

  const handleImport = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0]
    event.target.value = ''
    if (!chosen) return
    try {
      const added = await onImport(JSON.parse(await chosen.text()) as unknown)
      setStatus(t('history.imported', { count: added }))
    } catch {
      setStatus(t('history.importFailed'))
    }
  }

  const handleDelete = async () => {
    if (!window.confirm(t('history.confirmDelete'))) return
    await onDeleteEverything()
    setStatus(t('history.deleted'))
  }

  return (
    <div className="history-actions">
      <button type="button" className="button button--secondary" disabled={!hasData} onClick={() => void onExport().then(download)}>
        {t('history.export')}
      </button>
      <button type="button" className="button button--secondary" onClick={() => fileInput.current?.click()}>
        {t('history.import')}
      </button>
      <input
        ref={fileInput}
        className="visually-hidden"
        type="file"
        accept="application/json,.json"
        aria-label={t('history.import')}
        tabIndex={-1}
        onChange={(event) => void handleImport(event)}
      />
      <button type="button" className="button button--danger" disabled={!hasData} onClick={() => void handleDelete()}>
        {t('history.deleteEverything')}
      </button>
      <p className="history-actions__status" role="status">
        {status}
      </p>
    </div>
  )
}
