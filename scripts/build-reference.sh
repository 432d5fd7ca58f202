#!/usr/bin/env bash
# Rebuild models/reference: train BACKBONE's ensemble members on HAM10000 with the measured recipe, join them
# into one model, add every serving runtime (static int8 calibrated on training images), benchmark them on the
# validation split and the other clinics' images, package the fastest one within 1 point of float32 on both,
# measure the API serving it, and rewrite every figure about it: the model card, models/reference/benchmarks/,
# docs/load-test.md and the README's figures.
#   BACKBONE=efficientnet-lite2 scripts/build-reference.sh [DATA_DIR]
#   SKIP_TRAIN=1 reuses existing runs ($RUN, default runs/$BACKBONE, and $RUN-member1...); MEMBERS=1 trains and
#   serves one model instead of the ensemble; VGG16_WEIGHTS names the offline VGG16 file.
#   The levers measured in benchmarks/levers.md, none of them in the served recipe yet: SOURCES names extra
#   sources to train on (e.g. ../shared/datasets/dermoscopy-extra; each source an equal share of its classes'
#   draws, with blur and round fields), TEACHER an artifact to distil from (e.g. models/reference), IMAGE_SIZE
#   another input size for efficientnet-lite*.
#   SKIN_PHOTOS and NOT_SKIN name the clinical and everyday photos the image-kind check learns beside DATA
#   (default: clinical-photos and everyday-photos next to it); OTHER_SOURCE names dermoscopy from other clinics,
#   never trained on, that the model is measured on (default: isic2018-shift next to it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="${PYTHON:-$root/.venv/bin/python}"
data="${1:-../shared/datasets/ham10000}"
skin_photos="${SKIN_PHOTOS:-$(dirname "$data")/clinical-photos}"
not_skin="${NOT_SKIN:-$(dirname "$data")/everyday-photos}"
other_source="${OTHER_SOURCE:-$(dirname "$data")/isic2018-shift}"
backbone="${BACKBONE:-efficientnet-lite0}"
run="${RUN:-runs/$backbone}"
cli=("$python" -m skin_classifier.cli)

# The recipe, chosen by the other clinics' images (OTHER_SOURCE, never trained on; figures in the model card).
# Lesion-grouped 70/15/15 split of every body site; the per-epoch backups in $run/checkpoints let the same
# command resume after a stop.
common=(--val-fraction 0.15 --test-fraction 0.15 --patience 4 --max-train-per-class 1500 --other-source "$other_source")
case "$backbone" in
  vgg16)  # the original design's recipe, from the offline weights (no ImageNet download here)
    recipe=(--weights "${VGG16_WEIGHTS:-../shared/weights/vgg16_notop_hed_bsds500.weights.h5}" --epochs 30 10 5
            --cache-frozen all --cached-views 2 --mixed-precision) ;;
  efficientnet-lite*)  # the whole network from the first step, on streamed images: phases 1 and 2 skipped (0 epochs)
    recipe=(--weights imagenet --epochs 0 0 10 --phase-blocks block6a stem --fine-tune-lr 1e-3 --train-batchnorm
            --weight-decay 0.01 --head-units 0 --dropout 0.3 ${IMAGE_SIZE:+--image-size "$IMAGE_SIZE"}) ;;
  *) echo "no recipe for backbone $backbone" >&2; exit 2 ;;
esac

description="HAM10000 (Tschandl et al., Sci. Data 5, 180161, 2018): 5,984 dermatoscopic images of pigmented skin lesions, resized to 224x224, 7 diagnostic classes; nevi are 72% of images."
licence="CC BY-NC 4.0 (attribution, non-commercial)"
sources="${SOURCES:-none}"
teacher="${TEACHER:-none}"
if [ "$sources" != none ]; then
  recipe+=(--extra-source "$sources" --source-balance within-class --detail-jitter 0.5 --round-field 0.3)
  description+=" Beside it, $(basename "$sources") (from dermoscopy-extra: 15,924 labelled dermoscopy images from five other sources, the same 7 classes): ISIC 2017 challenge images (ISIC archive, mostly Memorial Sloan Kettering, New York; 626, CC BY-NC), Derm7pt (Kawahara et al., IEEE JBHI 2019, Italy; 986, released for research), PH2 (Mendonça et al., EMBC 2013, Portugal; 200, released for research), BCN20000 (Combalia et al., arXiv:1908.02288, Hospital Clínic Barcelona; 12,381 at 84x84 px, CC BY-NC) and HAM10000 lesions absent from the main copy (1,731 at 84x84 px, CC BY-NC 4.0)."
  licence="CC BY-NC (HAM10000, ISIC archive, BCN20000: attribution, non-commercial); Derm7pt and PH2 released for research: the model inherits these terms"
fi
if [ "$teacher" != none ]; then recipe+=(--teacher "$teacher"); fi

# Ensemble members (efficientnet-lite*): one more training run per entry, each a seed on the same held-out
# split (--split-seed 42), served as one model answering with the mean logits of the members, each over the image
# and one mirror image (calibrate --flip-tta one-each: 4 forward passes; figures in benchmarks/ensemble_tta.md).
member_args=("--seed 42")
case "$backbone" in efficientnet-lite*) member_args+=("--seed 43") ;; esac
members="${MEMBERS:-${#member_args[@]}}"
member_runs=()
for ((index = 0; index < members; index++)); do
  member_run="$run"
  [ "$index" = 0 ] || member_run="$run-member$index"
  member_runs+=("$member_run")
  if [ "${SKIP_TRAIN:-0}" != 1 ]; then
    # shellcheck disable=SC2206  # each entry is a list of arguments
    extra=(${member_args[$index]} --split-seed 42)
    "${cli[@]}" train "$data" --output "$member_run" --backbone "$backbone" "${common[@]}" "${recipe[@]}" "${extra[@]}" \
      --data-description "$description" --data-licence "$licence"
  fi
done
# The first member's artifact becomes the ensemble, its temperature refitted on validation images alone: with
# perturbed views too (as single models are), the other clinics' calibration error was 0.056 rather than 0.044.
if [ "$members" -gt 1 ]; then
  ensemble="$run-ensemble"
  rm -rf "$ensemble" && mkdir -p "$ensemble"
  cp -r "$run/artifact" "$ensemble/artifact" && cp "$run/splits.json" "$ensemble/"
  others=()
  for member_run in "${member_runs[@]:1}"; do others+=("$member_run/artifact"); done
  "${cli[@]}" calibrate "$ensemble/artifact" "$data" --splits "$ensemble/splits.json" --ensemble-with "${others[@]}" \
    --flip-tta one-each --perturbed-views 0 --other-source "$other_source"
  run="$ensemble"
fi

"${cli[@]}" convert "$run/artifact" --calibration-data "$data" --calibration-splits "$run/splits.json"
"$python" ml/benchmarks/runtime_benchmark.py --artifact "$run/artifact" --data-dir "$data" \
  --splits "$run/splits.json" --split val --other-source "$other_source" --servable onnx onnx-float16 onnx-int8 \
  --output "$run/artifact/benchmarks/runtimes"
chosen="$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["chosen_default"])' \
  "$run/artifact/benchmarks/runtimes.json")"
echo "default runtime: $chosen"
for report in runs/levers runs/recipe/recipe_search runs/backbones runs/ensemble_tta; do  # written by ml/benchmarks/*.py when run
  if [ -f "$report.md" ]; then cp "$report.md" "$report.json" "$run/artifact/benchmarks/"; fi
done
"${cli[@]}" package "$run/artifact" models/reference --runtime "$chosen"
# The image-kind check learns the served runtime's own pooled features (training split only for dermoscopy).
"${cli[@]}" image-kind models/reference --dermoscopy "$data" --splits "$run/splits.json" \
  --skin-photos "$skin_photos" --not-skin "$not_skin"
# The served runtime on the other clinics' images: lesion figures and what the image-kind check calls them.
"${cli[@]}" evaluate models/reference "$other_source" --output models/reference/benchmarks/other-clinics.json
"$python" backend/benchmarks/serve_benchmark.py --model-dir models/reference \
  --explain --output models/reference/benchmarks/serving.json
"$python" -c 'import sys; from pathlib import Path; from skin_classifier.model_card import write_model_card; write_model_card(Path(sys.argv[1]))' models/reference
# The load test of the API serving it (docs/load-test.md), then the README's figures from all of the above.
"$python" backend/benchmarks/load_test.py --model-dir models/reference --soak 1000
"$python" -m skin_classifier.reference_figures models/reference README.md --load-test docs/load-test.json
du -sh models/reference
