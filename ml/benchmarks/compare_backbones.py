"""Side-by-side figures of trained runs, one per backbone: accuracy on every held-out split, per-class recall,
speed, size and training time. Writes JSON and Markdown with the machine and the command.

    python ml/benchmarks/compare_backbones.py runs/vgg16 runs/efficientnet-lite0 --output runs/backbones \
        --other-source ../shared/datasets/isic2018-shift

`--other-source` scores each run's artifact on dermoscopy from other clinics (never trained on) where its
metrics do not already hold that split: the column the shipped backbone is chosen by.

`--previous models/reference/benchmarks/backbones.json` keeps the rows of runs measured earlier whose folders
are gone (each row names the machine it was measured on); a run given here replaces a previous row of its name.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from skin_classifier.evaluate import evaluate_artifact
from skin_classifier.jsonio import write_json
from skin_classifier.model_card import OTHER_SOURCE
from skin_classifier.serving.classifier import load_classifier
from skin_classifier.serving.machine import cpu_name, package_versions, packages_text


def forward_ms(artifact: Path, runs: int = 30) -> float:
    """Median batch-1 forward time of the Keras float32 model, compiled (the same runtime for every backbone)."""
    classifier = load_classifier(artifact, "keras")
    size = classifier.info.image_size
    batch = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    classifier.predict_probabilities(batch)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        classifier.predict_probabilities(batch)
        times.append((time.perf_counter() - started) * 1000)
    return round(float(np.median(times)), 1)


def _figure(figures: dict, split: str) -> str:
    """A split's figure to 3 places, or '-' for a split the run was not measured on."""
    return f"{figures[split]:.3f}" if split in figures else "-"


def recipe_of(settings: dict) -> str:
    """The settings that differ between runs, in a few words."""
    parts = [
        f"{settings.get('cached_views', 1)} cached views"
        if settings.get("cache_frozen") in (True, "all")
        else "streamed"
    ]
    if settings.get("cache_frozen") == "head":
        parts[0] = "head on cached views, base streamed"
    if settings.get("phase_blocks"):
        parts.append("phases from " + "/".join(settings["phase_blocks"]))
    if settings.get("colour_constancy"):
        parts.append("Shades of Gray")
    if settings.get("max_train_per_class"):
        parts.append(f"≤{settings['max_train_per_class']} per class")
    return ", ".join(parts)


def summarise(run: Path, other_source: Path | None = None) -> dict:
    artifact = run / "artifact"
    manifest = json.loads((artifact / "manifest.json").read_text(encoding="utf-8"))
    metrics = json.loads((artifact / "metrics.json").read_text(encoding="utf-8"))
    if other_source and OTHER_SOURCE not in metrics:
        metrics[OTHER_SOURCE] = evaluate_artifact(artifact, other_source, run / f"evaluation_{other_source.name}.json")
    training = manifest["training"]
    classifier = load_classifier(artifact, "keras")
    return {
        "run": run.name,
        "recipe": recipe_of(training["settings"]),
        "measured_on": f"{cpu_name()} ({os.cpu_count()} cores)",
        "backbone": training.get("backbone"),
        "weights": training["settings"].get("weights"),
        "image_size": classifier.info.image_size,
        "parameters_m": round(classifier.predictor.model.count_params() / 1e6, 2),
        "keras_file_mb": round((artifact / "model.keras").stat().st_size / 1e6, 1),
        "forward_ms_batch1": forward_ms(artifact),
        "training_minutes": round(training["timings_s"].get("total_s", 0) / 60, 1),
        "timings_s": training["timings_s"],
        "epochs_run": training.get("epochs_run"),
        "balanced_accuracy": {split: round(report["balanced_accuracy"], 4) for split, report in metrics.items()},
        "macro_f1": {split: round(report["macro_f1"], 4) for split, report in metrics.items()},
        "accuracy": {split: round(report["accuracy"], 4) for split, report in metrics.items()},
        "test_recall": {name: round(scores["recall"], 3) for name, scores in metrics["test"]["per_class"].items()}
        if "test" in metrics
        else {},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+", help="training run folders (each with artifact/)")
    parser.add_argument("--output", type=Path, default=Path("runs/backbones"), help="report path without suffix")
    parser.add_argument("--previous", type=Path, help="an earlier report whose rows to keep")
    parser.add_argument(
        "--other-source", type=Path, help="folder-per-class dermoscopy from other clinics to score each run on"
    )
    args = parser.parse_args(argv)
    rows = [summarise(run, args.other_source) for run in args.runs]
    if args.previous:
        earlier = json.loads(args.previous.read_text(encoding="utf-8"))
        measured = f"{earlier['machine']['cpu']} ({earlier['machine']['cores']} cores)"
        kept = [
            {"recipe": "", "measured_on": measured, **row}
            for row in earlier["rows"]
            if row["run"] not in {new["run"] for new in rows}
        ]
        rows = kept + rows
    report = {
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "packages": package_versions()},
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output.with_suffix(".json"), report)
    classes = list(rows[0]["test_recall"])
    lines = [
        "# Backbones compared",
        "",
        (
            f"Machine: {report['machine']['cpu']} ({report['machine']['cores']} cores, no GPU); packages: "
            f"{packages_text(report['machine']['packages'])}. Command: "
            f"`{report['command']}`. Balanced accuracy on validation (model selection), test (random lesions, "
            "touched once), shift (body sites never trained on, where a run held them out) and other clinics "
            "(dermoscopy from elsewhere, never trained on; plain accuracy beside it, to compare with always "
            "answering nevus); forward time is Keras float32 (compiled graph), batch 1, on the machine named in "
            "the last column; the served runtime is faster (see Serving runtimes)."
        ),
        "",
        (
            "| run | backbone | recipe | weights | input | params (M) | val | test | shift | other clinics "
            "| other clinics accuracy | test macro F1 | forward ms | Keras file MB | training min | measured on |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        accuracy = row["balanced_accuracy"]
        weights = Path(row["weights"]).name if row["weights"] not in ("imagenet", "none") else row["weights"]
        lines.append(
            f"| {row['run']} | {row['backbone']} | {row['recipe'] or 'cached views'} | {weights} "
            f"| {row['image_size']} | {row['parameters_m']} "
            f"| {_figure(accuracy, 'val')} | {_figure(accuracy, 'test')} | {_figure(accuracy, 'shift')} "
            f"| {_figure(accuracy, OTHER_SOURCE)} | {_figure(row.get('accuracy', {}), OTHER_SOURCE)} "
            f"| {_figure(row['macro_f1'], 'test')} "
            f"| {row['forward_ms_batch1']} | {row['keras_file_mb']} | {row['training_minutes']} "
            f"| {row['measured_on']} |"
        )
    lines += [
        "",
        "Test recall per class:",
        "",
        "| run | " + " | ".join(classes) + " |",
        "|---|" + "---|" * len(classes),
    ]
    lines += [
        f"| {row['run']} | " + " | ".join(f"{row['test_recall'].get(c, 0):.2f}" for c in classes) + " |" for row in rows
    ]
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
