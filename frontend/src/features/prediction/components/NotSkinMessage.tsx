// Shown instead of an answer when the picture does not look like skin: the model only knows skin lesions,
// so naming one, or charting them, would mean nothing.
export function NotSkinMessage({ id }: { id: string }) {
  return (
    <div className="notice notice--warning" id={id} data-testid="not-skin">
      <h3 className="result__answer-heading">This does not look like a photo of skin</h3>
      <p>
        The model only knows skin lesions, so it gives no answer for this picture. Please upload a close,
        sharp photo of the skin lesion itself, in good light, with the lesion in the centre.
      </p>
    </div>
  )
}
