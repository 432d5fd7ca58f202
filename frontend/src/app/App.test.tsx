import { fireEvent, render, screen, within } from '@testing-library/react'
import userEvent, { type UserEvent } from '@testing-library/user-event'
import type { JsonBodyType } from 'msw'
import { describe, expect, it } from 'vitest'
import { DISCLAIMER_TEXT } from '@/features/disclaimer/components/MedicalDisclaimer'
import {
  confidentPrediction,
  makeImageFile,
  notSkinPrediction,
  skinPhotoPrediction,
  uncertainPrediction,
} from '@/testing/fixtures'
import {
  answerModelCardWith,
  answerPredictWith,
  failPredictWithNetworkError,
  holdPredictAnswer,
  receivedPredictUrls,
  receivedUploads,
} from '@/testing/server'
import { App } from './App'

// Long enough for an upload to reach the mocked API (a few milliseconds), so "nothing was sent" means it.
const UPLOAD_WAIT_MS = 200

function renderApp() {
  const user = userEvent.setup()
  render(<App />)
  return { user }
}

async function chooseAndAnalyze(user: UserEvent, file = makeImageFile()) {
  await user.upload(screen.getByLabelText('Choose an image file'), file)
  await user.click(screen.getByRole('button', { name: 'Analyze' }))
}

function dropFile(file: File) {
  fireEvent.drop(screen.getByTestId('drop-zone'), { dataTransfer: { files: [file] } })
}

describe('upload flow', () => {
  it('shows a preview, sends the image and shows the result', async () => {
    const { user } = renderApp()
    const analyzeButton = screen.getByRole('button', { name: 'Analyze' })
    expect(analyzeButton).toBeDisabled()

    await user.upload(screen.getByLabelText('Choose an image file'), makeImageFile('mole.png'))
    expect(screen.getByRole('img', { name: /preview of the chosen photo, mole\.png/i })).toBeInTheDocument()
    expect(analyzeButton).toBeEnabled()

    await user.click(analyzeButton)

    expect(await screen.findByTestId('top-prediction')).toHaveTextContent(
      'Most likely: Melanocytic nevi — 83.2% confidence',
    )
    expect(receivedUploads).toHaveLength(1)
    // jsdom loses the file name and bytes when msw reads its FormData; the "file" field and its type survive.
    expect(receivedUploads[0]?.type).toBe('image/png')
    expect(receivedPredictUrls).toEqual(['http://localhost:8000/predict?explain=true'])
    expect(screen.getByRole('heading', { name: 'Result' })).toHaveFocus()
    expect(screen.getByText(/Model version 3f2a9c1b7d4e/)).toBeInTheDocument()
    expect(screen.queryByTestId('cannot-tell')).not.toBeInTheDocument()
    expect(screen.queryByTestId('ordinary-photo-warning')).not.toBeInTheDocument()
  })

  it('shows a busy, disabled Analyze button while waiting for the server', async () => {
    const releaseAnswer = holdPredictAnswer()
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    const busyButton = await screen.findByRole('button', { name: 'Analyzing…' })
    expect(busyButton).toBeDisabled()
    expect(busyButton).toHaveAttribute('aria-busy', 'true')
    expect(screen.getByRole('button', { name: 'Take a photo' })).toBeDisabled()
    releaseAnswer()
    await screen.findByTestId('top-prediction')
    expect(screen.getByRole('button', { name: 'Analyze' })).toBeEnabled()
  })

  it('accepts a dropped image', async () => {
    const { user } = renderApp()
    dropFile(makeImageFile('dropped.jpg', { type: 'image/jpeg' }))
    expect(screen.getByRole('img', { name: /dropped\.jpg/ })).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Analyze' }))
    expect(await screen.findByTestId('top-prediction')).toHaveTextContent('Melanocytic nevi')
  })

  it('offers a camera input for phones', () => {
    renderApp()
    const cameraInput = screen.getByLabelText('Take a photo with the camera')
    expect(cameraInput).toHaveAttribute('capture', 'environment')
    expect(cameraInput).toHaveAttribute('accept', 'image/*')
    expect(screen.getByRole('button', { name: 'Take a photo' })).toBeInTheDocument()
  })

  it('opens the file picker from the keyboard with Enter or Space', async () => {
    const { user } = renderApp()
    const fileInput = screen.getByLabelText('Choose an image file')
    let pickerOpenings = 0
    fileInput.addEventListener('click', () => {
      pickerOpenings += 1
    })

    await user.tab() // the language switch: English
    await user.tab() // Hindi
    await user.tab()
    expect(screen.getByTestId('drop-zone')).toHaveFocus()
    await user.keyboard('{Enter}')
    await user.keyboard(' ')
    expect(pickerOpenings).toBe(2)
  })

  it('clears the previous result and error when a new image is chosen', async () => {
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    await screen.findByTestId('top-prediction')

    await user.upload(screen.getByLabelText('Choose an image file'), makeImageFile('second.png'))
    expect(screen.queryByTestId('top-prediction')).not.toBeInTheDocument()

    answerPredictWith(503, { detail: 'Model not loaded' })
    await user.click(screen.getByRole('button', { name: 'Analyze' }))
    await screen.findByRole('alert')

    await user.upload(screen.getByLabelText('Choose an image file'), makeImageFile('third.png'))
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})

describe('client-side checks', () => {
  // Presses Analyze anyway, then gives an upload time to arrive.
  async function expectNothingSentOnAnalyze(user: UserEvent) {
    await user.click(screen.getByRole('button', { name: 'Analyze' }))
    await new Promise((resolve) => setTimeout(resolve, UPLOAD_WAIT_MS))
    expect(receivedUploads).toHaveLength(0)
  }

  it('rejects a file that is not an image without sending it', async () => {
    const { user } = renderApp()
    dropFile(new File(['hello'], 'notes.txt', { type: 'text/plain' }))
    expect(screen.getByRole('alert')).toHaveTextContent('"notes.txt" is not an image')
    await expectNothingSentOnAnalyze(user)
    expect(screen.getByRole('button', { name: 'Analyze' })).toBeDisabled()
  })

  it('rejects an image over 10 MB without sending it', async () => {
    const { user } = renderApp()
    const hugeImage = makeImageFile('huge.png', { size: 10 * 1024 * 1024 + 1 })
    await user.upload(screen.getByLabelText('Choose an image file'), hugeImage)
    expect(screen.getByRole('alert')).toHaveTextContent('over the 10 MB limit')
    expect(screen.queryByRole('img')).not.toBeInTheDocument()
    await expectNothingSentOnAnalyze(user)
    expect(screen.getByRole('button', { name: 'Analyze' })).toBeDisabled()
  })
})

describe('result chart', () => {
  it('lists every class, highest first, with its percentage as text', async () => {
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    await screen.findByTestId('top-prediction')

    const chart = screen.getByRole('list', { name: 'Confidence for every class' })
    const rows = within(chart).getAllByRole('listitem')
    expect(rows).toHaveLength(confidentPrediction.all_predictions.length)
    expect(rows.map((row) => row.textContent)).toEqual([
      'Melanocytic nevi83.2%',
      'Melanoma9.0%',
      'Benign keratosis-like lesions4.0%',
      'Basal cell carcinoma2.0%',
      'Actinic keratoses1.0%',
      'Vascular lesions0.5%',
      'Dermatofibroma0.3%',
    ])

    const meters = within(chart).getAllByRole('meter')
    expect(meters).toHaveLength(7)
    expect(meters[1]).toHaveAccessibleName('Melanoma')
    expect(meters[1]).toHaveAttribute('aria-valuetext', '9.0%')
  })
})

describe('when the model cannot tell', () => {
  it('says so plainly instead of naming a class, and still shows the spread over every class', async () => {
    answerPredictWith(200, uncertainPrediction)
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    const result = await screen.findByRole('region', { name: 'Result' })
    expect(within(result).getByRole('heading', { name: 'The model cannot tell what this is' })).toBeInTheDocument()
    expect(screen.getByRole('heading', { name: 'Result' })).toHaveFocus()
    expect(result).not.toHaveTextContent('Most likely')
    const chart = within(result).getByRole('list', { name: 'Confidence for every class' })
    expect(within(chart).getAllByRole('listitem').map((row) => row.textContent)).toEqual([
      'Melanoma38.0%',
      'Melanocytic nevi34.0%',
      'Benign keratosis-like lesions28.0%',
    ])
    // Explaining "Melanoma" would name it after all.
    expect(screen.queryByRole('region', { name: /^What “/ })).not.toBeInTheDocument()
  })
})

describe('the kind of picture', () => {
  it('says a picture that is not skin is not skin, with no lesion named and no chart', async () => {
    answerPredictWith(200, notSkinPrediction)
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    const result = await screen.findByRole('region', { name: 'Result' })
    expect(within(result).getByRole('heading', { name: 'This does not look like a photo of skin' })).toBeInTheDocument()
    expect(result).toHaveTextContent('Please upload a close, sharp photo of the skin lesion itself')
    expect(screen.getByRole('heading', { name: 'Result' })).toHaveFocus()
    expect(result).not.toHaveTextContent('Melanocytic nevi')
    expect(screen.queryByRole('list', { name: 'Confidence for every class' })).not.toBeInTheDocument()
    expect(screen.queryByRole('region', { name: /^What “/ })).not.toBeInTheDocument()
  })

  it('warns before the answer that an ordinary photo gives unreliable results, and still answers', async () => {
    answerPredictWith(200, skinPhotoPrediction)
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    const result = await screen.findByRole('region', { name: 'Result' })
    const warning = within(result).getByRole('region', { name: /ordinary photo/ })
    expect(warning).toHaveTextContent('The model was trained on dermoscopy images')
    expect(within(result).getByTestId('top-prediction')).toHaveTextContent('Most likely: Melanocytic nevi — 83.2% confidence')
    expect(within(result).getByRole('list', { name: 'Confidence for every class' })).toBeInTheDocument()
    expect(await screen.findByRole('region', { name: 'What “Melanocytic nevi” means' })).toBeInTheDocument()
  })
})

describe('server errors', () => {
  it.each([
    [413, { detail: 'File too large' }, 'This image is too large for the server. Please choose an image smaller than 10 MB. (Server message: File too large)'],
    [415, { detail: 'Unsupported media type: text/plain' }, 'This file is not a supported image. Please choose a JPEG or PNG photo. (Server message: Unsupported media type: text/plain)'],
    [422, { detail: 'Could not decode image' }, 'Could not decode image'],
    [422, { detail: 'This does not look like a photo of skin. Please upload a close photo of the skin lesion.' }, 'This does not look like a photo of skin. Please upload a close photo of the skin lesion.'],
    [422, { detail: [{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }] }, 'The server could not read this image. It may be empty or damaged. Please choose another photo. (Server message: Field required)'],
    [503, { detail: 'Model not loaded' }, 'The model is not ready yet (it may still be loading). Please wait a minute and try again.'],
    [500, { detail: 'Traceback (most recent call last): ...' }, 'The analysis server had a problem (error 500). Please try again later.'],
  ] as [number, JsonBodyType, string][])('shows a clear message for HTTP %i', async (status, body, expectedMessage) => {
    answerPredictWith(status, body)
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    // The whole message, so a 422 shown with words around the server's own would fail.
    expect((await screen.findByRole('alert')).textContent).toBe(expectedMessage)
    expect(screen.queryByTestId('top-prediction')).not.toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Analyze' })).toBeEnabled()
  })

  it('explains when the server cannot be reached', async () => {
    failPredictWithNetworkError()
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Cannot reach the analysis server. Check your internet connection, or that the server is running, and try again.',
    )
  })

  it('explains when the server answers with something that is not a prediction', async () => {
    answerPredictWith(200, { unexpected: true })
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    expect(await screen.findByRole('alert')).toHaveTextContent('sent an answer this page does not understand')
  })
})

describe('medical disclaimer', () => {
  function expectDisclaimerVisible() {
    const disclaimer = screen.getByRole('complementary', { name: 'Medical disclaimer' })
    expect(disclaimer).toBeVisible()
    expect(disclaimer).toHaveTextContent(DISCLAIMER_TEXT)
  }

  it('is shown before, during and after an analysis, and on errors', async () => {
    const { user } = renderApp()
    expectDisclaimerVisible()
    await chooseAndAnalyze(user)
    expectDisclaimerVisible()
    await screen.findByTestId('top-prediction')
    expectDisclaimerVisible()

    answerPredictWith(415, { detail: 'Not an image' })
    await chooseAndAnalyze(user)
    await screen.findByRole('alert')
    expectDisclaimerVisible()
  })
})

describe('what the result means', () => {
  it('explains the top class beside the result, with the doctor line for melanoma', async () => {
    answerPredictWith(200, { ...uncertainPrediction, uncertain: false }) // Melanoma ahead, and named
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    const explanation = await screen.findByRole('region', { name: 'What “Melanoma” means' })
    expect(explanation).toHaveTextContent('Malignant (a type of skin cancer)')
    expect(within(explanation).getByTestId('see-a-doctor')).toHaveTextContent('Have it checked by a doctor.')
  })

  it('has no doctor line for a benign top class', async () => {
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    const explanation = await screen.findByRole('region', { name: 'What “Melanocytic nevi” means' })
    expect(explanation).toHaveTextContent('Benign (not cancer)')
    expect(screen.queryByTestId('see-a-doctor')).not.toBeInTheDocument()
  })

  it('shows the About this model panel with per-class recall before any upload', async () => {
    renderApp()
    const about = await screen.findByRole('region', { name: 'About this model' })
    expect(within(about).getAllByTestId('recall-row')).toHaveLength(7)
  })

  it('still shows results when the model card is not available', async () => {
    answerModelCardWith(503, { detail: 'Model is still loading; try again shortly.' })
    const { user } = renderApp()
    await chooseAndAnalyze(user)
    expect(await screen.findByTestId('top-prediction')).toHaveTextContent('Melanocytic nevi')
    expect(screen.queryByRole('region', { name: 'About this model' })).not.toBeInTheDocument()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
