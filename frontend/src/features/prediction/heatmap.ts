import { currentLanguage, i18n } from '@/lib/i18n'
import { formatPercent } from '@/lib/intl'
import type { Messages } from '@/lib/locales/en'
import { answerKind } from './answer-kind'
import type { Prediction } from './api/predict'

export type Heatmap = { src: string; description: string }

type Region = keyof Messages['heatmap']['regions']
const REGIONS: readonly Region[] = [
  'upper left',
  'top',
  'upper right',
  'left',
  'centre',
  'right',
  'lower left',
  'bottom',
  'lower right',
]

function isRegion(value: string | undefined): value is Region {
  return REGIONS.some((region) => region === value)
}

// The API's sentences (skin_classifier.serving.explain.describe), matched so they can be written in the page's
// language: "The model looked most at the centre of the image; the highlighted area covers about 37% of it."
const LOOKED_AT = /^The model looked most at (?:the )?([a-z ]+?) of the image(?:; the highlighted area covers about (\d+)% of it)?\.$/
const NOTHING_STOOD_OUT = 'No part of the image stood out to the model for this answer.'

// The heat map in words, in the page's language. In English the API's own sentence is shown; in another language
// a sentence the page does not recognise is replaced by the general one, not shown in English.
export function describeHeatmap(apiSentence: string | null): string {
  if (!apiSentence) return i18n.t('heatmap.fallback')
  if (currentLanguage() === 'en') return apiSentence
  if (apiSentence === NOTHING_STOOD_OUT) return i18n.t('heatmap.nothingStoodOut')
  const match = LOOKED_AT.exec(apiSentence)
  const region = match?.[1]
  if (!match || !isRegion(region)) return i18n.t('heatmap.fallback')
  const where = i18n.t(`heatmap.regions.${region}`)
  const share = match[2]
  return share === undefined
    ? i18n.t('heatmap.lookedAt', { region: where })
    : i18n.t('heatmap.lookedAtWithShare', { region: where, share: formatPercent(Number(share) / 100, 0) })
}

// The heat map to lay over the photo, with the sentence that says the same in words. None for a picture
// that is not skin: there is no lesion answer for it to explain.
export function heatmapOf(prediction: Prediction): Heatmap | null {
  if (!prediction.heatmap || answerKind(prediction) === 'not-skin') return null
  return { src: prediction.heatmap, description: describeHeatmap(prediction.heatmap_description) }
}
