import { useTranslation } from 'react-i18next'

// Shown before the answer when the picture looks like an ordinary photo of skin rather than a dermoscopy image.
export function OrdinaryPhotoWarning({ id }: { id: string }) {
  const { t } = useTranslation()
  return (
    <section
      className="notice notice--warning"
      id={id}
      aria-labelledby={`${id}-heading`}
      data-testid="ordinary-photo-warning"
    >
      <h3 id={`${id}-heading`} className="notice__heading">
        {t('result.ordinaryPhotoHeading')}
      </h3>
      <p>{t('result.ordinaryPhotoText')}</p>
    </section>
  )
}
