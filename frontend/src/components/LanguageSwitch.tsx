import { useTranslation } from 'react-i18next'
import { changeLanguage, LANGUAGES } from '@/lib/i18n'

// Two buttons, English and Hindi; the chosen one is pressed, and the browser remembers it.
export function LanguageSwitch() {
  const { t, i18n } = useTranslation()
  return (
    <div className="language-switch" role="group" aria-label={t('language.label')}>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          lang={language}
          className="language-switch__button"
          aria-pressed={i18n.language === language}
          onClick={() => void changeLanguage(language)}
        >
          {t(`language.${language}`)}
        </button>
      ))}
    </div>
  )
}
