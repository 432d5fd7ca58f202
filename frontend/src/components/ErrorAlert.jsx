export function ErrorAlert({ message }) {
  if (!message) return null
  return (
    <div className="notice notice--error" role="alert">
      {message}
    </div>
  )
}
