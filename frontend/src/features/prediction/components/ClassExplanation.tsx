import { useTranslation } from 'react-i18next'
import { className, currentLanguage } from '@/lib/i18n'
import type { ModelClass } from '../api/model-card'
import { describedIn } from '../class-description'

// What the most likely class means, and for malignant and pre-malignant ones, to see a doctor.
export function ClassExplanation({ modelClass }: { modelClass: ModelClass }) {
  const { t } = useTranslation()
  const description = describedIn(modelClass, currentLanguage())
  return (
    <section className="card class-explanation" aria-labelledby="class-explanation-heading">
      <h2 id="class-explanation-heading">{t('classExplanation.heading', { name: className(modelClass.name) })}</h2>
      <p className="class-explanation__category" data-testid="class-category">
        {t('classExplanation.category')}{' '}
        <strong className={`category-label category-label--${modelClass.category}`}>
          {t(`classExplanation.categories.${modelClass.category}`)}
        </strong>
      </p>
      {description?.inOtherLanguage && (
        <p className="class-explanation__note" data-testid="description-language-note">
          {t('classExplanation.onlyInEnglish')}
        </p>
      )}
      <p data-testid="class-description" lang={description?.inOtherLanguage ? description.language : undefined}>
        {description?.text ?? t('classExplanation.noDescription')}
      </p>
      {modelClass.see_a_doctor && (
        <p className="notice notice--error" data-testid="see-a-doctor">
          <strong>{t('classExplanation.seeADoctorTitle')}</strong>{' '}
          {t(`classExplanation.seeADoctor.${modelClass.category === 'malignant' ? 'malignant' : 'pre-malignant'}`)}
        </p>
      )}
    </section>
  )
}
