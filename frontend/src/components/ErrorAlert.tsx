// A message the page cannot go on without; role="alert" makes screen readers announce it.
export function ErrorAlert({ message }: { message: string }) {
  if (!message) return null
  return (
    <div className="notice notice--error" role="alert">
      {message}
    </div>
  )
}
