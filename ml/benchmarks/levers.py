"""The lever table: one row per build, read from each artifact's own files, all on the same splits.

Each row names an artifact (a run's `artifact/` folder or a packaged model): validation and other-clinics
balanced accuracy, accuracy, melanoma recall, the lowest class recall and the calibration error there, the
training minutes, and, where a serving benchmark of it exists (`benchmarks/serving.json` in the artifact, or
given with --serving), p50 latency and images/s through the API for one client. A second table shows, per
extra source, the share of its held-out melanomas each build finds, where a shortcut from the source shows.

    python ml/benchmarks/levers.py --row "HAM10000 only=runs/lv-ham128/artifact" \\
        --row "+ all sources=runs/lv-all/artifact" --output models/reference/benchmarks/levers
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

from skin_classifier.jsonio import write_json
from skin_classifier.model_card import OTHER_SOURCE
from skin_classifier.reference_figures import training_minutes
from skin_classifier.serving.machine import cpu_name, package_versions, packages_text
from skin_classifier.sources import WATCHED_CLASS


def _named(values: list[str], what: str) -> dict[str, Path]:
    named = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep:
            raise SystemExit(f"{what} must be NAME=PATH, got {value!r}")
        named[name] = Path(path)
    return named


def serving_figures(report_path: Path | None) -> dict[str, Any]:
    """p50 and images/s for one client, and images/s for eight, from a `serve_benchmark.py` report."""
    if report_path is None or not report_path.is_file():
        return {}
    report = json.loads(report_path.read_text(encoding="utf-8"))
    levels = {level["concurrency"]: level for level in report.get("levels", [])}
    figures: dict[str, Any] = {"serving_cpu": report.get("machine", {}).get("cpu")}
    if 1 in levels:
        figures |= {"p50_ms": levels[1]["p50_ms"], "images_per_s": levels[1]["throughput_rps"]}
    if 8 in levels:
        figures["images_per_s_8_clients"] = levels[8]["throughput_rps"]
    return figures


def build_row(
    name: str,
    artifact: Path,
    serving: Path | None = None,
    source_recall: Path | None = None,
    other_clinics: Path | None = None,
    validation: Path | None = None,
) -> dict[str, Any]:
    manifest = json.loads((artifact / "manifest.json").read_text(encoding="utf-8"))
    metrics = json.loads((artifact / "metrics.json").read_text(encoding="utf-8"))
    training = manifest.get("training", {})
    row: dict[str, Any] = {
        "build": name,
        "model_version": manifest["model_version"],
        "runtime": manifest.get("default_runtime"),
        "image_size": (training.get("settings") or {}).get("image_size"),
        "val_balanced_accuracy": (
            json.loads(validation.read_text(encoding="utf-8")) if validation else metrics.get("val", {})
        ).get("balanced_accuracy"),
        "training_minutes": training_minutes(training),
    }
    # `skin-classifier evaluate` of a served runtime (e.g. int8) stands in for the Keras model's own figures
    other = json.loads(other_clinics.read_text(encoding="utf-8")) if other_clinics else metrics.get(OTHER_SOURCE)
    if other:
        recall = {cls: entry["recall"] for cls, entry in other["per_class"].items()}
        row |= {
            "other_balanced_accuracy": other["balanced_accuracy"],
            "other_accuracy": other["accuracy"],
            "other_melanoma_recall": recall.get(WATCHED_CLASS),
            "other_lowest_recall": min(recall.values()),
            "other_lowest_class": min(recall, key=lambda cls: recall[cls]),
            "other_ece": other.get("expected_calibration_error"),
        }
    scored = (
        json.loads(source_recall.read_text(encoding="utf-8"))["sources"] if source_recall else metrics.get("sources")
    )
    row["sources_found"] = {source: entry.get("watched_found") for source, entry in (scored or {}).items()}
    row |= serving_figures(serving or artifact / "benchmarks" / "serving.json")
    return row


def _cell(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def markdown(report: dict[str, Any]) -> str:
    rows = report["rows"]
    lines = [
        "# What each lever gave",
        "",
        (
            f"`{report['command']}` on {report['machine']['cpu']} ({report['machine']['cores']} cores); "
            f"{packages_text(report['machine']['packages'])}."
        ),
        "",
        (
            "Validation: the HAM10000 validation split (the same lesions in every row). Other clinics: "
            "isic2018-shift, never trained on. Serving: p50 and images/s through the API for one client "
            "(`serve_benchmark.py`), on the CPU named in the JSON."
        ),
        "",
        *([report["note"], ""] if report.get("note") else []),
        (
            "| build | model | val BA | other clinics BA | accuracy | melanoma | lowest class | ECE | training min "
            "| p50 ms | images/s |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lowest = (
            f"{row['other_lowest_recall']:.2f} ({row['other_lowest_class']})" if "other_lowest_recall" in row else "-"
        )
        lines.append(
            f"| {row['build']} | `{row['model_version']}` {row.get('image_size') or ''} px "
            f"| {_cell(row['val_balanced_accuracy'])} | {_cell(row.get('other_balanced_accuracy'))} "
            f"| {_cell(row.get('other_accuracy'))} | {_cell(row.get('other_melanoma_recall'), 2)} | {lowest} "
            f"| {_cell(row.get('other_ece'))} | {_cell(row['training_minutes'], 1)} | {_cell(row.get('p50_ms'), 1)} "
            f"| {_cell(row.get('images_per_s'), 1)} |"
        )
    sources = sorted({source for row in rows for source in row["sources_found"]})
    if sources:
        lines += [
            "",
            "Melanomas found among each extra source's held-out images (never trained on):",
            "",
            "| build | " + " | ".join(sources) + " |",
            "|---|" + "---|" * len(sources),
        ]
        for row in rows:
            if row["sources_found"]:
                found = [row["sources_found"].get(source) or "-" for source in sources]
                lines.append(f"| {row['build']} | " + " | ".join(found) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--row", action="append", required=True, help="NAME=ARTIFACT, one per build, in order")
    parser.add_argument("--serving", action="append", default=[], help="NAME=serve_benchmark JSON for that row")
    parser.add_argument("--source-recall", action="append", default=[], help="NAME=source_recall.py JSON for that row")
    parser.add_argument(
        "--other-clinics",
        action="append",
        default=[],
        help="NAME=`skin-classifier evaluate` JSON of that row's served runtime on the other clinics' images",
    )
    parser.add_argument(
        "--validation",
        action="append",
        default=[],
        help="NAME=`skin-classifier evaluate --split val` JSON of that row's served runtime",
    )
    parser.add_argument("--note", help="a paragraph for the report: what the rows share, what else ran")
    parser.add_argument("--output", type=Path, default=Path("runs/levers"), help="writes OUTPUT.json and OUTPUT.md")
    args = parser.parse_args(argv)
    serving = _named(args.serving, "--serving")
    source_recall = _named(args.source_recall, "--source-recall")
    other_clinics = _named(args.other_clinics, "--other-clinics")
    validation = _named(args.validation, "--validation")
    report = {
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "packages": package_versions()},
        "note": args.note,
        "rows": [
            build_row(
                name, path, serving.get(name), source_recall.get(name), other_clinics.get(name), validation.get(name)
            )
            for name, path in _named(args.row, "--row").items()
        ],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output.with_suffix(".json"), report)
    args.output.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(args.output.with_suffix(".md"))


if __name__ == "__main__":
    main()
