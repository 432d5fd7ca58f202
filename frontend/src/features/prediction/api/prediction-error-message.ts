import axios from 'axios'
import { MAX_UPLOAD_BYTES } from '@/config'
import { readErrorDetail } from '@/lib/api-client'
import { currentLanguage, i18n } from '@/lib/i18n'
import { formatNumber } from '@/lib/intl'
import { UnexpectedResponseError } from './predict'

function withDetail(message: string, detail: string): string {
  return detail ? i18n.t('errors.serverSaid', { message, detail }) : message
}

function uploadLimit(): string {
  return i18n.t('upload.megabytes', { value: formatNumber(MAX_UPLOAD_BYTES / (1024 * 1024)) })
}

// The API's own error answers carry one `detail` sentence written for a person (in English); FastAPI's default
// validation errors (a list) do not.
function sentOwnWords(data: unknown): boolean {
  return typeof (data as { detail?: unknown } | null)?.detail === 'string'
}

// Turns a failed prediction request into one sentence a person can act on ('' when it was cancelled), in the
// page's language; what the server said is added in its own words.
export function predictionErrorMessage(error: unknown): string {
  if (axios.isCancel(error)) {
    return ''
  }
  if (error instanceof UnexpectedResponseError) {
    return i18n.t('errors.unexpectedAnswer')
  }
  if (!axios.isAxiosError(error)) {
    return error instanceof Error && error.message ? error.message : i18n.t('errors.unexpected')
  }
  if (!error.response) {
    // Offline, the server is out of reach: say so rather than suggest it is down.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      return i18n.t('errors.offline')
    }
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return i18n.t('errors.timeout')
    }
    return i18n.t('errors.unreachable')
  }

  const { status, data } = error.response
  const detail = readErrorDetail(data)
  switch (status) {
    case 413:
      return withDetail(i18n.t('errors.tooLarge', { limit: uploadLimit() }), detail)
    case 415:
      return withDetail(i18n.t('errors.unsupported'), detail)
    case 422:
      // The image could not be used: empty, damaged, or (where the server is set to refuse them) not a photo
      // of skin. Only the server knows which, so in English its own words are shown as they are; in another
      // language they follow the general sentence.
      if (detail && sentOwnWords(data) && currentLanguage() === 'en') return detail
      return withDetail(i18n.t('errors.unreadable'), detail)
    case 503:
      return i18n.t('errors.notReady')
    default:
      return i18n.t('errors.serverProblem', { status })
  }
}
