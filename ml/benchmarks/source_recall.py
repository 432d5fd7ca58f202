"""Score any artifact, through its served runtime, on each extra source's held-out images of a training run.

A run trained with `--extra-source` lists each source's held-out images in its `sources.json`: this scores
another model (the teacher, an int8 conversion) on exactly those images, so that the share of each source's
melanomas found compares across builds. Writes JSON and Markdown with the machine and the command.

    python ml/benchmarks/source_recall.py models/teacher --sources runs/lv-all/sources.json \\
        --root ../shared/datasets/dermoscopy-extra --output runs/source-recall-teacher
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from skin_classifier.evaluate import load_labelled_images, served_outputs
from skin_classifier.jsonio import write_json
from skin_classifier.serving.classifier import load_classifier
from skin_classifier.serving.machine import cpu_name, package_versions
from skin_classifier.sources import source_figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact", type=Path)
    parser.add_argument("--sources", type=Path, required=True, help="a run's sources.json")
    parser.add_argument("--root", type=Path, required=True, help="the folder of sources the run was given")
    parser.add_argument("--runtime", default=None, help="runtime to score (default: the artifact's)")
    parser.add_argument("--output", type=Path, default=Path("runs/source-recall"))
    args = parser.parse_args(argv)
    classifier = load_classifier(args.artifact, args.runtime)
    listed = json.loads(args.sources.read_text(encoding="utf-8"))
    per_source: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, entry in listed.items():
            held_out = [key.split("/", 1)[1] for key in entry["splits"]["held_out"]]
            if not held_out:
                continue
            splits = Path(scratch) / f"{name}.json"
            splits.write_text(json.dumps({"held_out": held_out}), encoding="utf-8")
            images, labels, _ = load_labelled_images(
                args.root / entry["folder"], classifier.info.class_names, classifier.info.image_size, splits, "held_out"
            )
            probabilities, _ = served_outputs(classifier, images)
            per_source[name] = source_figures(labels, probabilities, classifier.info.class_names)
    report = {
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "packages": package_versions()},
        "scored_model_version": classifier.info.model_version,
        "runtime": classifier.runtime,
        "sources": per_source,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output.with_suffix(".json"), report)
    lines = [
        f"# Each source's held-out images: `{classifier.info.model_version}` ({classifier.runtime})",
        "",
        f"`{report['command']}` on {report['machine']['cpu']}.",
        "",
        "| source | images | balanced accuracy | melanomas found | recall per class |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {r['images']} | {r['balanced_accuracy']:.3f} | {r.get('watched_found', '-')} | "
            + ", ".join(f"{cls} {value:.2f}" for cls, value in r["recall"].items())
            + " |"
            for name, r in per_source.items()
        ],
    ]
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.output.with_suffix(".md"))


if __name__ == "__main__":
    main()
