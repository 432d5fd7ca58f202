import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorAlert } from '@/components/ErrorAlert'
import { LanguageSwitch } from '@/components/LanguageSwitch'
import { PrivacyNote } from '@/components/PrivacyNote'
import { MedicalDisclaimer } from '@/features/disclaimer/components/MedicalDisclaimer'
import { LesionHistory } from '@/features/history/components/LesionHistory'
import { useOnDeviceAnalysis } from '@/features/on-device/hooks/useOnDeviceAnalysis'
import { answerKind } from '@/features/prediction/answer-kind'
import { AboutModel } from '@/features/prediction/components/AboutModel'
import { ClassExplanation } from '@/features/prediction/components/ClassExplanation'
import { HeatmapToggle } from '@/features/prediction/components/HeatmapToggle'
import { NextSteps } from '@/features/prediction/components/NextSteps'
import { PredictionResult } from '@/features/prediction/components/PredictionResult'
import { heatmapOf } from '@/features/prediction/heatmap'
import { useModelCard } from '@/features/prediction/hooks/useModelCard'
import { usePrediction } from '@/features/prediction/hooks/usePrediction'
import { nextSteps } from '@/features/prediction/next-steps'
import { DownloadReportButton } from '@/features/report/components/DownloadReportButton'
import { ImagePicker } from '@/features/upload/components/ImagePicker'
import { ImagePreview } from '@/features/upload/components/ImagePreview'
import { findImageFileProblem } from '@/features/upload/validate-image'
import { className } from '@/lib/i18n'
import { photoDataUrl } from '@/lib/photo-data-url'
import { historyEntry, reportInput } from './answer-exports'

export function App() {
  const { t } = useTranslation()
  return (
    <div className="page">
      <header className="page__header">
        <div className="page__inner">
          <LanguageSwitch />
          <h1 className="page__title">{t('page.title')}</h1>
          <p className="page__lead">{t('page.lead')}</p>
        </div>
      </header>
      <main className="page__inner page__main">
        <MedicalDisclaimer />
        <LesionClassifier />
      </main>
      <footer className="page__footer">
        <div className="page__inner">
          <PrivacyNote />
          <p>{t('page.footer')}</p>
        </div>
      </footer>
    </div>
  )
}

function LesionClassifier() {
  const { t } = useTranslation()
  const [imageFile, setImageFile] = useState<File | null>(null)
  // A file the page refused to send; its problem is worded on each render, in the page's language.
  const [refusedFile, setRefusedFile] = useState<File | null>(null)
  const [showHeatmap, setShowHeatmap] = useState(true)
  const onDevice = useOnDeviceAnalysis()
  const prediction = usePrediction(onDevice.analyse)
  const isAnalyzing = prediction.status === 'loading'
  const result = prediction.status === 'success' ? prediction.result : null
  const modelCard = useModelCard(prediction.result?.model_version)
  const kind = result && answerKind(result)
  // The class is explained only when the page names it (not for "cannot tell" or a picture that is not skin).
  const namedClass = result && kind === 'named-class' ? result.predicted_class : undefined
  const topClass = modelCard?.classes.find((entry) => entry.name === namedClass)
  const heatmap = result && heatmapOf(result)
  const steps =
    result &&
    nextSteps({
      category: modelCard?.classes.find((entry) => entry.name === result.predicted_class)?.category ?? null,
      uncertain: result.uncertain,
      imageKind: result.image_kind,
    })
  const savable = result && imageFile && kind !== 'not-skin' ? { result, imageFile } : null

  const handleFileChosen = (candidate: File) => {
    prediction.reset()
    const refused = findImageFileProblem(candidate) !== ''
    setRefusedFile(refused ? candidate : null)
    setImageFile(refused ? null : candidate)
  }

  return (
    <>
      <section className="card" aria-labelledby="upload-heading">
        <h2 id="upload-heading">{t('upload.heading')}</h2>
        <ImagePicker onFileChosen={handleFileChosen} disabled={isAnalyzing} />
        {imageFile && (
          <ImagePreview
            file={imageFile}
            overlay={heatmap && showHeatmap ? { src: heatmap.src, alt: heatmap.description } : null}
          />
        )}
        {heatmap && (
          <HeatmapToggle description={heatmap.description} shown={showHeatmap} onShownChange={setShowHeatmap} />
        )}
        <ErrorAlert message={(refusedFile && findImageFileProblem(refusedFile)) || prediction.errorMessage} />
        <button
          type="button"
          className="button button--primary analyze-button"
          onClick={() => {
            if (imageFile) void prediction.analyze(imageFile)
          }}
          disabled={!imageFile || isAnalyzing}
          aria-busy={isAnalyzing}
          data-on-device={onDevice.ready ? 'ready' : 'not-ready'}
        >
          {isAnalyzing && <span className="spinner" aria-hidden="true" />}
          {isAnalyzing ? t('upload.analyzing') : t('upload.analyze')}
        </button>
        <p className="photo-tips">{t('upload.tips')}</p>
      </section>
      {result && <PredictionResult result={result} />}
      {steps && <NextSteps steps={steps} />}
      {savable && steps && (
        <DownloadReportButton
          makeInput={async () =>
            reportInput(savable.result, modelCard, steps, await photoDataUrl(savable.imageFile), new Date())
          }
        />
      )}
      {topClass && <ClassExplanation modelClass={topClass} />}
      <LesionHistory
        makeEntry={
          savable ? async () => historyEntry(savable.result, await photoDataUrl(savable.imageFile), new Date()) : null
        }
        nameOf={className}
      />
      {modelCard && <AboutModel card={modelCard} />}
    </>
  )
}
