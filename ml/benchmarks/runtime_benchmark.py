"""Compare an artifact's serving runtimes on this machine, in one run, on a labelled split.

Each runtime is measured in a fresh process (so cold start and memory are its own): cold start (import,
load, first inference), batch-1 latency, batch throughput, resident memory, file size, and on the split:
balanced accuracy and top-1 agreement with the Keras float32 model (always measured, as the reference).
Writes JSON and a Markdown table, and names the serving default: the fastest runtime at batch 1 whose
balanced accuracy is within `--tolerance` (1 point) of Keras float32 (on the split, and with `--other-source`
on those images too), and, with `--max-file-mb`, whose file fits that budget (e.g. for shipping it in the
repository). Int8 runtimes therefore win only when they keep the accuracy, here and elsewhere.

    python ml/benchmarks/runtime_benchmark.py --artifact runs/ham10000/artifact \
        --data-dir ../shared/datasets/ham10000 --splits runs/ham10000/splits.json --split val \
        --output runs/bench/runtimes
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _memory_mb() -> dict[str, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_rss_mb": round(fields["VmHWM"], 1)}


def worker(runtime: str, artifact: Path, images_path: Path, latency_runs: int, batch_size: int) -> dict:
    """Runs in its own process: everything a fresh server would pay for this runtime."""
    started = time.perf_counter()
    from skin_classifier.serving.classifier import load_classifier, predict_in_batches

    classifier = load_classifier(artifact, runtime)
    classifier.warm_up()
    cold_start_s = time.perf_counter() - started
    memory_after_warm_up = _memory_mb()
    images = np.load(images_path, allow_pickle=False)
    one = images[:1].astype(np.float32)  # models take float32 RGB 0..255 and normalise themselves
    latencies = []
    for _ in range(latency_runs):
        tick = time.perf_counter()
        classifier.predict_probabilities(one)
        latencies.append((time.perf_counter() - tick) * 1000)
    tick = time.perf_counter()
    probabilities = predict_in_batches(classifier.predict_probabilities, images, batch_size)
    elapsed = time.perf_counter() - tick
    return {
        "runtime": runtime,
        "file": classifier.info.runtimes[runtime],
        "file_mb": round((artifact / classifier.info.runtimes[runtime]).stat().st_size / 1e6, 1),
        "cold_start_s": round(cold_start_s, 2),
        "batch1_latency_ms": {
            "median": round(float(np.median(latencies)), 1),
            "p95": round(float(np.percentile(latencies, 95)), 1),
            "runs": latency_runs,
        },
        "throughput_images_per_s": round(len(images) / elapsed, 2),
        "throughput_batch_size": batch_size,
        "memory_after_warm_up": memory_after_warm_up,
        "memory_after_run": _memory_mb(),
        "probabilities": probabilities.tolist(),
    }


def machine() -> dict:
    from skin_classifier.serving.machine import machine_facts

    return machine_facts()


def markdown(report: dict) -> str:
    from skin_classifier.serving.machine import packages_text

    other = (report.get("other_source") or {}).get("folder")
    lines = [
        f"# Serving runtimes on {report['machine']['cpu']} ({report['machine']['cores']} cores)",
        "",
        (
            f"Artifact `{report['artifact']}` (model version `{report['model_version']}`), "
            f"{report['samples']} images of the `{report['split']}` split"
            + (f" and {report['other_source']['samples']} of `{other}`" if other else "")
            + f". Command: `{report['command']}`"
        ),
        "",
        f"Packages: {packages_text(report['machine'].get('packages', {}))}.",
        "",
        (
            "| runtime | file MB | cold start s | batch-1 median ms | batch-1 p95 ms | images/s (batch "
            f"{report['batch_size']}) | RSS after warm-up MB | balanced accuracy | top-1 agreement with keras |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if other:
        lines[-2] = lines[-2].replace(
            "| balanced accuracy |", f"| balanced accuracy | balanced accuracy on `{other}` |"
        )
        lines[-1] += "---|"
    for row in report["runtimes"]:
        name = f"**{row['runtime']}** (default)" if row["runtime"] == report["chosen_default"] else row["runtime"]
        lines.append(
            f"| {name} | {row['file_mb']} | {row['cold_start_s']} | {row['batch1_latency_ms']['median']} "
            f"| {row['batch1_latency_ms']['p95']} | {row['throughput_images_per_s']} "
            f"| {row['memory_after_warm_up']['rss_mb']} | {row['balanced_accuracy']:.3f} "
            + (f"| {row[f'{other}_balanced_accuracy']:.3f} " if other else "")
            + f"| {row['top1_agreement_with_keras']:.3f} |"
        )
    lines += ["", f"Chosen default: **{report['chosen_default']}**: {report['choice_rule']}", ""]
    if report.get("not_in_artifact"):
        lines += [
            (
                f"Not in the artifact, so not measured: {', '.join(report['not_in_artifact'])} "
                "(`skin-classifier convert` adds them)."
            ),
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True, help="folder-per-class data set")
    parser.add_argument("--splits", type=Path, required=True, help="splits.json of the training run")
    parser.add_argument("--split", default="val")
    parser.add_argument(
        "--runtimes",
        nargs="+",
        default=None,
        help="runtimes to measure, keras always among them (default: every runtime in the artifact)",
    )
    parser.add_argument(
        "--servable",
        nargs="+",
        default=None,
        metavar="RUNTIME",
        help="runtimes the serving image can load, the only ones the default is chosen from "
        "(default: all; the API's Docker image installs ONNX Runtime only)",
    )
    parser.add_argument(
        "--other-source",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder-per-class images from elsewhere (never trained on): scored too, and the default must keep "
        "its balanced accuracy there as well",
    )
    parser.add_argument("--latency-runs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32, help="batch size of the throughput run (default 32)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.01,
        help="largest balanced-accuracy loss against keras float32 for the default (default 0.01 = 1 point)",
    )
    parser.add_argument(
        "--max-file-mb",
        type=float,
        default=None,
        help="largest model file the default may have, e.g. to ship it in the repository (default: no limit)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path("runs/bench/runtimes"), help="writes OUTPUT.json and OUTPUT.md"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--images", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.artifact, args.images, args.latency_runs, args.batch_size)))
        return

    # Imported here, not at the top: a worker's cold start must include loading skin_classifier itself.
    from skin_classifier.evaluate import load_labelled_images
    from skin_classifier.metrics import evaluate_probabilities
    from skin_classifier.serving.artifact import read_artifact_info
    from skin_classifier.serving.runtimes import RUNTIMES, SOURCE_RUNTIME

    runtimes = list(dict.fromkeys([SOURCE_RUNTIME, *(args.runtimes or RUNTIMES)]))  # the source: the reference
    unknown = set(runtimes) - set(RUNTIMES)
    if unknown:
        parser.error(f"unknown runtime(s) {sorted(unknown)}; choose from {', '.join(RUNTIMES)}")

    info = read_artifact_info(args.artifact)
    if SOURCE_RUNTIME not in info.runtimes:
        parser.error(f"{args.artifact} has no keras model to compare the other runtimes with")
    images, labels, _ = load_labelled_images(args.data_dir, info.class_names, info.image_size, args.splits, args.split)
    scored = {args.split: slice(0, len(labels))}
    if args.other_source:  # scored in the same passes, after the split's images
        other_images, other_labels, _ = load_labelled_images(args.other_source, info.class_names, info.image_size)
        scored[args.other_source.name] = slice(len(labels), len(labels) + len(other_labels))
        images, labels = np.concatenate([images, other_images]), np.concatenate([labels, other_labels])
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        images_path = Path(scratch) / "images.npy"
        np.save(images_path, images)
        for runtime in [r for r in runtimes if r in info.runtimes]:  # e.g. onnx-int8 once converted
            command = [
                sys.executable,
                __file__,
                "--worker",
                runtime,
                "--artifact",
                str(args.artifact),
                "--images",
                str(images_path),
                "--latency-runs",
                str(args.latency_runs),
                "--batch-size",
                str(args.batch_size),
                "--data-dir",
                "-",
                "--splits",
                "-",
            ]
            print(f"measuring {runtime} ...", file=sys.stderr, flush=True)
            output = subprocess.run(
                command, check=True, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
            ).stdout
            rows.append(json.loads(output.strip().splitlines()[-1]))
    reference = next(np.array(r["probabilities"]) for r in rows if r["runtime"] == "keras")
    for row in rows:
        probabilities = np.array(row.pop("probabilities"))
        for name, part in scored.items():
            report = evaluate_probabilities(labels[part], probabilities[part], info.class_names)
            prefix = "" if name == args.split else f"{name}_"
            row[f"{prefix}balanced_accuracy"] = report["balanced_accuracy"]
            row[f"{prefix}accuracy"] = report["accuracy"]
            row[f"{prefix}macro_f1"] = report["macro_f1"]
        part = scored[args.split]
        row["top1_agreement_with_keras"] = float((probabilities[part].argmax(1) == reference[part].argmax(1)).mean())
    keras_row = next(r for r in rows if r["runtime"] == "keras")
    baseline = keras_row["balanced_accuracy"]
    kept = ["balanced_accuracy"] + [f"{name}_balanced_accuracy" for name in scored if name != args.split]
    eligible = [
        r
        for r in rows
        if all(r[key] >= keras_row[key] - args.tolerance for key in kept)
        and (args.max_file_mb is None or r["file_mb"] <= args.max_file_mb)
        and (args.servable is None or r["runtime"] in args.servable)
    ]
    best = min(eligible, key=lambda r: r["batch1_latency_ms"]["median"]) if eligible else None
    result = {
        "artifact": str(args.artifact),
        "model_version": info.model_version,
        "split": args.split,
        "samples": scored[args.split].stop,
        "other_source": (
            {"folder": args.other_source.name, "samples": len(labels) - scored[args.split].stop}
            if args.other_source
            else None
        ),
        "batch_size": args.batch_size,
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "runtimes": rows,
        "not_in_artifact": [r for r in runtimes if r not in info.runtimes],
        "chosen_default": best["runtime"] if best else None,
        "choice_rule": f"the lowest batch-1 median latency among runtimes whose {args.split} balanced accuracy is "
        f"within {100 * args.tolerance:.1f} points of keras float32 "
        f"({baseline:.3f})"
        + (
            f" and whose {args.other_source.name} balanced accuracy is too "
            f"({keras_row[f'{args.other_source.name}_balanced_accuracy']:.3f})"
            if args.other_source
            else ""
        )
        + (f" and whose file is at most {args.max_file_mb:g} MB" if args.max_file_mb is not None else "")
        + (f", among those the serving image loads ({', '.join(args.servable)})" if args.servable else ""),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.output.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
