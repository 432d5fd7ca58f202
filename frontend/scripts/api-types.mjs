// The page's API types, generated from the backend's own OpenAPI schema so the two cannot drift apart.
//
//   node scripts/api-types.mjs           write src/lib/api-schema.d.ts
//   node scripts/api-types.mjs --check   fail when the committed file differs from what the backend produces
//
// The schema comes from backend/app (create_app(...).openapi()), run with $PYTHON, else the repository's
// .venv, else python3. The app is only built, not started, so no model is needed.

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'

const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const repositoryDir = path.dirname(frontendDir)
const backendDir = path.join(repositoryDir, 'backend')
const outputFile = path.join(frontendDir, 'src', 'lib', 'api-schema.d.ts')
const outputName = path.relative(frontendDir, outputFile)

const GENERATED_HEADER = `// Generated from the backend's OpenAPI schema by \`npm run gen:api\` (make api-types): do not edit.
// \`npm run check:api\`, part of \`make test\`, fails when this file differs from what the backend produces.`

const DUMP_SCHEMA = `
import json
from app.core.config import Settings
from app.main import create_app
print(json.dumps(create_app(Settings(model_dir="/nonexistent-model")).openapi()))
`

function findPython() {
  if (process.env.PYTHON) return process.env.PYTHON
  const repositoryVenv = path.join(repositoryDir, '.venv', 'bin', 'python')
  return existsSync(repositoryVenv) ? repositoryVenv : 'python3'
}

function readBackendSchema() {
  // backend/ first on the path, so this checkout's app is the one described.
  const pythonPath = [backendDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter)
  const output = execFileSync(findPython(), ['-c', DUMP_SCHEMA], {
    cwd: backendDir,
    env: { ...process.env, PYTHONPATH: pythonPath, LOG_LEVEL: 'WARNING' },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  })
  return JSON.parse(output)
}

async function generateTypes() {
  const ast = await openapiTS(readBackendSchema())
  return `${GENERATED_HEADER}\n\n${astToString(ast)}`
}

function showDifference(committed, generated) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'api-schema-'))
  try {
    const generatedFile = path.join(scratch, 'api-schema.d.ts')
    writeFileSync(generatedFile, generated)
    spawnSync('diff', ['-u', '--label', `${outputName} (committed)`, '--label', `${outputName} (from the backend)`,
      committed, generatedFile], { stdio: 'inherit' })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

const generated = await generateTypes()
if (process.argv.includes('--check')) {
  const committed = existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : ''
  if (committed !== generated) {
    if (committed) showDifference(outputFile, generated)
    console.error(`${outputName} is out of date with the backend's OpenAPI schema.`)
    console.error('Run `npm run gen:api` (or `make api-types`) and commit the result.')
    process.exit(1)
  }
  console.log(`${outputName} matches the backend's OpenAPI schema.`)
} else {
  writeFileSync(outputFile, generated)
  console.log(`wrote ${outputName}`)
}
