import { render, screen } from '@testing-library/react'
import { afterEach, expect, it, vi } from 'vitest'
import { AppErrorBoundary } from './AppErrorBoundary'

function BrokenComponent(): never {
  throw new Error('render failed')
}

afterEach(() => vi.restoreAllMocks())

it('shows a message and the disclaimer instead of a blank page when rendering fails', () => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  render(
    <AppErrorBoundary>
      <BrokenComponent />
    </AppErrorBoundary>,
  )
  expect(screen.getByRole('alert')).toHaveTextContent('Something went wrong on this page')
  expect(screen.getByRole('button', { name: 'Reload the page' })).toBeInTheDocument()
  expect(screen.getByTestId('medical-disclaimer')).toBeVisible()
  expect(screen.queryByText('render failed')).not.toBeInTheDocument()
})
