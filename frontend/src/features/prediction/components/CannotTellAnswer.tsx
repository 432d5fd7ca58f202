import { useTranslation } from 'react-i18next'

// Shown instead of a most likely class when no class is clearly ahead (the API's `uncertain`, judged
// against a threshold chosen on validation images and stored with the model).
export function CannotTellAnswer({ id }: { id: string }) {
  const { t } = useTranslation()
  return (
    <div className="result__cannot-tell" id={id} data-testid="cannot-tell">
      <h3 className="result__answer-heading">{t('result.cannotTellHeading')}</h3>
      <p>{t('result.cannotTellText')}</p>
    </div>
  )
}
