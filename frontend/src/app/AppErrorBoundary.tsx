import { Component, type ErrorInfo, type ReactNode } from 'react'
import { MedicalDisclaimer } from '@/features/disclaimer/components/MedicalDisclaimer'

// Shows a calm message instead of a blank page if rendering ever fails.
export class AppErrorBoundary extends Component<{ children: ReactNode }, { hasError: boolean }> {
  state = { hasError: false }

  static getDerivedStateFromError() {
    return { hasError: true }
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('The page failed to render:', error, info.componentStack)
  }

  render() {
    if (!this.state.hasError) return this.props.children
    return (
      <main className="page__inner page__main">
        <MedicalDisclaimer />
        <div className="card" role="alert">
          <h1 className="page__title">Something went wrong on this page</h1>
          <p>The page hit an unexpected problem. Reloading usually fixes it.</p>
          <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </div>
      </main>
    )
  }
}
