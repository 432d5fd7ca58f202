import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'

type SaveToSpotProps = {
  spotNames: string[]
  onSave: (spotName: string) => Promise<void>
}

// Names a spot (a new one, or one already followed) and saves the current photo and answer under it.
export function SaveToSpot({ spotNames, onSave }: SaveToSpotProps) {
  const { t } = useTranslation()
  const [name, setName] = useState(spotNames[0] ?? '')
  const [status, setStatus] = useState('')
  const [saving, setSaving] = useState(false)

  const handleSubmit = async (event: FormEvent) => {
    event.preventDefault()
    const spotName = name.trim()
    if (!spotName) return
    setSaving(true)
    try {
      await onSave(spotName)
      setStatus(t('history.saved', { name: spotName }))
    } catch (error) {
      setStatus(error instanceof Error ? error.message : String(error))
    } finally {
      setSaving(false)
    }
  }

  return (
    <form className="save-to-spot" onSubmit={(event) => void handleSubmit(event)}>
      <label className="save-to-spot__label" htmlFor="spot-name">
        {t('history.spotName')}
      </label>
      <input
        id="spot-name"
        className="save-to-spot__input"
        list="spot-names"
        value={name}
        placeholder={t('history.spotPlaceholder')}
        onChange={(event) => setName(event.target.value)}
        required
        maxLength={80}
      />
      <datalist id="spot-names">
        {spotNames.map((spotName) => (
          <option key={spotName} value={spotName} />
        ))}
      </datalist>
      <button type="submit" className="button button--secondary" disabled={saving || !name.trim()}>
        {t('history.save')}
      </button>
      <p className="save-to-spot__status" role="status">
        {status}
      </p>
    </form>
  )
}
