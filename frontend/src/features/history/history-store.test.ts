import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HistoryStore, type NewEntry } from './history-store'

const photo = 'data:image/jpeg;base64,AAAA'

function entry(takenAt: string, topClass: string | null, confidence: number): NewEntry {
  return {
    takenAt,
    photo,
    topClass,
    confidence,
    classes: [
      { name: 'Melanoma', confidence },
      { name: 'Melanocytic nevi', confidence: 1 - confidence },
    ],
    imageKind: 'dermoscopy',
    modelVersion: 'v1',
  }
}

let store: HistoryStore
let dbCount = 0

beforeEach(() => {
  dbCount += 1
  store = new HistoryStore(`history-test-${dbCount}`)
})
afterEach(() => store.close())

describe('HistoryStore', () => {
  it('keeps photos under their spot, oldest first, and they outlive the connection', async () => {
    await store.addEntry('Left shoulder', entry('2026-05-01T10:00:00Z', 'Melanoma', 0.6))
    await store.addEntry('Left shoulder', entry('2026-01-01T10:00:00Z', 'Melanocytic nevi', 0.3))
    await store.addEntry('  Back  ', entry('2026-02-01T10:00:00Z', null, 0.4))
    store.close()

    const spots = await store.spots()
    expect(spots.map((spot) => [spot.name, spot.entries.length])).toEqual([
      ['Left shoulder', 2],
      ['Back', 1],
    ])
    expect(spots[0]?.entries.map((saved) => saved.takenAt)).toEqual(['2026-01-01T10:00:00Z', '2026-05-01T10:00:00Z'])
    expect(spots[0]?.entries[1]).toMatchObject({ topClass: 'Melanoma', confidence: 0.6, photo })
  })

  it('refuses a spot without a name', async () => {
    await expect(store.addEntry('  ', entry('2026-05-01T10:00:00Z', 'Melanoma', 0.6))).rejects.toThrow(/name/)
    expect(await store.spots()).toEqual([])
  })

  it('deletes everything', async () => {
    await store.addEntry('Left shoulder', entry('2026-05-01T10:00:00Z', 'Melanoma', 0.6))
    await store.deleteEverything()
    expect(await store.spots()).toEqual([])
  })

  it('exports to one file that imports into an empty store as it was', async () => {
    await store.addEntry('Left shoulder', entry('2026-01-01T10:00:00Z', 'Melanoma', 0.6))
    await store.addEntry('Left shoulder', entry('2026-04-01T10:00:00Z', 'Melanoma', 0.7))
    const file = JSON.parse(JSON.stringify(await store.exportFile())) as unknown

    const other = new HistoryStore(`history-test-import-${dbCount}`)
    expect(await other.importFile(file)).toBe(2)
    const strip = (spots: Awaited<ReturnType<HistoryStore['spots']>>) =>
      spots.map(({ name, entries }) => ({ name, entries: entries.map(({ id: _id, spotId: _spot, ...rest }) => rest) }))
    expect(strip(await other.spots())).toEqual(strip(await store.spots()))
    other.close()
  })

  it('refuses a file that is not a history export, adding nothing', async () => {
    await expect(store.importFile({ spots: [] })).rejects.toThrow()
    await expect(
      store.importFile({ format: 'skin-lesion-classifier/lesion-history', version: 1, spots: [{ name: 'x', createdAt: 'now', entries: [{ photo: 'http://x' }] }] }),
    ).rejects.toThrow()
    expect(await store.spots()).toEqual([])
  })
})
