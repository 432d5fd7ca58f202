import { useTranslation } from 'react-i18next'

// Shown instead of an answer when the picture does not look like skin: the model only knows skin lesions,
// so naming one, or charting them, would mean nothing.
export function NotSkinMessage({ id }: { id: string }) {
  const { t } = useTranslation()
  return (
    <div className="notice notice--warning" id={id} data-testid="not-skin">
      <h3 className="result__answer-heading">{t('result.notSkinHeading')}</h3>
      <p>{t('result.notSkinText')}</p>
    </div>
  )
}
