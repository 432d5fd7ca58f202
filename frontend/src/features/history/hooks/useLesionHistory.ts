import { useCallback, useEffect, useState } from 'react'
import { HistoryStore, type HistoryFile, type NewEntry, type SpotWithEntries } from '../history-store'

const store = new HistoryStore()

// The saved spots, and the actions on them; the list is read again after each change.
export function useLesionHistory() {
  const [spots, setSpots] = useState<SpotWithEntries[]>([])
  const refresh = useCallback(async () => setSpots(await store.spots()), [])

  useEffect(() => {
    let live = true
    store
      .spots()
      .then((saved) => {
        if (live) setSpots(saved)
      })
      .catch(() => {
        // IndexedDB turned off (private mode in some browsers): the history simply stays empty.
      })
    return () => {
      live = false
    }
  }, [])

  const save = useCallback(
    async (spotName: string, entry: NewEntry) => {
      await store.addEntry(spotName, entry)
      await refresh()
    },
    [refresh],
  )
  const deleteEverything = useCallback(async () => {
    await store.deleteEverything()
    await refresh()
  }, [refresh])
  const exportFile = useCallback((): Promise<HistoryFile> => store.exportFile(), [])
  const importFile = useCallback(
    async (file: unknown) => {
      const added = await store.importFile(file)
      await refresh()
      return added
    },
    [refresh],
  )
  return { spots, save, deleteEverything, exportFile, importFile }
}
