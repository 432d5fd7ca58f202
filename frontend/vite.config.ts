import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [react()],
  resolve: {
    // "@/features/upload" instead of "../../features/upload"; tsconfig.json declares the same alias.
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: { port: 5173 },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.ts'],
    // The whole page renders in the app tests; on a busy two-core machine the first can take over 5 s.
    testTimeout: 20_000,
    include: ['src/**/*.test.{ts,tsx}'],
    // A fixed value so a local .env cannot change what the tests expect.
    env: {
      VITE_API_URL: 'http://localhost:8000',
    },
  },
})
