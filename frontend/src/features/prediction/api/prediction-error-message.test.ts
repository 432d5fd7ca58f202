import { AxiosError, AxiosHeaders, CanceledError } from 'axios'
import { describe, expect, it } from 'vitest'
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

  it('passes on the words of an error the page raised itself', () => {
    expect(predictionErrorMessage(new UnexpectedResponseError())).toMatch(/does not understand/)
  })
})
