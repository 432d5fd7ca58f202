import { describe, expect, it } from 'vitest'
import { assembleAnswer } from './answer'
import type { OnDeviceModel } from './model-info'
import type { RawAnswer } from './protocol'

const model: OnDeviceModel = {
  modelVersion: 'f85828f24050',
  imageSize: 224,
  classNames: ['Actinic keratoses', 'Melanoma', 'Melanocytic nevi'],
  imageKinds: ['dermoscopy', 'skin-photo', 'not-skin'],
  model: { url: 'http://localhost:8000/model/files/model.onnx', sha256: 'a'.repeat(64), bytes: 10 },
  answer: { url: 'http://localhost:8000/model/files/answer.onnx', sha256: 'b'.repeat(64), bytes: 5 },
}

const raw: RawAnswer = {
  probabilities: [0.1, 0.25, 0.65],
  uncertain: false,
  imageKindIndex: 1,
  imageKindScore: 0.8,
  qualityFlags: [true, false, false, true],
  heatmap: 'data:image/png;base64,AAAA',
  heatmapDescription: 'The model looked most at the centre of the image; the highlighted area covers about 20% of it.',
  inferenceMs: 123.4,
}

describe('assembleAnswer', () => {
  it('ranks the classes in the order of GET /model and says the answer was computed on this device', () => {
    const answer = assembleAnswer(raw, model)
    expect(answer.predicted_class).toBe('Melanocytic nevi')
    expect(answer.confidence).toBe(0.65)
    expect(answer.all_predictions.map(({ class_name: name }) => name)).toEqual([
      'Melanocytic nevi',
      'Melanoma',
      'Actinic keratoses',
    ])
    expect(answer).toMatchObject({
      computedOn: 'device',
      image_kind: 'skin-photo',
      image_kind_score: 0.8,
      model_version: 'f85828f24050',
      runtime: 'onnxruntime-web',
      heatmap: raw.heatmap,
      heatmap_description: raw.heatmapDescription,
    })
  })

  it('names the quality problems by code with the server’s English advice', () => {
    const answer = assembleAnswer(raw, model)
    expect(answer.quality_warnings.map(({ code }) => code)).toEqual(['too_dark', 'too_small'])
    expect(answer.quality_warnings[0]?.message).toMatch(/^The photo is too dark/)
    expect(answer.quality_warnings[1]?.message).toMatch(/under 224 pixels/)
  })

  it('has no image kind when the model has no image-kind check', () => {
    const answer = assembleAnswer({ ...raw, imageKindIndex: null, imageKindScore: null }, model)
    expect(answer.image_kind).toBeNull()
    expect(answer.image_kind_score).toBeNull()
  })

  it('refuses an answer with another number of classes than GET /model names', () => {
    expect(() => assembleAnswer({ ...raw, probabilities: [1] }, model)).toThrow()
  })
})
