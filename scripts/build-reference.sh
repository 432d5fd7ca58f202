#!/usr/bin/env bash
# Rebuild models/reference: train on HAM10000 with the offline VGG16 weights, add the TFLite and ONNX
# runtimes, benchmark them on the validation split, package the chosen one, and measure the API serving it.
#   scripts/build-reference.sh [DATA_DIR] [WEIGHTS_FILE]     (SKIP_TRAIN=1 reuses an existing runs/ham10000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="${PYTHON:-$root/.venv/bin/python}"
data="${1:-../shared/datasets/ham10000}"
weights="${2:-../shared/weights/vgg16_notop_hed_bsds500.weights.h5}"
run="${RUN:-runs/ham10000}"
cli=("$python" -m skin_classifier.cli)

if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  # Budgeted for a 2-core CPU (about an hour): frozen layers cached with 2 augmented views, bfloat16,
  # nevi capped at 1,500 training images (class weights balance the rest).
  "${cli[@]}" train "$data" --output "$run" --weights "$weights" --epochs 30 10 5 --patience 4 \
    --val-fraction 0.15 --test-fraction 0.15 --max-train-per-class 1500 --cache-frozen --cached-views 2 \
    --mixed-precision \
    --data-description "HAM10000 (Tschandl et al., Sci. Data 5, 180161, 2018): 5,984 dermatoscopic images of pigmented skin lesions, resized to 224x224, 7 diagnostic classes; nevi are 72% of images." \
    --data-licence "CC BY-NC 4.0 (attribution, non-commercial)"
fi

"${cli[@]}" convert "$run/artifact"
"$python" ml/benchmarks/runtime_benchmark.py --artifact "$run/artifact" --data-dir "$data" \
  --splits "$run/splits.json" --split val --output "$run/artifact/benchmarks/runtimes"
chosen="$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["chosen_default"])' \
  "$run/artifact/benchmarks/runtimes.json")"
echo "default runtime: $chosen"
"${cli[@]}" package "$run/artifact" models/reference --runtime "$chosen"
"$python" backend/benchmarks/serve_benchmark.py --model-dir models/reference --requests 200 --concurrency 1 8 \
  --output models/reference/benchmarks/serving.json
"$python" -c 'import sys; from pathlib import Path; from skin_classifier.model_card import write_model_card; write_model_card(Path(sys.argv[1]))' models/reference
du -sh models/reference
