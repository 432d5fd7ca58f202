import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { loadEnv } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { defineConfig } from 'vitest/config'

const DEFAULT_API_URL = 'http://localhost:8000'
// Workbox's limit on a file it precaches; the ONNX Runtime WebAssembly file is about 15 MB.
const LARGEST_PRECACHED_BYTES = 32 * 1024 * 1024
// Cross-origin isolation gives the page SharedArrayBuffer, so ONNX Runtime Web may use threads. The page loads
// nothing from other origins but the API, fetched with CORS, which isolation allows. nginx.conf sends the same.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// GET /model (exactly, not the model files under it) at the API the page is built for. An absolute API address is
// another origin, which Workbox matches only from the start of the URL.
function modelCardPattern(apiUrl: string): RegExp {
  const base = escapeRegExp(apiUrl.replace(/\/+$/, ''))
  return new RegExp(`${/^https?:\/\//.test(apiUrl) ? '^' : ''}${base}/model(?:\\?.*)?$`)
}

export default defineConfig(({ mode }) => {
  const apiUrl = loadEnv(mode, process.cwd(), 'VITE_').VITE_API_URL || DEFAULT_API_URL
  return {
    plugins: [
      react(),
      // The page installs as an app and starts offline: the service worker precaches the page, its fonts and the
      // ONNX Runtime files, and keeps the last GET /model (network first). The model's own files are cached by the
      // on-device feature, checked against GET /model's sha256.
      VitePWA({
        registerType: 'autoUpdate',
        injectRegister: 'script-defer',
        includeAssets: ['favicon.svg'],
        manifest: {
          name: 'Skin Lesion Classifier',
          short_name: 'Skin lesions',
          description:
            'Classify a photo of a skin lesion with a machine learning model, on this device. For education and ' +
            'research only, not a medical diagnosis.',
          lang: 'en',
          start_url: '.',
          scope: '.',
          display: 'standalone',
          theme_color: '#0b4f6c',
          background_color: '#ffffff',
          icons: [
            { src: 'pwa-192.png', sizes: '192x192', type: 'image/png' },
            { src: 'pwa-512.png', sizes: '512x512', type: 'image/png' },
            { src: 'pwa-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          ],
        },
        workbox: {
          globPatterns: ['**/*.{js,mjs,css,html,wasm,woff2,svg,png,webmanifest}'],
          maximumFileSizeToCacheInBytes: LARGEST_PRECACHED_BYTES,
          cleanupOutdatedCaches: true,
          // A new version takes over at once, and the first visit is controlled too, so it already works offline.
          skipWaiting: true,
          clientsClaim: true,
          navigateFallback: 'index.html',
          runtimeCaching: [
            {
              urlPattern: modelCardPattern(apiUrl),
              handler: 'NetworkFirst',
              method: 'GET',
              options: {
                cacheName: 'api-model-card',
                networkTimeoutSeconds: 10,
                cacheableResponse: { statuses: [200] },
              },
            },
          ],
        },
      }),
    ],
    resolve: {
      // "@/features/upload" instead of "../../features/upload"; tsconfig.json declares the same alias.
      alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
    },
    // The on-device worker imports ONNX Runtime as an ES module.
    worker: { format: 'es' as const },
    server: { port: 5173, headers: ISOLATION_HEADERS },
    preview: { headers: ISOLATION_HEADERS },
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
  }
})
