import { defineConfig } from '@playwright/test'
import { apiUrl, chromiumPath, pagePort, pageUrl } from './e2e/environment'

if (!apiUrl) {
  throw new Error('E2E_API_URL is not set: start the backend and set it to its base URL (scripts/e2e.sh does both)')
}

const buildDir = 'e2e/artifacts/dist'

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e/artifacts/test-results',
  // One backend and two CPU cores: the tests take turns.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  timeout: 120_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL: pageUrl,
    viewport: { width: 1000, height: 800 },
    reducedMotion: 'reduce',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: chromiumPath },
  },
  projects: [{ name: 'chromium' }],
  // The production build, pointed at the API under test, served by `vite preview`.
  webServer: {
    command:
      `vite build --outDir ${buildDir} --emptyOutDir --logLevel warn && ` +
      `vite preview --outDir ${buildDir} --host 127.0.0.1 --port ${pagePort} --strictPort`,
    url: pageUrl,
    env: { VITE_API_URL: apiUrl },
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
})
