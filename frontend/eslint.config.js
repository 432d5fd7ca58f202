// ESLint flat config: typescript-eslint, the rules of hooks, and the layout's import boundaries.
import { readdirSync } from 'node:fs'
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import i18next from 'eslint-plugin-i18next'
import { importX } from 'eslint-plugin-import-x'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)

// Code flows one way: shared code -> features -> app. A feature never imports another feature
// (src/app composes them), and shared code imports neither.
const importBoundaries = [
  ...features.map((feature) => ({
    target: `./src/features/${feature}`,
    from: './src/features',
    except: [`./${feature}`],
    message: 'Features do not import each other: compose them in src/app, or move shared code to src/components or src/lib.',
  })),
  {
    target: './src/features',
    from: './src/app',
    message: 'Features do not import the app; the app imports features.',
  },
  {
    target: ['./src/components', './src/lib', './src/testing', './src/config.ts'],
    from: ['./src/features', './src/app'],
    message: 'Shared code does not import features or the app.',
  },
]

export default defineConfig(
  { ignores: ['dist', 'e2e/artifacts', 'playwright-report', 'test-results', 'src/lib/api-schema.d.ts'] },
  js.configs.recommended,
  tseslint.configs.strict,
  {
    files: ['**/*.{js,mjs,ts,tsx}'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks, 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      'import-x/no-restricted-paths': ['error', { zones: importBoundaries }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../*'],
              message: "Import code from another folder with '@/' (e.g. '@/lib/api-client'), not '../../'.",
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  {
    // Every word the page shows comes from the language catalogues (src/lib/locales): text and attributes a
    // person reads, in components, are never literal.
    files: ['src/**/*.tsx'],
    ignores: ['src/**/*.test.tsx', 'src/testing/**'],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': [
        'error',
        {
          mode: 'jsx-only',
          'should-validate-template': true,
          'jsx-attributes': {
            exclude: [
              'className',
              'style',
              'type',
              'key',
              'id',
              'width',
              'height',
              'role',
              'lang',
              'list',
              'accept',
              'capture',
              'htmlFor',
              'viewBox',
              'd',
              'fill',
              'stroke',
              'strokeDasharray',
              'textAnchor',
              'points',
              'focusable',
              'aria-hidden',
              'aria-describedby',
              'aria-labelledby',
              'data-.*',
            ],
          },
        },
      ],
    },
  },
)
