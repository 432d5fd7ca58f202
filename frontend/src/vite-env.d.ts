/// <reference types="vite/client" />

// The VITE_* values config.ts reads; Vite replaces them at build time.
interface ImportMetaEnv {
  readonly VITE_API_URL?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
