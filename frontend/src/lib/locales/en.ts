// The page's words in English. Keys are shared with hi.ts; a key missing there falls back to these.
export const en = {
  page: {
    title: 'Skin Lesion Classifier',
    lead: 'Choose a photo of a skin lesion to see which type of lesion a machine learning model thinks it looks most like.',
    footer: 'Open-source research software. Photos are sent to the analysis server only when you press Analyze.',
    descriptionsInEnglish: '',
  },
  language: { label: 'Language', en: 'English', hi: 'हिन्दी (Hindi)' },
  disclaimer: {
    label: 'Medical disclaimer',
    title: 'Not a medical diagnosis.',
    text:
      'This tool is for education and research only. It is not a medical device and does not give a diagnosis. ' +
      'See a dermatologist or doctor about any skin lesion that worries you, changes, bleeds or itches.',
  },
  upload: { heading: 'Photo', analyze: 'Analyze', analyzing: 'Analyzing…' },
  privacy: {
    heading: 'Your photos stay yours',
    text:
      'The analysis server looks at the photo in memory and forgets it: it writes no upload to disk and logs none. ' +
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
