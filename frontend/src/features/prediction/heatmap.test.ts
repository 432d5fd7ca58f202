import { afterEach, describe, expect, it } from 'vitest'
import { changeLanguage } from '@/lib/i18n'
import { en } from '@/lib/locales/en'
import { hi } from '@/lib/locales/hi'
import { describeHeatmap } from './heatmap'

const WITH_SHARE = 'The model looked most at the lower right of the image; the highlighted area covers about 37% of it.'

afterEach(() => changeLanguage('en'))

describe('describeHeatmap', () => {
  it("keeps the API's own sentence in English, and says something general when there is none", () => {
    expect(describeHeatmap(WITH_SHARE)).toBe(WITH_SHARE)
    expect(describeHeatmap('Something new.')).toBe('Something new.')
    expect(describeHeatmap(null)).toBe(en.heatmap.fallback)
  })

  it("writes the API's sentences in Hindi: the region, the share and nothing standing out", async () => {
    await changeLanguage('hi')
    expect(describeHeatmap(WITH_SHARE)).toBe(
      'मॉडल ने सबसे ज़्यादा तस्वीर के निचले दाएँ हिस्से को देखा; उभारा गया हिस्सा तस्वीर का लगभग 37% है।',
    )
    expect(describeHeatmap('The model looked most at the centre of the image.')).toBe(
      'मॉडल ने सबसे ज़्यादा तस्वीर के बीच के हिस्से को देखा।',
    )
    expect(describeHeatmap('No part of the image stood out to the model for this answer.')).toBe(
      hi.heatmap.nothingStoodOut,
    )
  })

  it('says something general in Hindi for a sentence it does not know, never the English', async () => {
    await changeLanguage('hi')
    expect(describeHeatmap('The model looked most at the far corner of the image.')).toBe(hi.heatmap.fallback)
    expect(describeHeatmap('Something new.')).toBe(hi.heatmap.fallback)
  })
})
