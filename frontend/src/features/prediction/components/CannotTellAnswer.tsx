// Shown instead of a most likely class when no class is clearly ahead (the API's `uncertain`, judged
// against a threshold chosen on validation images and stored with the model).
export function CannotTellAnswer({ id }: { id: string }) {
  return (
    <div className="result__cannot-tell" id={id} data-testid="cannot-tell">
      <h3 className="result__answer-heading">The model cannot tell what this is</h3>
      <p>
        No class is clearly more likely than the others, so this page does not name one. The chart below
        shows how the model spread its confidence over every class. A sharp, well-lit, close-up photo of the
        lesion may give a clearer answer; if the lesion worries you, have it checked by a doctor.
      </p>
    </div>
  )
}
