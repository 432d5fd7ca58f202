import { useTranslation } from 'react-i18next'

type HeatmapToggleProps = {
  description: string
  shown: boolean
  onShownChange: (shown: boolean) => void
}

// Turns the heat map over the photo on and off (a real checkbox: Tab to it, Space to flip it), and says in
// words where the model looked, for anyone who cannot see the colours.
export function HeatmapToggle({ description, shown, onShownChange }: HeatmapToggleProps) {
  const { t } = useTranslation()
  return (
    <div className="heatmap-toggle">
      <label className="heatmap-toggle__control">
        <input
          type="checkbox"
          className="heatmap-toggle__checkbox"
          checked={shown}
          onChange={(event) => onShownChange(event.target.checked)}
        />
        {t('heatmap.toggle')}
      </label>
      <p className="heatmap-toggle__caption" data-testid="heatmap-caption">
        {description}
      </p>
    </div>
  )
}
