import { useState } from 'react'
import { ErrorAlert } from '@/components/ErrorAlert'
import { MedicalDisclaimer } from '@/features/disclaimer/components/MedicalDisclaimer'
import { answerKind } from '@/features/prediction/answer-kind'
import { AboutModel } from '@/features/prediction/components/AboutModel'
import { ClassExplanation } from '@/features/prediction/components/ClassExplanation'
import { HeatmapToggle } from '@/features/prediction/components/HeatmapToggle'
import { PredictionResult } from '@/features/prediction/components/PredictionResult'
import { heatmapOf } from '@/features/prediction/heatmap'
import { useModelCard } from '@/features/prediction/hooks/useModelCard'
import { usePrediction } from '@/features/prediction/hooks/usePrediction'
import { ImagePicker } from '@/features/upload/components/ImagePicker'
import { ImagePreview } from '@/features/upload/components/ImagePreview'
import { findImageFileProblem } from '@/features/upload/validate-image'

export function App() {
  return (
    <div className="page">
      <header className="page__header">
        <div className="page__inner">
          <h1 className="page__title">Skin Lesion Classifier</h1>
          <p className="page__lead">
            Choose a photo of a skin lesion to see which type of lesion a machine learning model
            thinks it looks most like.
          </p>
        </div>
      </header>
      <main className="page__inner page__main">
        <MedicalDisclaimer />
        <LesionClassifier />
      </main>
      <footer className="page__footer">
        <div className="page__inner">
          Open-source research software. Photos are sent to the analysis server only when you press
          Analyze.
        </div>
      </footer>
    </div>
  )
}

function LesionClassifier() {
  const [imageFile, setImageFile] = useState<File | null>(null)
  const [fileProblem, setFileProblem] = useState('')
  const [showHeatmap, setShowHeatmap] = useState(true)
  const prediction = usePrediction()
  const isAnalyzing = prediction.status === 'loading'
  const result = prediction.status === 'success' ? prediction.result : null
  const modelCard = useModelCard(prediction.result?.model_version)
  // The class is explained only when the page names it (not for "cannot tell" or a picture that is not skin).
  const namedClass = result && answerKind(result) === 'named-class' ? result.predicted_class : undefined
  const topClass = modelCard?.classes.find((entry) => entry.name === namedClass)
  const heatmap = result && heatmapOf(result)

  const handleFileChosen = (candidate: File) => {
    prediction.reset()
    const problem = findImageFileProblem(candidate)
    setFileProblem(problem)
    setImageFile(problem ? null : candidate)
  }

  return (
    <>
      <section className="card" aria-labelledby="upload-heading">
        <h2 id="upload-heading">Photo</h2>
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
        <ErrorAlert message={fileProblem || prediction.errorMessage} />
        <button
          type="button"
          className="button button--primary analyze-button"
          onClick={() => {
            if (imageFile) void prediction.analyze(imageFile)
          }}
          disabled={!imageFile || isAnalyzing}
          aria-busy={isAnalyzing}
        >
          {isAnalyzing && <span className="spinner" aria-hidden="true" />}
          {isAnalyzing ? 'Analyzing…' : 'Analyze'}
        </button>
        <p className="photo-tips">
          For the clearest result: good light, the lesion in the centre and in focus, about 10 cm away.
        </p>
      </section>
      {result && <PredictionResult result={result} />}
      {topClass && <ClassExplanation modelClass={topClass} />}
      {modelCard && <AboutModel card={modelCard} />}
    </>
  )
}
