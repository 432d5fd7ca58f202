import { describe, expect, it } from 'vitest'
import { confidentPrediction, HEATMAP_PNG, skinPhotoPrediction } from '@/testing/fixtures'
import { answerPredictWith, receivedPredictUrls } from '@/testing/server'
import { requestPrediction } from './predict'

const image = new File([new Uint8Array(16)], 'lesion.png', { type: 'image/png' })

// What an API from before the image-kind check and the heat map answered.
const {
  uncertain: _uncertain,
  image_kind: _kind,
  image_kind_score: _score,
  heatmap: _heatmap,
  heatmap_description: _description,
  ...olderAnswer
} = confidentPrediction

describe('requestPrediction', () => {
  it('always asks for the heat map: POST /predict?explain=true', async () => {
    await requestPrediction(image)
    expect(receivedPredictUrls).toEqual(['http://localhost:8000/predict?explain=true'])
  })

  it('passes on the uncertainty, image kind and heat map the API sent', async () => {
    answerPredictWith(200, { ...skinPhotoPrediction, uncertain: true })
    const prediction = await requestPrediction(image)
    expect(prediction).toMatchObject({
      uncertain: true,
      image_kind: 'skin-photo',
      image_kind_score: 0.88,
      heatmap: HEATMAP_PNG,
      heatmap_description: 'The model looked most at the centre of the image.',
    })
  })

  it('reads an older answer without those fields as certain, with no image-kind check and no heat map', async () => {
    answerPredictWith(200, olderAnswer)
    const prediction = await requestPrediction(image)
    expect(prediction.predicted_class).toBe('Melanocytic nevi')
    expect(prediction).toMatchObject({
      uncertain: false,
      image_kind: null,
      image_kind_score: null,
      heatmap: null,
      heatmap_description: null,
    })
  })

  it('drops values it cannot use rather than failing the result', async () => {
    answerPredictWith(200, {
      ...confidentPrediction,
      uncertain: 'yes',
      image_kind: 'x-ray',
      image_kind_score: 1.7,
      heatmap: 'https://elsewhere.example/map.png',
      heatmap_description: '  ',
    })
    const prediction = await requestPrediction(image)
    expect(prediction).toMatchObject({
      uncertain: false,
      image_kind: null,
      image_kind_score: null,
      heatmap: null,
      heatmap_description: null,
    })
  })
})
