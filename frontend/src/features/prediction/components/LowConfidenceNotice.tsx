export function LowConfidenceNotice({ threshold }: { threshold: number }) {
  return (
    <p className="notice notice--warning" data-testid="low-confidence-notice">
      <strong>The model is not confident about this image.</strong> No class reached{' '}
      {Math.round(threshold * 100)}%, so treat this result with extra caution. A sharp, well-lit,
      close-up photo of the lesion may give a clearer answer.
    </p>
  )
}
