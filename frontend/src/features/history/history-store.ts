import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

// The lesion history, kept in this browser's IndexedDB only: named spots, and photos of each with their answers.

export type ClassConfidence = { name: string; confidence: number }

export type HistoryEntry = {
  id: number
  spotId: number
  takenAt: string // ISO date and time the photo was saved
  photo: string // data URL
  topClass: string | null // null when the model could not tell
  confidence: number
  classes: ClassConfidence[]
  imageKind: string | null
  modelVersion: string | null
}

export type NewEntry = Omit<HistoryEntry, 'id' | 'spotId'>
export type Spot = { id: number; name: string; createdAt: string }
export type SpotWithEntries = Spot & { entries: HistoryEntry[] }

// The one file Export writes and Import reads.
export type HistoryFile = {
  format: typeof FILE_FORMAT
  version: 1
  spots: { name: string; createdAt: string; entries: NewEntry[] }[]
}

export const HISTORY_DB_NAME = 'lesion-history'
const FILE_FORMAT = 'skin-lesion-classifier/lesion-history'

interface HistorySchema extends DBSchema {
  spots: { key: number; value: Spot; indexes: { byName: string } }
  entries: { key: number; value: HistoryEntry; indexes: { bySpot: number } }
}

type Database = IDBPDatabase<HistorySchema>

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isNewEntry(value: unknown): value is NewEntry {
  return (
    isRecord(value) &&
    typeof value.takenAt === 'string' &&
    !Number.isNaN(Date.parse(value.takenAt)) &&
    typeof value.photo === 'string' &&
    value.photo.startsWith('data:image/') &&
    (value.topClass === null || typeof value.topClass === 'string') &&
    typeof value.confidence === 'number' &&
    Array.isArray(value.classes) &&
    value.classes.every((item) => isRecord(item) && typeof item.name === 'string' && typeof item.confidence === 'number')
  )
}

export function isHistoryFile(value: unknown): value is HistoryFile {
  return (
    isRecord(value) &&
    value.format === FILE_FORMAT &&
    value.version === 1 &&
    Array.isArray(value.spots) &&
    value.spots.every(
      (spot) =>
        isRecord(spot) &&
        typeof spot.name === 'string' &&
        spot.name.trim() !== '' &&
        typeof spot.createdAt === 'string' &&
        Array.isArray(spot.entries) &&
        spot.entries.every(isNewEntry),
    )
  )
}

export class HistoryStore {
  private database: Promise<Database> | null = null

  constructor(private readonly name = HISTORY_DB_NAME) {}

  private db(): Promise<Database> {
    this.database ??= openDB<HistorySchema>(this.name, 1, {
      upgrade(db) {
        db.createObjectStore('spots', { keyPath: 'id', autoIncrement: true }).createIndex('byName', 'name', { unique: true })
        db.createObjectStore('entries', { keyPath: 'id', autoIncrement: true }).createIndex('bySpot', 'spotId')
      },
    })
    return this.database
  }

  // Saves a photo under the spot of that name, creating the spot the first time.
  async addEntry(spotName: string, entry: NewEntry, createdAt = new Date().toISOString()): Promise<void> {
    const name = spotName.trim()
    if (!name) throw new Error('A spot needs a name.')
    const tx = (await this.db()).transaction(['spots', 'entries'], 'readwrite')
    const existing = await tx.objectStore('spots').index('byName').get(name)
    const spotId = existing?.id ?? (await tx.objectStore('spots').add({ name, createdAt } as Spot))
    await tx.objectStore('entries').add({ ...entry, spotId } as HistoryEntry)
    await tx.done
  }

  // Every spot in the order it was first saved, each with its photos oldest first.
  async spots(): Promise<SpotWithEntries[]> {
    const db = await this.db()
    const [spots, entries] = await Promise.all([db.getAll('spots'), db.getAll('entries')])
    const byDate = (first: { takenAt: string }, second: { takenAt: string }) => first.takenAt.localeCompare(second.takenAt)
    return spots
      .sort((first, second) => first.id - second.id)
      .map((spot) => ({ ...spot, entries: entries.filter((entry) => entry.spotId === spot.id).sort(byDate) }))
  }

  async deleteEverything(): Promise<void> {
    const tx = (await this.db()).transaction(['spots', 'entries'], 'readwrite')
    await Promise.all([tx.objectStore('spots').clear(), tx.objectStore('entries').clear()])
    await tx.done
  }

  async exportFile(): Promise<HistoryFile> {
    const spots = await this.spots()
    return {
      format: FILE_FORMAT,
      version: 1,
      spots: spots.map(({ name, createdAt, entries }) => ({
        name,
        createdAt,
        entries: entries.map(({ id: _id, spotId: _spotId, ...entry }) => entry),
      })),
    }
  }

  // Adds the file's photos to what is here (a spot of the same name is merged); the number of photos added.
  async importFile(file: unknown): Promise<number> {
    if (!isHistoryFile(file)) throw new Error('Not a lesion history file.')
    let added = 0
    for (const spot of file.spots) {
      for (const entry of spot.entries) {
        await this.addEntry(spot.name, entry, spot.createdAt)
        added += 1
      }
    }
    return added
  }

  close(): void {
    void this.database?.then((db) => db.close())
    this.database = null
  }
}
