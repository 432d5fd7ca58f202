#!/usr/bin/env bash
# The lever table (models/reference/benchmarks/levers.md): one network (EfficientNet-Lite0 at 128 px, the whole
# network 8 epochs of as many draws as HAM10000's training images, seed 42, HAM10000's splits) trained each way,
# then every row scored on each extra source's held-out images, the HAM10000-only network served as float32
# and as int8, and the table written. About 100 minutes on 2 cores; a run already in runs/ is kept (and resumed
# from its checkpoints when cut short).
#   scripts/lever-runs.sh [DATASETS_DIR]   (default ../shared/datasets)
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-.venv/bin/python}"
datasets="${1:-../shared/datasets}"
extra="$datasets/dermoscopy-extra"
reports=runs/reports
mkdir -p "$reports"
common=(--backbone efficientnet-lite0 --weights imagenet --image-size 128 --epochs 0 0 8 --phase-blocks block6a stem
  --fine-tune-lr 1e-3 --train-batchnorm --weight-decay 0.01 --head-units 0 --dropout 0.3 --val-fraction 0.15
  --test-fraction 0.15 --patience 4 --max-train-per-class 1500 --seed 42 --split-seed 42
  --other-source "$datasets/isic2018-shift")
hires=(--extra-source "$extra/isic2017" --extra-source "$extra/derm7pt" --extra-source "$extra/ph2")
blur=(--detail-jitter 0.5 --round-field 0.3)
declare -A label=(
  [lv-ham128]="one network, HAM10000 only"
  [lv-hires128]="+ the high-resolution sources (84 px left out)"
  [lv-all-jitter-plain128]="+ all sources, every image blurred or framed at random"
  [lv-all-jitter128]="+ the same, sources evened out within each class"
  [lv-all96]="+ all sources as they are, at 96 px"
  [lv-ham-distill128]="HAM10000 only + distillation"
  [lv-hires-distill128]="+ high-resolution sources + distillation"
)
train() {
  local name=$1; shift
  [ -f "runs/$name/artifact/manifest.json" ] && return
  "$py" -m skin_classifier.cli train "$datasets/ham10000" --output "runs/$name" "${common[@]}" "$@"
}
train lv-ham128
train lv-hires128 "${hires[@]}"
train lv-all-jitter-plain128 --extra-source "$extra" "${blur[@]}"
train lv-all-jitter128 --extra-source "$extra" "${blur[@]}" --source-balance within-class
train lv-all96 --extra-source "$extra" --image-size 96
train lv-ham-distill128 --teacher models/reference
train lv-hires-distill128 "${hires[@]}" --teacher models/reference
# A second seed where two rows that decide something differ by less than one seed's noise.
train lv-ham128-s43 --seed 43
train lv-ham-distill128-s43 --teacher models/reference --seed 43

# The HAM10000-only network as served: float32 and static int8 ONNX (calibrated on its training images).
cli=("$py" -m skin_classifier.cli)
"${cli[@]}" convert runs/lv-ham128/artifact --runtimes onnx onnx-int8 --calibration-data "$datasets/ham10000" \
  --calibration-splits runs/lv-ham128/splits.json
for runtime in onnx onnx-int8; do
  rm -rf "runs/lv-ham128-$runtime" && "${cli[@]}" package runs/lv-ham128/artifact "runs/lv-ham128-$runtime" --runtime "$runtime"
done
"${cli[@]}" evaluate runs/lv-ham128-onnx-int8 "$datasets/isic2018-shift" --output "$reports/other-clinics-int8.json"
"${cli[@]}" evaluate runs/lv-ham128-onnx-int8 "$datasets/ham10000" --splits runs/lv-ham128/splits.json --split val \
  --output "$reports/val-int8.json"
"$py" backend/benchmarks/serve_benchmark.py --model-dir runs/lv-ham128-onnx --concurrency 1 8 --output "$reports/serving-f32.json"
"$py" backend/benchmarks/serve_benchmark.py --model-dir runs/lv-ham128-onnx-int8 --concurrency 1 8 64 \
  --output "$reports/serving-int8.json"

# Every build on each extra source's held-out images (the same lesions for every run: each source is split alone).
recall() { "$py" ml/benchmarks/source_recall.py "$1" --sources runs/lv-all-jitter128/sources.json --root "$extra" --output "$2"; }
recall models/reference "$reports/source-recall-served"
recall runs/lv-ham128-onnx-int8 "$reports/source-recall-int8"
for name in "${!label[@]}"; do recall "runs/$name/artifact" "$reports/source-recall-$name"; done

served="today's ensemble (served: 2 networks x 2 views)"
int8="HAM10000 only, served as int8"
rows=(--row "$served=models/reference" --source-recall "$served=$reports/source-recall-served.json")
for name in lv-ham128 lv-hires128 lv-all-jitter-plain128 lv-all-jitter128 lv-all96 lv-ham-distill128 lv-hires-distill128; do
  rows+=(--row "${label[$name]}=runs/$name/artifact" --source-recall "${label[$name]}=$reports/source-recall-$name.json")
done
rows+=(--serving "${label[lv-ham128]}=$reports/serving-f32.json"
  --row "$int8=runs/lv-ham128-onnx-int8" --serving "$int8=$reports/serving-int8.json"
  --source-recall "$int8=$reports/source-recall-int8.json" --other-clinics "$int8=$reports/other-clinics-int8.json"
  --validation "$int8=$reports/val-int8.json"
  --row "${label[lv-ham128]} (seed 43)=runs/lv-ham128-s43/artifact"
  --row "${label[lv-ham-distill128]} (seed 43)=runs/lv-ham-distill128-s43/artifact")
"$py" ml/benchmarks/levers.py "${rows[@]}" --output runs/levers \
  --note "Every one-network row: EfficientNet-Lite0 at 128 px, the whole network trained 8 epochs of 2,663 draws (as many as HAM10000's training images) with AdamW under a cosine schedule, seed 42 (43 where named), on the same HAM10000 splits. Extra sources hold out 15% of their lesions, scored in the second table. Distillation: 0.5 of each target is the served ensemble's answer at temperature 2. One seed's noise on the other clinics' images is about 0.05. bfloat16 training: benchmarks/precision.md."
echo "runs/levers.md: copy it and runs/levers.json into models/reference/benchmarks/ (make reference does)"
