import { useTranslation } from 'react-i18next'
import { en } from '@/lib/locales/en'

export const DISCLAIMER_TEXT = en.disclaimer.text

export function MedicalDisclaimer() {
  const { t } = useTranslation()
  return (
    <aside className="disclaimer" aria-label={t('disclaimer.label')} data-testid="medical-disclaimer">
      <strong className="disclaimer__title">{t('disclaimer.title')}</strong> {t('disclaimer.text')}
    </aside>
  )
}
