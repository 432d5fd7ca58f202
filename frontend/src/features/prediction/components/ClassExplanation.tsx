import type { ModelClass } from '../api/model-card'

const CATEGORY_TEXT: Record<ModelClass['category'], string> = {
  malignant: 'Malignant (a type of skin cancer)',
  'pre-malignant': 'Pre-malignant (can turn into skin cancer)',
  benign: 'Benign (not cancer)',
  unknown: 'not known',
}

// What the most likely class means, and for malignant and pre-malignant ones, to see a doctor.
export function ClassExplanation({ modelClass }: { modelClass: ModelClass }) {
  return (
    <section className="card class-explanation" aria-labelledby="class-explanation-heading">
      <h2 id="class-explanation-heading">What “{modelClass.name}” means</h2>
      <p className="class-explanation__category" data-testid="class-category">
        Category:{' '}
        <strong className={`category-label category-label--${modelClass.category}`}>
          {CATEGORY_TEXT[modelClass.category]}
        </strong>
      </p>
      <p data-testid="class-description">
        {modelClass.description ?? 'No description is available for this class.'}
      </p>
      {modelClass.see_a_doctor && (
        <p className="notice notice--error" data-testid="see-a-doctor">
          <strong>Have it checked by a doctor.</strong> Whatever the confidence, a lesion that might be{' '}
          {modelClass.category === 'malignant' ? 'a skin cancer' : 'pre-cancerous'} needs a doctor or
          dermatologist to look at it.
        </p>
      )}
    </section>
  )
}
