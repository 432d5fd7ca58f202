#!/usr/bin/env bash
# Browser end-to-end test: the shipped model (models/reference), the real backend, the built page, headless Chromium.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
case "$python" in /*) ;; *) python="$PWD/$python" ;; esac  # absolute (links kept): later steps change folder
work="$(mktemp -d)"
api_port="${E2E_API_PORT:-8765}"
page_port="${E2E_PORT:-4173}"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

chromium="${CHROMIUM_PATH:-$(command -v chromium || true)}"
if [ -z "$chromium" ]; then
  echo "e2e: Chromium not found; install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
export CHROMIUM_PATH="$chromium"

model_dir="${E2E_MODEL_DIR:-$root/models/reference}"
echo "e2e: serving $model_dir; drawing a synthetic dermoscopy picture to upload"
"$python" -c '
import sys
from skin_classifier.synthetic import make_synthetic_image_kinds
make_synthetic_image_kinds(sys.argv[1], images_per_kind=3, image_size=260)
' "$work/kinds"

echo "e2e: starting the backend on 127.0.0.1:$api_port"
(cd "$root/backend" && MODEL_DIR="$model_dir" CORS_ORIGINS="http://127.0.0.1:$page_port" \
  exec "$python" -m uvicorn app.main:app --host 127.0.0.1 --port "$api_port" --no-access-log) \
  >"$work/server.log" 2>&1 &
server_pid=$!

image="$(find "$work/kinds/dermoscopy/1. Red lesion 120" -type f | sort | head -n 1)"
# Images the parity test draws from (it skips, saying why, when the folder is absent).
datasets="${E2E_SHARED_DATASETS:-$root/../shared/datasets}"
cd "$root/frontend"
rm -rf e2e/artifacts/on-device  # figures of this run only
# Arguments go to Playwright (e.g. a spec file to run alone).
E2E_API_URL="http://127.0.0.1:$api_port" E2E_PORT="$page_port" E2E_IMAGE="$image" E2E_SHARED_DATASETS="$datasets" \
  npm run --silent test:e2e -- "$@" \
  || { echo "e2e: backend log follows"; cat "$work/server.log"; exit 1; }

# The on-device figures (timings, sizes, parity) with the machine and model: into docs/ with ON_DEVICE_REPORT=1,
# else beside the test artifacts.
report_dir="$root/frontend/e2e/artifacts/on-device"
if [ "${ON_DEVICE_REPORT:-0}" = 1 ]; then report_dir="$root/docs"; fi
node scripts/on-device-report.mjs "$report_dir" "http://127.0.0.1:$api_port" \
  "ON_DEVICE_REPORT=1 PYTHON=${PYTHON:-.venv/bin/python} scripts/e2e.sh${*:+ $*}"
