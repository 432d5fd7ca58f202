import { describe, expect, it } from 'vitest'
import { readOnDeviceModel } from './model-info'

const onDevice = {
  model_version: 'f85828f24050',
  image_size: 224,
  class_names: ['Actinic keratoses', 'Melanoma'],
  image_kinds: ['dermoscopy', 'skin-photo', 'not-skin'],
  model: { url: 'model/files/model.onnx', sha256: 'AB'.repeat(32), bytes: 27_324_349 },
  answer: { url: 'model/files/answer.onnx', sha256: 'cd'.repeat(32), bytes: 123_456 },
}

describe('readOnDeviceModel', () => {
  it('reads GET /model’s on_device, with the files’ URLs joined to the API address', () => {
    expect(readOnDeviceModel({ model_version: 'x', on_device: onDevice })).toEqual({
      modelVersion: 'f85828f24050',
      imageSize: 224,
      classNames: ['Actinic keratoses', 'Melanoma'],
      imageKinds: ['dermoscopy', 'skin-photo', 'not-skin'],
      model: { url: 'http://localhost:8000/model/files/model.onnx', sha256: 'ab'.repeat(32), bytes: 27_324_349 },
      answer: { url: 'http://localhost:8000/model/files/answer.onnx', sha256: 'cd'.repeat(32), bytes: 123_456 },
    })
  })

  it('reads a model without an image-kind check, which names no kinds', () => {
    expect(readOnDeviceModel({ on_device: { ...onDevice, image_kinds: [] } })?.imageKinds).toEqual([])
  })

  it('says the model cannot run here when the field is null, missing or not understood', () => {
    expect(readOnDeviceModel({ on_device: null })).toBeNull()
    expect(readOnDeviceModel({})).toBeNull()
    expect(readOnDeviceModel('<html>')).toBeNull()
    expect(readOnDeviceModel({ on_device: { ...onDevice, model: { ...onDevice.model, sha256: 'short' } } })).toBeNull()
    expect(readOnDeviceModel({ on_device: { ...onDevice, image_size: '224' } })).toBeNull()
    expect(readOnDeviceModel({ on_device: { ...onDevice, class_names: [] } })).toBeNull()
    expect(readOnDeviceModel({ on_device: { ...onDevice, image_kinds: 'dermoscopy' } })).toBeNull()
  })
})
