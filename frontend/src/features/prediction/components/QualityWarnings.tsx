import type { QualityWarning } from '../api/predict'

// Short names for the codes the API sends; a code this page does not know yet still shows its message.
const TITLES: Record<string, string> = {
  too_dark: 'Too dark',
  too_bright: 'Too bright',
  blurred: 'Blurred',
  too_small: 'Too small',
}

// Problems with the photo itself, named in words (never by colour alone), each with the server's advice.
export function QualityWarnings({ warnings }: { warnings: QualityWarning[] }) {
  if (warnings.length === 0) return null
  return (
    <section className="notice notice--warning quality-warnings" aria-labelledby="quality-warnings-heading">
      <h3 id="quality-warnings-heading" className="notice__heading">
        Photo quality: this result may be less reliable
      </h3>
      <ul className="quality-warnings__list">
        {warnings.map((warning) => (
          <li key={warning.code}>
            <strong>{TITLES[warning.code] ?? 'Photo problem'}:</strong> {warning.message}
          </li>
        ))}
      </ul>
    </section>
  )
}
