// What to do next after an answer, decided in one place from three things: the top class's category (from
// GET /model), whether the answer is uncertain, and the image kind. Each advice key names a sentence under
// nextSteps.advice in the locale files; none of them names a diagnosis.

// The model card's class categories and the answer's image kinds (plain here, so the browser test can run
// these rules on the API's answers too).
export type Category = 'malignant' | 'pre-malignant' | 'benign' | 'unknown'
export type ImageKind = 'dermoscopy' | 'skin-photo' | 'not-skin'
export type Advice = Category | 'uncertain' | 'notSkin' | 'skinPhoto'
export type Urgency = 'see-a-doctor' | 'retake' | 'watch'

export type NextStepsInput = {
  category: Category | null // null: the top class is not in the model card (or the card did not load)
  uncertain: boolean
  imageKind: ImageKind | null
}

export type NextSteps = {
  urgency: Urgency
  advice: Advice[] // in the order shown
  checklist: boolean // show the ABCDE checklist
}

export function nextSteps({ category, uncertain, imageKind }: NextStepsInput): NextSteps {
  // A picture that is not skin says nothing about any spot: only how to try again.
  if (imageKind === 'not-skin') return { urgency: 'retake', advice: ['notSkin'], checklist: false }
  const caveat: Advice[] = imageKind === 'skin-photo' ? ['skinPhoto'] : []
  if (uncertain) return { urgency: 'retake', advice: [...caveat, 'uncertain'], checklist: true }
  const known = category ?? 'unknown'
  const urgency: Urgency = known === 'malignant' || known === 'pre-malignant' ? 'see-a-doctor' : 'watch'
  return { urgency, advice: [...caveat, known], checklist: true }
}
