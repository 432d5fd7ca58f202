"""Flip test-time augmentation and ensembles, priced: accuracy on other clinics' images against serving cost.

Each trained artifact is scored as served without and with flip averaging (the mean logit of the image and its
two mirror images), and, given several artifacts, so is their ensemble as `calibrate --ensemble-with` serves it
(the mean of the members' logits under one temperature; here the members' mean temperature, as this benchmark
has no validation images to fit one on): on the image alone, with one mirror image each and with both, each
variant one Keras graph. Accuracy is measured on a folder of images never
trained on (dermoscopy from other clinics). Cost is that graph exported to ONNX and run as the API runs its
default runtime (ONNX Runtime, INFERENCE_THREADS=2): median batch-1 time and images per second at batch 8.
Writes JSON and Markdown with the machine and the command.

    python ml/benchmarks/ensemble_tta.py runs/efficientnet-lite0/artifact runs/efficientnet-lite0-seed1/artifact \
        --other-source ../shared/datasets/isic2018-shift --output runs/ensemble_tta
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import onnxruntime

from skin_classifier import model as _custom_layers  # noqa: F401  (registers the layers the saved models use)
from skin_classifier.evaluate import load_labelled_images
from skin_classifier.jsonio import write_json
from skin_classifier.metrics import evaluate_probabilities
from skin_classifier.model import CALIBRATION_LAYER, FLIP_CORE, ensemble_of, is_flip_averaged, logits_of, mirror_views
from skin_classifier.serving.artifact import read_artifact_info
from skin_classifier.serving.machine import cpu_name, package_versions, packages_text

SERVING_THREADS = 2  # the API's default INFERENCE_THREADS


def single_view_model(artifact: Path) -> tuple[keras.Model, list[str], int]:
    """The artifact's Keras model without flip averaging (its single-view core), class names and input size."""
    info = read_artifact_info(artifact)
    model = keras.saving.load_model(artifact / "model.keras", compile=False, safe_mode=True)
    if is_flip_averaged(model):
        core = model.get_layer(FLIP_CORE)
        model = keras.Model(core.input, model.get_layer(CALIBRATION_LAYER)(core.output), name=model.name)
    return model, info.class_names, info.image_size


def calibrated_logits(model: keras.Model) -> keras.Model:
    """A model's logits in served units: z / T + b, its own calibrated softmax without the softmax."""
    temperature, bias = model.get_layer(CALIBRATION_LAYER).get_weights()
    logits = logits_of(model)
    outputs = keras.ops.add(keras.ops.divide(logits.output, float(np.squeeze(temperature))), bias)
    return keras.Model(logits.input, outputs)


def with_flips(logits: keras.Model) -> keras.Model:
    """Flip averaging as served: the mean logit of the image, left-right and up-down mirrored."""
    inputs = keras.Input(shape=logits.input.shape[1:], name="image")
    return keras.Model(inputs, keras.layers.Average()([logits(view) for view in mirror_views(inputs)]))


def ensemble(members: list[keras.Model], mirrors: str = "none") -> keras.Model:
    """`model.ensemble_of` with the members' mean temperature in place of a fitted one."""
    joined = ensemble_of(members, mirrors)
    temperatures = [float(np.squeeze(member.get_layer(CALIBRATION_LAYER).get_weights()[0])) for member in members]
    bias = np.zeros(members[0].output.shape[-1], np.float32)
    joined.get_layer(CALIBRATION_LAYER).set_weights([np.float32(np.mean(temperatures)), bias])
    return joined


def probabilities(logits: keras.Model) -> keras.Model:
    return keras.Model(logits.input, keras.layers.Softmax()(logits.output))


def score(model: keras.Model, images: np.ndarray, labels: np.ndarray, class_names: list[str]) -> dict:
    predicted = np.concatenate(
        [np.asarray(model(images[start : start + 32].astype(np.float32))) for start in range(0, len(images), 32)]
    )
    report = evaluate_probabilities(labels, predicted, class_names)
    return {
        "balanced_accuracy": round(report["balanced_accuracy"], 4),
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro_f1"], 4),
        "expected_calibration_error": round(report["expected_calibration_error"], 4),
        "recall": {name: round(scores["recall"], 3) for name, scores in report["per_class"].items()},
        "majority_baseline_accuracy": round(report["majority_baseline"]["accuracy"], 4),
    }


def cost(model: keras.Model, size: int, runs: int = 30) -> dict:
    """The graph as the API would serve it: exported to ONNX, run by ONNX Runtime on SERVING_THREADS threads."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "model.onnx"
        model.export(path, format="onnx", verbose=False)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = SERVING_THREADS
        options.enable_cpu_mem_arena = options.enable_mem_pattern = False  # as `OnnxPredictor` runs it
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        megabytes = path.stat().st_size / 2**20
    name = session.get_inputs()[0].name
    rng = np.random.default_rng(0)
    one = rng.uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    eight = rng.uniform(0, 255, (8, size, size, 3)).astype(np.float32)
    session.run(None, {name: one}), session.run(None, {name: eight})  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, {name: one})
        times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    for _ in range(5):
        session.run(None, {name: eight})
    return {
        "onnx_p50_ms_batch1": round(float(np.median(times)), 1),
        "onnx_images_per_s_batch8": round(40 / (time.perf_counter() - started), 1),
        "onnx_mb": round(megabytes, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifacts", type=Path, nargs="+", help="trained artifact folders (with model.keras)")
    parser.add_argument("--other-source", type=Path, required=True, help="folder-per-class images to score on")
    parser.add_argument("--output", type=Path, default=Path("runs/ensemble_tta"), help="report path without suffix")
    parser.add_argument(
        "--ensembles",
        nargs="+",
        default=None,
        metavar="INDICES",
        help="ensembles to score, each as comma-separated artifact positions from 0, e.g. 0,1 0,1,2 (default: "
        "all the artifacts together)",
    )
    args = parser.parse_args(argv)

    members = [single_view_model(artifact) for artifact in args.artifacts]
    class_names, size = members[0][1], members[0][2]
    if any(names != class_names or image_size != size for _, names, image_size in members):
        raise SystemExit("every artifact must have the same classes and input size")
    images, labels, _ = load_labelled_images(args.other_source, class_names, size)
    variants: dict[str, keras.Model] = {}
    for artifact, (model, _, _) in zip(args.artifacts, members, strict=True):
        name = artifact.parent.name if artifact.name == "artifact" else artifact.name
        variants[name] = calibrated_logits(model)
        variants[f"{name} + flip TTA"] = with_flips(variants[name])
    groups = [[int(index) for index in group.split(",")] for group in args.ensembles or []]
    if not groups and len(members) > 1:
        groups = [list(range(len(members)))]
    for group in groups:
        name = f"ensemble of {' + '.join(str(args.artifacts[index].parent.name) for index in group)}"
        chosen = [members[index][0] for index in group]
        variants[name] = calibrated_logits(ensemble(chosen))
        variants[f"{name} + one mirror image each"] = calibrated_logits(ensemble(chosen, "one-each"))
        variants[f"{name} + flip TTA"] = calibrated_logits(ensemble(chosen, "both"))
    rows = []
    for name, logits in variants.items():
        served = probabilities(logits)
        rows.append({"variant": name, **score(served, images, labels, class_names), **cost(served, size)})
        print(f"{name}: {rows[-1]}", flush=True)
    report = {
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "packages": package_versions()},
        "other_source": {"folder": args.other_source.name, "images": len(labels)},
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output.with_suffix(".json"), report)
    baseline = rows[0]
    lines = [
        "# Test-time augmentation and ensembles",
        "",
        (
            f"Machine: {report['machine']['cpu']} ({report['machine']['cores']} cores, no GPU); packages: "
            f"{packages_text(report['machine']['packages'])}. Command: "
            f"`{report['command']}`. Scored on `{args.other_source.name}` ({len(labels)} images never trained on; "
            f"always answering the largest class: accuracy {baseline['majority_baseline_accuracy']:.3f}). Cost: "
            f"each variant as one ONNX graph in ONNX Runtime on {SERVING_THREADS} threads, as the API serves it: "
            "batch-1 time (median) and images per second at batch 8."
        ),
        "",
        "| variant | balanced accuracy | gain | accuracy | macro F1 | ECE | melanoma recall | lowest recall | p50 ms | img/s (batch 8) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        gain = row["balanced_accuracy"] - baseline["balanced_accuracy"]
        lines.append(
            f"| {row['variant']} | {row['balanced_accuracy']:.3f} | {gain:+.3f} | {row['accuracy']:.3f} "
            f"| {row['macro_f1']:.3f} | {row['expected_calibration_error']:.3f} | {row['recall'].get('Melanoma', 0):.3f} "
            f"| {min(row['recall'].values()):.3f} | {row['onnx_p50_ms_batch1']} | {row['onnx_images_per_s_batch8']} |"
        )
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
