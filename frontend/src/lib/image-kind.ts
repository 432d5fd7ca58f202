import type { ApiSchemas } from '@/lib/api-client'

// What kind of picture an answer says it was: POST /predict's `image_kind`, and the answer graph's on the device.
export type ImageKind = NonNullable<ApiSchemas['PredictionResponse']['image_kind']>

const IMAGE_KINDS: readonly ImageKind[] = ['dermoscopy', 'skin-photo', 'not-skin']

// A kind this page does not know (from a newer model or API) counts as no check, so the answer is shown as usual.
export function readImageKind(value: unknown): ImageKind | null {
  return IMAGE_KINDS.find((kind) => kind === value) ?? null
}
