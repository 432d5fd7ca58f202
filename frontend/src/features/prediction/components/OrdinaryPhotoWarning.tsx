// Shown before the answer when the picture looks like an ordinary photo of skin rather than a dermoscopy image.
export function OrdinaryPhotoWarning({ id }: { id: string }) {
  return (
    <section
      className="notice notice--warning"
      id={id}
      aria-labelledby={`${id}-heading`}
      data-testid="ordinary-photo-warning"
    >
      <h3 id={`${id}-heading`} className="notice__heading">
        This looks like an ordinary photo: the result below is unreliable
      </h3>
      <p>
        The model was trained on dermoscopy images: pictures taken through a dermatoscope, a skin microscope
        with its own light that is pressed to or held close to the skin. On ordinary photos its results are
        unreliable.
      </p>
    </section>
  )
}
