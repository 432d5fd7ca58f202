export const DISCLAIMER_TEXT =
  'This tool is for education and research only. It is not a medical device and does not give a diagnosis. ' +
  'See a dermatologist or doctor about any skin lesion that worries you, changes, bleeds or itches.'

export function MedicalDisclaimer() {
  return (
    <aside className="disclaimer" aria-label="Medical disclaimer" data-testid="medical-disclaimer">
      <strong className="disclaimer__title">Not a medical diagnosis.</strong> {DISCLAIMER_TEXT}
    </aside>
  )
}
