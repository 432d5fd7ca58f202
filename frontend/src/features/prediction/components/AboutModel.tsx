import type { ModelCard } from '../api/model-card'
import { formatPercent } from '../format'

// Below this test recall a class is marked weak, in words as well as in style.
export const WEAK_RECALL = 0.5

// "About this model": what it is for and, class by class, how often it was right on the test split.
export function AboutModel({ card }: { card: ModelCard }) {
  const { calibration, data } = card
  return (
    <section className="card about-model" aria-labelledby="about-model-heading">
      <h2 id="about-model-heading">About this model</h2>
      <p>{card.intended_use}</p>
      <h3>How often it was right, class by class</h3>
      <p className="about-model__hint">
        Recall: the share of test images of each class that the model named correctly. Photos unlike its
        training images can do worse.
      </p>
      <div className="table-scroll">
        <table className="recall-table">
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col">Recall on test images</th>
            </tr>
          </thead>
          <tbody>
            {card.classes.map((modelClass) => (
              <tr key={modelClass.name} data-testid="recall-row">
                <th scope="row">{modelClass.name}</th>
                <td>
                  {typeof modelClass.test_recall === 'number' ? (
                    <>
                      {formatPercent(modelClass.test_recall)}
                      {typeof modelClass.test_support === 'number' && ` of ${modelClass.test_support} images`}
                      {modelClass.test_recall < WEAK_RECALL && <strong className="recall-table__weak"> (weak)</strong>}
                    </>
                  ) : (
                    'not measured'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details className="about-model__more">
        <summary>Data, calibration and version</summary>
        <ul>
          {data.description && <li>Data: {data.description}</li>}
          {data.licence && <li>Data licence: {data.licence}</li>}
          {typeof calibration.temperature === 'number' && (
            <li>
              Confidences are calibrated (temperature {calibration.temperature.toFixed(2)}
              {calibration.fitted_on ? `, fitted on the ${calibration.fitted_on} split` : ''}).
            </li>
          )}
          {typeof calibration.test_expected_calibration_error === 'number' && (
            <li>
              On test images, confidence and accuracy differ by{' '}
              {formatPercent(calibration.test_expected_calibration_error)} on average (expected calibration
              error).
            </li>
          )}
          {typeof calibration.uncertainty_threshold === 'number' && (
            <li>
              When no class reaches {formatPercent(calibration.uncertainty_threshold)} confidence, a level chosen on
              validation images, the page says the model cannot tell instead of naming a class.
            </li>
          )}
          <li>
            {card.backbone ? `Backbone ${card.backbone}; version` : 'Version'} {card.model_version}
          </li>
        </ul>
      </details>
    </section>
  )
}
