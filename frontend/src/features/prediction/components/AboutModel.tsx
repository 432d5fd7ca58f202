import { useTranslation } from 'react-i18next'
import { className, currentLanguage } from '@/lib/i18n'
import { formatNumber, formatPercent } from '@/lib/intl'
import { en } from '@/lib/locales/en'
import type { ModelCard, ModelClass } from '../api/model-card'

// Below this test recall a class is marked weak, in words as well as in style.
export const WEAK_RECALL = 0.5

// The model's statement of its use: the page's own words for the statement every artifact carries by default,
// and any other statement as the model sent it (in English).
function IntendedUse({ statement }: { statement: string }) {
  const { t } = useTranslation()
  if (statement === en.aboutModel.standardIntendedUse) return <p>{t('aboutModel.standardIntendedUse')}</p>
  return <p lang={currentLanguage() === 'en' ? undefined : 'en'}>{statement}</p>
}

function RecallCell({ modelClass }: { modelClass: ModelClass }) {
  const { t } = useTranslation()
  const { test_recall: recall, test_support: support } = modelClass
  if (typeof recall !== 'number') return <td>{t('aboutModel.notMeasured')}</td>
  const percent = formatPercent(recall)
  return (
    <td>
      {typeof support === 'number' ? t('aboutModel.recallOf', { percent, count: formatNumber(support) }) : percent}
      {recall < WEAK_RECALL && <strong className="recall-table__weak"> {t('aboutModel.weak')}</strong>}
    </td>
  )
}

// "Data, calibration and version": the figures behind the card, folded away. The data's description and
// licence are the model's own words (in English), marked as such.
function ModelFacts({ card }: { card: ModelCard }) {
  const { t } = useTranslation()
  const { calibration, data } = card
  const english = currentLanguage() === 'en' ? undefined : 'en'
  const split = calibration.fitted_on
  return (
    <details className="about-model__more">
      <summary>{t('aboutModel.more')}</summary>
      <ul>
        {data.description && (
          <li>
            {t('aboutModel.data')} <span lang={english}>{data.description}</span>
          </li>
        )}
        {data.licence && (
          <li>
            {t('aboutModel.licence')} <span lang={english}>{data.licence}</span>
          </li>
        )}
        {typeof calibration.temperature === 'number' && (
          <li>
            {split
              ? t('aboutModel.calibratedOn', {
                  temperature: formatNumber(calibration.temperature, 2),
                  split: t(`aboutModel.splits.${split}`, { defaultValue: split }),
                })
              : t('aboutModel.calibrated', { temperature: formatNumber(calibration.temperature, 2) })}
          </li>
        )}
        {typeof calibration.test_expected_calibration_error === 'number' && (
          <li>{t('aboutModel.calibrationError', { percent: formatPercent(calibration.test_expected_calibration_error) })}</li>
        )}
        {typeof calibration.uncertainty_threshold === 'number' && (
          <li>{t('aboutModel.threshold', { percent: formatPercent(calibration.uncertainty_threshold) })}</li>
        )}
        <li>
          {card.backbone
            ? t('aboutModel.backboneAndVersion', { backbone: card.backbone, version: card.model_version })
            : t('aboutModel.version', { version: card.model_version })}
        </li>
      </ul>
    </details>
  )
}

// "About this model": what it is for and, class by class, how often it was right on the test split.
export function AboutModel({ card }: { card: ModelCard }) {
  const { t } = useTranslation()
  return (
    <section className="card about-model" aria-labelledby="about-model-heading">
      <h2 id="about-model-heading">{t('aboutModel.heading')}</h2>
      <IntendedUse statement={card.intended_use} />
      <h3>{t('aboutModel.recallHeading')}</h3>
      <p className="about-model__hint">{t('aboutModel.recallHint')}</p>
      <div className="table-scroll">
        <table className="recall-table">
          <thead>
            <tr>
              <th scope="col">{t('aboutModel.classColumn')}</th>
              <th scope="col">{t('aboutModel.recallColumn')}</th>
            </tr>
          </thead>
          <tbody>
            {card.classes.map((modelClass) => (
              <tr key={modelClass.name} data-testid="recall-row">
                <th scope="row">{className(modelClass.name)}</th>
                <RecallCell modelClass={modelClass} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ModelFacts card={card} />
    </section>
  )
}
