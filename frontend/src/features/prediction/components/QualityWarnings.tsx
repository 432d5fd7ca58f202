import { useTranslation } from 'react-i18next'
import type { QualityWarning } from '../api/predict'

// Problems with the photo itself, named in words (never by colour alone), each with advice: the server's own
// words in English, the page's translation of them by code in another language. A code this page does not
// know yet still shows the server's message.
export function QualityWarnings({ warnings }: { warnings: QualityWarning[] }) {
  const { t } = useTranslation()
  if (warnings.length === 0) return null
  return (
    <section className="notice notice--warning quality-warnings" aria-labelledby="quality-warnings-heading">
      <h3 id="quality-warnings-heading" className="notice__heading">
        {t('quality.heading')}
      </h3>
      <ul className="quality-warnings__list">
        {warnings.map((warning) => (
          <li key={warning.code}>
            <strong>{t(`quality.titles.${warning.code}`, { defaultValue: t('quality.otherTitle') })}:</strong>{' '}
            {t(`quality.advice.${warning.code}`, { defaultValue: warning.message })}
          </li>
        ))}
      </ul>
    </section>
  )
}
