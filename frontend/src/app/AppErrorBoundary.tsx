import { Component, type ErrorInfo, type ReactNode } from 'react'
import { MedicalDisclaimer } from '@/features/disclaimer/components/MedicalDisclaimer'
import { i18n } from '@/lib/i18n'

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
          <h1 className="page__title">{i18n.t('crash.heading')}</h1>
          <p>{i18n.t('crash.text')}</p>
          <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
            {i18n.t('crash.reload')}
          </button>
        </div>
      </main>
    )
  }
}
