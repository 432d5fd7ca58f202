import { jsPDF } from 'jspdf'

// Everything the report shows, in plain values (the app fills it from the answer and the model card).
export type ReportInput = {
  photo: string | null // data URL (JPEG or PNG)
  heatmap: string | null // data URL
  topClass: string | null // null when no class is named (the model cannot tell, or not skin)
  answer: string // the answer in words, as the page says it
  classes: { name: string; confidence: number }[]
  imageKind: string | null
  qualityWarnings: string[]
  nextSteps: string[]
  modelVersion: string
  accuracy: number | null // measured on the test split
  balancedAccuracy: number | null
  date: Date
  disclaimer: string
}

const MARGIN = 15
const PAGE_WIDTH = 210
const TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
const IMAGE_BOX = 80

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`
}

function imageFormat(dataUrl: string): 'PNG' | 'JPEG' {
  return dataUrl.startsWith('data:image/png') ? 'PNG' : 'JPEG'
}

// Writes text line by line from the cursor, starting a new page when the page is full.
class Writer {
  y = MARGIN
  constructor(readonly doc: jsPDF) {}

  line(text: string, { size = 11, bold = false } = {}) {
    this.doc.setFont('helvetica', bold ? 'bold' : 'normal').setFontSize(size)
    const lines = this.doc.splitTextToSize(text, TEXT_WIDTH) as string[]
    const height = size * 0.45
    for (const line of lines) {
      if (this.y + height > 297 - MARGIN) {
        this.doc.addPage()
        this.y = MARGIN
      }
      this.doc.text(line, MARGIN, this.y + height * 0.8)
      this.y += height
    }
    this.y += 1.5
  }

  gap(mm = 3) {
    this.y += mm
  }

  // Places an image into a square box at x, keeping its aspect ratio; returns false if it cannot be read.
  image(dataUrl: string, x: number, label: string): boolean {
    try {
      const { width, height } = this.doc.getImageProperties(dataUrl)
      const scale = IMAGE_BOX / Math.max(width, height)
      this.doc.addImage(dataUrl, imageFormat(dataUrl), x, this.y + 6, width * scale, height * scale)
      this.doc.setFont('helvetica', 'normal').setFontSize(9).text(label, x, this.y + 4)
      return true
    } catch {
      return false
    }
  }
}

// The report a person can take to a doctor, made in the browser: no server sees it.
export function buildReport(input: ReportInput): jsPDF {
  const doc = new jsPDF({ unit: 'mm', format: 'a4' })
  doc.setProperties({ title: 'Skin lesion photo report', subject: 'Model estimate, not a diagnosis' })
  const out = new Writer(doc)
  out.line('Skin lesion photo report', { size: 18, bold: true })
  out.line(`Date: ${input.date.toISOString().slice(0, 10)}`)
  out.line(input.disclaimer, { size: 10, bold: true })
  out.gap()

  if (input.photo || input.heatmap) {
    const placed = [
      input.photo && out.image(input.photo, MARGIN, 'Photo'),
      input.heatmap && out.image(input.heatmap, MARGIN + IMAGE_BOX + 10, 'Where the model looked (heat map)'),
    ]
    if (placed.some(Boolean)) out.y += IMAGE_BOX + 10
  }

  out.line('Answer', { size: 13, bold: true })
  out.line(input.topClass ? `Most likely class: ${input.topClass}` : input.answer)
  out.line(`Image kind: ${input.imageKind ?? 'not checked'}`)
  out.line(
    input.qualityWarnings.length > 0
      ? `Photo quality warnings: ${input.qualityWarnings.join(' ')}`
      : 'Photo quality warnings: none',
  )
  out.gap()
  out.line('Confidence for every class', { size: 13, bold: true })
  for (const { name, confidence } of input.classes) out.line(`${name}: ${percent(confidence)}`)
  out.gap()
  if (input.nextSteps.length > 0) {
    out.line('What to do next', { size: 13, bold: true })
    for (const step of input.nextSteps) out.line(step)
    out.gap()
  }
  out.line('Model', { size: 13, bold: true })
  out.line(`Model version: ${input.modelVersion}`)
  const measured = [
    input.accuracy !== null && `accuracy ${percent(input.accuracy)}`,
    input.balancedAccuracy !== null && `balanced accuracy ${percent(input.balancedAccuracy)}`,
  ].filter(Boolean)
  out.line(measured.length > 0 ? `Measured on its test images: ${measured.join(', ')}` : 'Measured accuracy: not available')
  return doc
}

export function reportFileName(date: Date): string {
  return `skin-lesion-report-${date.toISOString().slice(0, 10)}.pdf`
}
