#!/usr/bin/env bash
# Browser end-to-end test: a tiny real model, the real backend, the built page, headless Chromium.
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

echo "e2e: training the tiny model (skin_classifier.synthetic.TINY_TRAINING) on synthetic images"
"$python" -m skin_classifier.cli synthetic "$work/data" --images-per-class 30 >/dev/null
TF_CPP_MIN_LOG_LEVEL=2 "$python" -c '
import sys
from skin_classifier.synthetic import TINY_TRAINING
from skin_classifier.train import TrainConfig, train
train(TrainConfig(data_dir=sys.argv[1], output_dir=sys.argv[2], epochs=(8, 1, 1), test_fraction=0.2, **TINY_TRAINING))
' "$work/data" "$work/run" >"$work/train.log" 2>&1 || { cat "$work/train.log"; exit 1; }
echo "e2e: training its image-kind check on synthetic dermoscopy, skin photos and everyday scenes"
"$python" -c '
import sys
from skin_classifier.synthetic import make_synthetic_image_kinds
make_synthetic_image_kinds(sys.argv[1], images_per_kind=60, image_size=64)
' "$work/kinds"
"$python" -m skin_classifier.cli image-kind "$work/run/artifact" --dermoscopy "$work/kinds/dermoscopy" \
  --skin-photos "$work/kinds/skin-photos" --not-skin "$work/kinds/not-skin" >"$work/kind.log" 2>&1 \
  || { cat "$work/kind.log"; exit 1; }

echo "e2e: starting the backend on 127.0.0.1:$api_port"
(cd "$root/backend" && MODEL_DIR="$work/run/artifact" CORS_ORIGINS="http://127.0.0.1:$page_port" \
  exec "$python" -m uvicorn app.main:app --host 127.0.0.1 --port "$api_port" --no-access-log) \
  >"$work/server.log" 2>&1 &
server_pid=$!

image="$(find "$work/kinds/dermoscopy/1. Red lesion 120" -type f | sort | head -n 1)"
cd "$root/frontend"
E2E_API_URL="http://127.0.0.1:$api_port" E2E_PORT="$page_port" E2E_IMAGE="$image" npm run --silent test:e2e \
  || { echo "e2e: backend log follows"; cat "$work/server.log"; exit 1; }
