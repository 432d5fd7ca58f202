import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { changeLanguage, LANGUAGE_STORAGE_KEY, storedLanguage } from '@/lib/i18n'
import { en } from '@/lib/locales/en'
import { hi } from '@/lib/locales/hi'
import { App } from './App'

afterEach(async () => {
  await changeLanguage('en')
  localStorage.clear()
})

describe('language switch', () => {
  it('shows English first, then Hindi heading, button and disclaimer, and remembers the choice', async () => {
    const user = userEvent.setup()
    render(<App />)
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(en.page.title)
    expect(screen.getByRole('button', { name: 'English' })).toHaveAttribute('aria-pressed', 'true')
    expect(screen.queryByTestId('descriptions-in-english')).not.toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'हिन्दी (Hindi)' }))

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(hi.page.title)
    expect(screen.getByRole('button', { name: hi.upload.analyze })).toBeDisabled()
    expect(within(screen.getByTestId('medical-disclaimer')).getByText(hi.disclaimer.title)).toBeVisible()
    expect(screen.getByTestId('medical-disclaimer')).toHaveTextContent(hi.disclaimer.text)
    expect(screen.getByTestId('descriptions-in-english')).toHaveTextContent(hi.page.descriptionsInEnglish)
    expect(screen.getByRole('button', { name: 'हिन्दी (Hindi)' })).toHaveAttribute('aria-pressed', 'true')
    expect(document.documentElement.lang).toBe('hi')
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('hi')
    expect(storedLanguage()).toBe('hi')
  })

  it('reads an unknown stored language as English', () => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, 'xx')
    expect(storedLanguage()).toBe('en')
  })

  it('has every English key in Hindi, and a Hindi name for every class', () => {
    const keys = (messages: object, prefix = ''): string[] =>
      Object.entries(messages).flatMap(([key, value]) =>
        typeof value === 'object' && value !== null && key !== 'classes' ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`],
      )
    expect(keys(hi)).toEqual(keys(en))
    expect(Object.keys(hi.classes)).toHaveLength(7)
  })
})
