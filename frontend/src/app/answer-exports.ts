import type { NewEntry } from '@/features/history/history-store'
import type { ModelCard } from '@/features/prediction/api/model-card'
import type { Prediction } from '@/features/prediction/api/predict'
import { answerKind } from '@/features/prediction/answer-kind'
import { heatmapOf } from '@/features/prediction/heatmap'
import type { NextSteps } from '@/features/prediction/next-steps'
import type { ReportInput } from '@/features/report/build-report'
import { i18n } from '@/lib/i18n'
import { en } from '@/lib/locales/en'

// The answer passed on to the report and the lesion history, in their own plain shapes.

const ANSWER_IN_WORDS = {
  'not-skin': 'This does not look like a photo of skin: no class is named.',
  'cannot-tell': 'The model cannot tell what this is: no class is clearly more likely than the others.',
} as const

function namedClass(prediction: Prediction): string | null {
  return answerKind(prediction) === 'named-class' ? prediction.predicted_class : null
}

function classes(prediction: Prediction) {
  return prediction.all_predictions.map(({ class_name: name, confidence }) => ({ name, confidence }))
}

// The report is written in English (its standard fonts have no Devanagari), whatever the page's language.
export function reportInput(
  prediction: Prediction,
  card: ModelCard | null,
  steps: NextSteps,
  photo: string,
  date: Date,
): ReportInput {
  const kind = answerKind(prediction)
  const english = i18n.getFixedT('en')
  const top = namedClass(prediction)
  return {
    photo,
    heatmap: heatmapOf(prediction)?.src ?? null,
    topClass: top,
    answer: kind === 'named-class' ? `Most likely class: ${top ?? ''}` : ANSWER_IN_WORDS[kind],
    classes: classes(prediction),
    imageKind: prediction.image_kind,
    qualityWarnings: (prediction.quality_warnings ?? []).map((warning) => warning.message),
    nextSteps: [...steps.advice.map((advice) => english(`nextSteps.advice.${advice}`)), english('nextSteps.always')],
    modelVersion: prediction.model_version ?? card?.model_version ?? 'not given',
    accuracy: card?.test?.accuracy ?? null,
    balancedAccuracy: card?.test?.balanced_accuracy ?? null,
    date,
    disclaimer: `${en.disclaimer.title} ${en.disclaimer.text}`,
  }
}

export function historyEntry(prediction: Prediction, photo: string, date: Date): NewEntry {
  return {
    takenAt: date.toISOString(),
    photo,
    topClass: namedClass(prediction),
    confidence: prediction.confidence,
    classes: classes(prediction),
    imageKind: prediction.image_kind,
    modelVersion: prediction.model_version ?? null,
  }
}
