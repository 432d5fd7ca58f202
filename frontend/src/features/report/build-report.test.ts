// @vitest-environment node
import { extractText, getDocumentProxy } from 'unpdf'
import { describe, expect, it } from 'vitest'
import { HEATMAP_PNG } from '@/testing/fixtures'
import { buildReport, type ReportInput } from './build-report'

const input: ReportInput = {
  photo: HEATMAP_PNG,
  heatmap: HEATMAP_PNG,
  topClass: 'Melanoma',
  answer: 'Most likely: Melanoma',
  classes: [
    { name: 'Melanoma', confidence: 0.612 },
    { name: 'Melanocytic nevi', confidence: 0.3 },
    { name: 'Dermatofibroma', confidence: 0.088 },
  ],
  imageKind: 'dermoscopy',
  qualityWarnings: ['The photo is blurred.'],
  nextSteps: ['Please show the spot to a doctor soon.'],
  modelVersion: 'abc123def456',
  accuracy: 0.707,
  balancedAccuracy: 0.578,
  date: new Date('2026-03-04T10:00:00Z'),
  disclaimer: 'This tool is for education and research only. It does not give a diagnosis.',
}

async function textOf(report: ReturnType<typeof buildReport>): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(report.output('arraybuffer')))
  const { text } = await extractText(pdf, { mergePages: true })
  return text.replace(/\s+/g, ' ')
}

describe('buildReport', () => {
  it('holds the answer, every class with its confidence, the model, the date and the disclaimer', async () => {
    const text = await textOf(buildReport(input))
    expect(text).toContain('Most likely class: Melanoma')
    expect(text).toContain('Melanoma: 61.2%')
    expect(text).toContain('Melanocytic nevi: 30.0%')
    expect(text).toContain('Dermatofibroma: 8.8%')
    expect(text).toContain('Image kind: dermoscopy')
    expect(text).toContain('The photo is blurred.')
    expect(text).toContain('Model version: abc123def456')
    expect(text).toContain('accuracy 70.7%')
    expect(text).toContain('Date: 2026-03-04')
    expect(text).toContain('It does not give a diagnosis.')
    expect(text).toContain('Please show the spot to a doctor soon.')
  })

  it('embeds the photo and the heat map', () => {
    const raw = new TextDecoder('latin1').decode(buildReport(input).output('arraybuffer'))
    expect(raw.match(/\/Subtype \/Image/g)?.length).toBeGreaterThanOrEqual(2)
    const withoutImages = new TextDecoder('latin1').decode(
      buildReport({ ...input, photo: null, heatmap: null }).output('arraybuffer'),
    )
    expect(withoutImages).not.toMatch(/\/Subtype \/Image/)
  })

  it('names no class when the model cannot tell, and says what is not measured', async () => {
    const text = await textOf(
      buildReport({ ...input, topClass: null, answer: 'The model cannot tell what this is', accuracy: null, balancedAccuracy: null, qualityWarnings: [] }),
    )
    expect(text).toContain('The model cannot tell what this is')
    expect(text).not.toContain('Most likely class')
    expect(text).toContain('Measured accuracy: not available')
    expect(text).toContain('Photo quality warnings: none')
  })
})
