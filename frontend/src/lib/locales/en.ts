// The page's words in English. Keys are shared with hi.ts; a key missing there falls back to these.
export const en = {
  page: {
    title: 'Skin Lesion Classifier',
    lead: 'Choose a photo of a skin lesion to see which type of lesion a machine learning model thinks it looks most like.',
    footer:
      'Open-source research software. Where this browser can, photos are analysed on this device and never leave it; ' +
      'otherwise they are sent to the analysis server only when you press Analyze.',
  },
  language: { label: 'Language', en: 'English', hi: 'हिन्दी (Hindi)' },
  disclaimer: {
    label: 'Medical disclaimer',
    title: 'Not a medical diagnosis.',
    text:
      'This tool is for education and research only. It is not a medical device and does not give a diagnosis. ' +
      'See a dermatologist or doctor about any skin lesion that worries you, changes, bleeds or itches.',
  },
  upload: {
    heading: 'Photo',
    analyze: 'Analyze',
    analyzing: 'Analyzing…',
    dropZoneLabel: 'Choose a photo from your files, or drop one here',
    dropZoneTitle: 'Drop a photo here, or choose a file',
    dropZoneHint: 'JPEG, PNG or another common image format, up to {{size}}',
    chooseFile: 'Choose an image file',
    or: 'or',
    takePhoto: 'Take a photo',
    takePhotoLabel: 'Take a photo with the camera',
    previewAlt: 'Preview of the chosen photo, {{name}}',
    tips: 'For the clearest result: good light, the lesion in the centre and in focus, about 10 cm away.',
    megabytes: '{{value}} MB',
    kilobytes: '{{value}} KB',
    noFile: 'No file was chosen. Please choose a photo.',
    notAnImage: '"{{name}}" is not an image. Please choose a photo (JPEG or PNG).',
    emptyFile: '"{{name}}" is empty. Please choose another photo.',
    tooLarge: '"{{name}}" is {{size}}, which is over the {{limit}} limit. Please choose a smaller photo.',
  },
  errors: {
    serverSaid: '{{message}} (Server message: {{detail}})',
    unexpected: 'Something unexpected went wrong. Please try again.',
    unexpectedAnswer:
      'The analysis server sent an answer this page does not understand. Please check the API address and try again.',
    timeout: 'The analysis server took too long to answer. Please try again in a moment.',
    unreachable:
      'Cannot reach the analysis server. Check your internet connection, or that the server is running, and try again.',
    tooLarge: 'This image is too large for the server. Please choose an image smaller than {{limit}}.',
    unsupported: 'This file is not a supported image. Please choose a JPEG or PNG photo.',
    unreadable: 'The server could not read this image. It may be empty or damaged. Please choose another photo.',
    notReady: 'The model is not ready yet (it may still be loading). Please wait a minute and try again.',
    serverProblem: 'The analysis server had a problem (error {{status}}). Please try again later.',
    offline:
      'You are offline, and this photo cannot be analysed on this device, so it needs the analysis server. ' +
      'Connect to the internet and try again.',
  },
  crash: {
    heading: 'Something went wrong on this page',
    text: 'The page hit an unexpected problem. Reloading usually fixes it.',
    reload: 'Reload the page',
  },
  heatmap: {
    toggle: 'Show where the model looked',
    fallback: 'The coloured areas show where the model looked most.',
    // The API's sentence in the page's words: see features/prediction/heatmap-description.ts.
    nothingStoodOut: 'No part of the image stood out to the model for this answer.',
    lookedAt: 'The model looked most at {{region}} of the image.',
    lookedAtWithShare:
      'The model looked most at {{region}} of the image; the highlighted area covers about {{share}} of it.',
    regions: {
      'upper left': 'the upper left',
      top: 'the top',
      'upper right': 'the upper right',
      left: 'the left',
      centre: 'the centre',
      right: 'the right',
      'lower left': 'the lower left',
      bottom: 'the bottom',
      'lower right': 'the lower right',
    },
  },
  result: {
    heading: 'Result',
    mostLikely: 'Most likely:',
    confidence: '{{percent}} confidence',
    chartHeading: 'Confidence for every class',
    reminder: 'This is an estimate from a computer model, not a diagnosis. Only a doctor can diagnose a skin lesion.',
    modelVersion: 'Model version {{version}}',
    analysedIn: 'analysed in {{milliseconds}} ms',
    computedOnDevice: 'Analysed on this device: the photo was not sent anywhere.',
    computedOnServer: 'Analysed on the server.',
    cannotTellHeading: 'The model cannot tell what this is',
    cannotTellText:
      'No class is clearly more likely than the others, so this page does not name one. The chart below shows how ' +
      'the model spread its confidence over every class. A sharp, well-lit, close-up photo of the lesion may give a ' +
      'clearer answer; if the lesion worries you, have it checked by a doctor.',
    notSkinHeading: 'This does not look like a photo of skin',
    notSkinText:
      'The model only knows skin lesions, so it gives no answer for this picture. Please upload a close, sharp photo ' +
      'of the skin lesion itself, in good light, with the lesion in the centre.',
    ordinaryPhotoHeading: 'This looks like an ordinary photo: the result below is unreliable',
    ordinaryPhotoText:
      'The model was trained on dermoscopy images: pictures taken through a dermatoscope, a skin microscope with its ' +
      'own light that is pressed to or held close to the skin. On ordinary photos its results are unreliable.',
  },
  quality: {
    heading: 'Photo quality: this result may be less reliable',
    titles: {
      too_dark: 'Too dark',
      too_bright: 'Too bright',
      blurred: 'Blurred',
      too_small: 'Too small',
    } as Record<string, string>,
    otherTitle: 'Photo problem',
    // The API's own advice is shown in English; a translation of it, by warning code, goes here in other languages.
    advice: {} as Record<string, string>,
  },
  classExplanation: {
    heading: 'What “{{name}}” means',
    category: 'Category:',
    categories: {
      malignant: 'Malignant (a type of skin cancer)',
      'pre-malignant': 'Pre-malignant (can turn into skin cancer)',
      benign: 'Benign (not cancer)',
      unknown: 'not known',
    },
    noDescription: 'No description is available for this class.',
    onlyInEnglish: '',
    seeADoctorTitle: 'Have it checked by a doctor.',
    seeADoctor: {
      malignant:
        'Whatever the confidence, a lesion that might be a skin cancer needs a doctor or dermatologist to look at it.',
      'pre-malignant':
        'Whatever the confidence, a lesion that might be pre-cancerous needs a doctor or dermatologist to look at it.',
    },
  },
  aboutModel: {
    heading: 'About this model',
    // The model's own statement of its use, as artifacts carry it by default; another statement is shown as sent.
    standardIntendedUse:
      'Education, research and software development: showing what an image classifier trained on dermatoscopic ' +
      'images does with a photo. Not a medical device; it does not diagnose.',
    recallHeading: 'How often it was right, class by class',
    recallHint:
      'Recall: the share of test images of each class that the model named correctly. Photos unlike its training ' +
      'images can do worse.',
    classColumn: 'Class',
    recallColumn: 'Recall on test images',
    recallOf: '{{percent}} of {{count}} images',
    weak: '(weak)',
    notMeasured: 'not measured',
    more: 'Data, calibration and version',
    data: 'Data:',
    licence: 'Data licence:',
    calibrated: 'Confidences are calibrated (temperature {{temperature}}).',
    calibratedOn: 'Confidences are calibrated (temperature {{temperature}}, fitted on the {{split}} split).',
    splits: { train: 'train', val: 'val', test: 'test' } as Record<string, string>,
    calibrationError:
      'On test images, confidence and accuracy differ by {{percent}} on average (expected calibration error).',
    threshold:
      'When no class reaches {{percent}} confidence, a level chosen on validation images, the page says the model ' +
      'cannot tell instead of naming a class.',
    version: 'Version {{version}}',
    backboneAndVersion: 'Backbone {{backbone}}; version {{version}}',
  },
  privacy: {
    heading: 'Your photos stay yours',
    text:
      'Where this browser can, the photo is analysed on this device and is not sent anywhere. Otherwise the analysis ' +
      'server looks at it in memory and forgets it: it writes no upload to disk and logs none. ' +
      'The report and the lesion history are made and kept in this browser only.',
  },
  nextSteps: {
    heading: 'What to do next',
    always: 'See a doctor if the spot changes, bleeds or worries you.',
    checklistHeading: 'Check the spot with ABCDE',
    abcde: {
      a: 'Asymmetry: one half unlike the other',
      b: 'Border: ragged, notched or blurred edge',
      c: 'Colour: several colours, or uneven colour',
      d: 'Diameter: larger than about 6 mm (a pencil eraser)',
      e: 'Evolving: changing in size, shape or colour',
    },
    advice: {
      malignant:
        'The model finds this most like a type of skin cancer. That is not a diagnosis, but please show the spot to a doctor or dermatologist soon.',
      'pre-malignant':
        'The model finds this most like a lesion that can turn into skin cancer. Please have a doctor look at it.',
      benign:
        'The model finds this most like a harmless kind of lesion. Keep an eye on it and compare it with a photo from time to time.',
      unknown: 'The model cannot place this lesion in a category. If it worries you, have a doctor look at it.',
      uncertain:
        'The model cannot tell what this is. Try a sharp, well-lit, close-up photo; if you are unsure about the spot, have a doctor look at it.',
      notSkin:
        'This picture does not look like skin, so there is nothing to judge. Take a close, sharp photo of the spot itself and try again.',
      skinPhoto:
        'This looks like an ordinary photo, not a dermoscopy image, so the answer is less reliable. Do not let it reassure you.',
    },
  },
  report: {
    download: 'Download report (PDF)',
    note: 'The report is made in this browser; nothing is sent anywhere. It is written in English.',
  },
  history: {
    heading: 'Follow a lesion over time',
    intro:
      'Optional. Save photos of the same spot over the months to see whether it changes. They are kept only in this browser (IndexedDB), never on the server.',
    spotName: 'Name of the spot',
    spotPlaceholder: 'e.g. mole on left shoulder',
    save: 'Save this photo under the spot',
    saved: 'Saved under “{{name}}”.',
    empty: 'No spots saved yet.',
    spotHeading: '{{name}} ({{count}} photos)',
    photoAlt: 'Photo of {{name}} from {{date}}',
    chartLabel: 'Confidence of the top classes of {{name}} by date',
    deleteEverything: 'Delete everything',
    deleted: 'Everything saved in this browser is deleted.',
    confirmDelete: 'Delete every saved spot and photo from this browser?',
    export: 'Export to a file',
    import: 'Import from a file',
    imported: 'Imported {{count}} photos.',
    importFailed: 'This file is not a lesion history exported from this page.',
    notSkinNote: 'Pictures that do not look like skin are not saved.',
  },
  classes: {} as Record<string, string>,
}

export type Messages = typeof en
