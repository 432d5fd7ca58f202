import { AxiosError, AxiosHeaders, CanceledError } from 'axios'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { changeLanguage } from '@/lib/i18n'
import { hi } from '@/lib/locales/hi'
import { UnexpectedResponseError } from './predict'
import { predictionErrorMessage } from './prediction-error-message'

function answeredWith(status: number, data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders() }
  return new AxiosError('Request failed', 'ERR_BAD_RESPONSE', config, {}, {
    status,
    statusText: '',
    data,
    headers: {},
    config,
  })
}

describe('predictionErrorMessage', () => {
  it('says nothing for a request the page cancelled itself', () => {
    expect(predictionErrorMessage(new CanceledError())).toBe('')
  })

  it('says the page is offline when the server is needed and the network is off', () => {
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    try {
      expect(predictionErrorMessage(new AxiosError('Network Error', 'ERR_NETWORK'))).toMatch(/^You are offline/)
    } finally {
      onLine.mockRestore()
    }
  })

  it('tells a timeout apart from an unreachable server', () => {
    expect(predictionErrorMessage(new AxiosError('timeout of 60000ms exceeded', 'ECONNABORTED'))).toBe(
      'The analysis server took too long to answer. Please try again in a moment.',
    )
    expect(predictionErrorMessage(new AxiosError('Network Error', 'ERR_NETWORK'))).toMatch(
      /^Cannot reach the analysis server\./,
    )
  })

  it('names the upload limit for 413 and adds what the server said', () => {
    expect(predictionErrorMessage(answeredWith(413, { detail: 'File too large' }))).toBe(
      'This image is too large for the server. Please choose an image smaller than 10 MB. (Server message: File too large)',
    )
  })

  it("shows a 422's own words as they are, such as a refusal of a picture that is not skin", () => {
    const notSkin = 'This does not look like a photo of skin. Please upload a close, sharp photo of the skin lesion.'
    expect(predictionErrorMessage(answeredWith(422, { detail: notSkin }))).toBe(notSkin)
  })

  it('explains a 422 in general terms when the server sent no words of its own', () => {
    const general = 'The server could not read this image. It may be empty or damaged. Please choose another photo.'
    expect(predictionErrorMessage(answeredWith(422, {}))).toBe(general)
    expect(predictionErrorMessage(answeredWith(422, { detail: [{ msg: 'Field required' }] }))).toBe(
      `${general} (Server message: Field required)`,
    )
  })

  it('passes on the words of an error the page raised itself', () => {
    expect(predictionErrorMessage(new UnexpectedResponseError())).toMatch(/does not understand/)
  })
})

describe('predictionErrorMessage in Hindi', () => {
  beforeEach(() => changeLanguage('hi'))
  afterEach(() => changeLanguage('en'))

  it("words every failure in Hindi, adding the server's own words after them", () => {
    expect(predictionErrorMessage(new AxiosError('timeout', 'ECONNABORTED'))).toBe(hi.errors.timeout)
    expect(predictionErrorMessage(answeredWith(413, {}))).toBe(
      'यह तस्वीर सर्वर के लिए बहुत बड़ी है। कृपया 10 मेगाबाइट से छोटी तस्वीर चुनें।',
    )
    expect(predictionErrorMessage(answeredWith(422, { detail: 'Not skin.' }))).toBe(
      `${hi.errors.unreadable} (सर्वर का संदेश: Not skin.)`,
    )
    expect(predictionErrorMessage(new UnexpectedResponseError())).toBe(hi.errors.unexpectedAnswer)
  })
})
