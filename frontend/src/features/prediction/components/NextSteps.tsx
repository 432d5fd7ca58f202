import { useTranslation } from 'react-i18next'
import type { NextSteps as Steps } from '../next-steps'

const ABCDE = ['a', 'b', 'c', 'd', 'e'] as const

// "What to do next" under an answer: the advice the rules chose, the ABCDE checklist, and always when to see a doctor.
export function NextSteps({ steps }: { steps: Steps }) {
  const { t } = useTranslation()
  return (
    <section
      className={`card next-steps next-steps--${steps.urgency}`}
      aria-labelledby="next-steps-heading"
      data-testid="next-steps"
      data-urgency={steps.urgency}
    >
      <h2 id="next-steps-heading">{t('nextSteps.heading')}</h2>
      {steps.advice.map((advice) => (
        <p key={advice} data-testid="next-steps-advice" data-advice={advice}>
          {t(`nextSteps.advice.${advice}`)}
        </p>
      ))}
      {steps.checklist && (
        <>
          <h3>{t('nextSteps.checklistHeading')}</h3>
          <ul className="next-steps__checklist">
            {ABCDE.map((letter) => (
              <li key={letter}>{t(`nextSteps.abcde.${letter}`)}</li>
            ))}
          </ul>
        </>
      )}
      <p className="next-steps__always">
        <strong>{t('nextSteps.always')}</strong>
      </p>
    </section>
  )
}
