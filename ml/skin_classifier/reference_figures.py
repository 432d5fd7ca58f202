"""The README's figures about the served model, written from its artifact and reports, so that none can drift.

`make reference` rewrites the block between the two markers in README.md; a test fails when the block differs
from what the committed model and reports say.

    python -m skin_classifier.reference_figures models/reference README.md [--load-test docs/load-test.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .model_card import BENCHMARKS_DIR, OTHER_SOURCE
from .sources import WATCHED_CLASS

START = "<!-- reference-figures: written by `python -m skin_classifier.reference_figures`; edit the model, not this -->"
END = "<!-- /reference-figures -->"
SPLIT_NAMES = {"val": "validation (HAM10000)", "test": "test (HAM10000)", OTHER_SOURCE: "other clinics"}


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def training_minutes(training: dict[str, Any]) -> float | None:
    """The model's own training time; an ensemble's is its members' added up."""
    members = (training.get("ensemble") or {}).get("members")
    if members:
        return round(sum(member["training_s"] for member in members) / 60, 1)
    total = (training.get("timings_s") or {}).get("total_s")
    return None if total is None else round(total / 60, 1)


def _split_row(name: str, report: dict[str, Any]) -> str:
    recall = {cls: entry["recall"] for cls, entry in report["per_class"].items()}
    lowest = min(recall, key=lambda cls: recall[cls])
    return (
        f"| {SPLIT_NAMES.get(name, name)} | {report['samples']} | {report['balanced_accuracy']:.3f} "
        f"| {report['accuracy']:.3f} | {report['majority_baseline']['accuracy']:.3f} "
        f"| {recall.get(WATCHED_CLASS, float('nan')):.2f} | {recall[lowest]:.2f} ({lowest.lower()}) "
        f"| {report['expected_calibration_error']:.3f} |"
    )


def _serving_lines(serving: dict[str, Any] | None, artifact_mb: float) -> list[str]:
    if not serving:
        return [f"Artifact: {artifact_mb:.1f} MB. No serving benchmark is recorded for this model."]
    levels = {level["concurrency"]: level for level in serving["levels"]}
    server = serving["server"]
    one = levels.get(1)
    lines = [
        (
            f"Through the API on {serving['machine']['cpu']} ({serving['machine']['cores']} cores, "
            f"[report](models/reference/benchmarks/serving.json)): healthy {server['time_to_healthy_s']} s after start, "
            f"{server['rss_after_warmup_mb']:.0f} MB resident after warm-up (peak {server['peak_rss_mb']:.0f} MB); "
            f"artifact {artifact_mb:.1f} MB."
        )
    ]
    if one:
        lines.append(f"One client: p50 {one['p50_ms']:.1f} ms, {one['throughput_rps']:.1f} images/s.")
    for clients in (8, 64):
        if clients in levels:
            level = levels[clients]
            lines.append(
                f"{clients} clients: {level['throughput_rps']:.1f} images/s, {level['ok']} of {level['requests']} "
                f"answered 200, p50 {level['p50_ms']:.0f} ms."
            )
    return lines


def _load_test_lines(load_test: dict[str, Any] | None) -> list[str]:
    if not load_test:
        return []
    met = [bar for bar in load_test.get("bars", []) if bar["met"]]
    lines = [f"Load test ([docs/load-test.md](docs/load-test.md)): {len(met)} of {len(load_test['bars'])} bars met."]
    lines += [
        f"- {'met' if bar['met'] else '**not met**'}: {bar['bar']} ({bar['measured']})" for bar in load_test["bars"]
    ]
    return lines


def figures_markdown(artifact_dir: Path, load_test_path: Path | None = None) -> str:
    """The block's text (without its markers) for the artifact in `artifact_dir`."""
    manifest = _read(artifact_dir / "manifest.json")
    metrics = _read(artifact_dir / "metrics.json") or {}
    training = manifest.get("training", {})
    settings = training.get("settings", {})
    runtime = manifest["default_runtime"]
    artifact_mb = (artifact_dir / manifest["runtimes"][runtime]).stat().st_size / 1e6
    sources = [training.get("data", {}).get("source", "the training set"), *settings.get("extra_sources", [])]
    members = len((training.get("ensemble") or {}).get("members", [])) or 1
    backbone = training.get("backbone", "n/a")
    minutes = training_minutes(training)
    lines = [
        f"Served: model version `{manifest['model_version']}`, "
        + (f"an ensemble of {members} {backbone} networks" if members > 1 else backbone)
        + f" at {settings.get('image_size', 'n/a')} px, runtime `{runtime}`, trained on {', '.join(sources)}"
        + (f" in {minutes:.0f} minutes on {training['machine']['cpu']}" if minutes else "")
        + ".",
        "",
        (
            "| images | count | balanced accuracy | accuracy | always the commonest class | melanoma recall "
            "| lowest class recall | ECE |"
        ),
        "|---|---|---|---|---|---|---|---|",
        *[_split_row(name, metrics[name]) for name in ("val", "test", OTHER_SOURCE) if name in metrics],
        "",
    ]
    other = metrics.get(OTHER_SOURCE)
    if other:
        uncertain = other["uncertainty"]
        lines += [
            "On the other clinics' images: "
            + ", ".join(f"{cls.lower()} {entry['recall']:.2f}" for cls, entry in other["per_class"].items())
            + f". Answers under a top confidence of {uncertain['threshold']:.3f} are `uncertain`: "
            f"{1 - uncertain['coverage']:.0%} of them there, wrong {1 - uncertain['uncertain_accuracy']:.0%} of the "
            f"time against {1 - uncertain['answered_accuracy']:.0%} for the rest.",
            "",
        ]
    lines += _serving_lines(_read(artifact_dir / BENCHMARKS_DIR / "serving.json"), artifact_mb)
    lines += ["", *_load_test_lines(_read(load_test_path) if load_test_path else None)]
    return "\n".join(lines).rstrip() + "\n"


def replace_block(readme: str, block: str) -> str:
    """`readme` with the text between the markers replaced by `block`."""
    if START not in readme or END not in readme:
        raise ValueError("The README has no reference-figures markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{block}{END}{tail}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", type=Path, help="the served artifact (models/reference)")
    parser.add_argument("readme", type=Path, help="README.md to rewrite between the markers")
    parser.add_argument("--load-test", type=Path, default=Path("docs/load-test.json"), help="make load's report")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    args.readme.write_text(replace_block(text, figures_markdown(args.artifact, args.load_test)), encoding="utf-8")
    print(args.readme)


if __name__ == "__main__":
    main()
