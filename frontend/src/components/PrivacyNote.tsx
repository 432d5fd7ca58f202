import { useTranslation } from 'react-i18next'

// What happens to a photo: the server keeps none (backend/tests/test_privacy.py checks it), the rest stays here.
export function PrivacyNote() {
  const { t } = useTranslation()
  return (
    <section className="privacy-note" aria-labelledby="privacy-heading">
      <h2 id="privacy-heading" className="privacy-note__heading">
        {t('privacy.heading')}
      </h2>
      <p>{t('privacy.text')}</p>
    </section>
  )
}
