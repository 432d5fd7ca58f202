import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

export default defineConfig({
  plugins: [react()],
  server: { port: 5173 },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup.js'],
    include: ['src/**/*.test.{js,jsx}'],
    // Fixed values so a local .env cannot change what the tests expect.
    env: {
      VITE_API_URL: 'http://localhost:8000',
      VITE_LOW_CONFIDENCE_THRESHOLD: '0.5',
    },
  },
})
