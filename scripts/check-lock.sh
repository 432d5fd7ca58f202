#!/usr/bin/env bash
# `make lint-lock`: fails when uv.lock no longer matches what the pyproject.toml files ask for (a bound, an
# extra or a package added or changed without `make lock`), so no install runs from a stale lock unnoticed.
#
#     scripts/check-lock.sh [REPOSITORY_ROOT]     (UV: the uv to run; default .venv/bin/uv, else uv on PATH)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
uv="${UV:-.venv/bin/uv}"
[ -x "$uv" ] || uv="$(command -v uv)" || { echo "check-lock: uv is not installed; run \`make setup\`" >&2; exit 2; }

if ! output="$("$uv" lock --check 2>&1)"; then
  printf '%s\n' "$output" >&2
  echo "check-lock: uv.lock does not match the pyproject.toml files. Run \`make lock\` and commit uv.lock." >&2
  exit 1
fi
echo "check-lock: uv.lock matches the pyproject.toml files"
