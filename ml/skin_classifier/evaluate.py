"""Scoring an exported artifact on labelled images it never trained on.

Beside the lesion metrics, the report says what the artifact's other answers would have been on these images:
how many it flags as uncertain, and what its image-kind check calls them. On dermoscopy from another clinic,
that is the share of images that would lose their answer or get a warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import decode_images, scan_image_folder
from .jsonio import write_json
from .metrics import evaluate_probabilities, plot_confusion_matrix, uncertainty_report
from .picture_statistics import check_inputs
from .serving.classifier import Classifier, load_classifier
from .serving.image_kind import IMAGE_KINDS
from .serving.preprocessing import to_model_input


def load_labelled_images(
    data_dir: Path, class_names: list[str], image_size: int, splits_file: Path | None = None, split: str = "val"
) -> tuple[np.ndarray, np.ndarray, int]:
    """Decoded images of `data_dir` (or of one split of a training run) with labels in `class_names` order.

    Class folders are matched to `class_names` by their tidied names; images of other classes are left out,
    since no answer could be right. Returns (uint8 images, labels, count of unreadable files skipped).
    """
    folder = scan_image_folder(data_dir)
    paths, labels = folder.paths, folder.labels
    if splits_file is not None:
        wanted = set(json.loads(Path(splits_file).read_text(encoding="utf-8"))[split])
        keep = [i for i, relative in enumerate(folder.relative_paths()) if relative in wanted]
        paths, labels = [paths[i] for i in keep], labels[keep]
    model_index = {name: i for i, name in enumerate(class_names)}
    to_model = np.array([model_index.get(name, -1) for name in folder.class_names])
    known = to_model[labels] >= 0
    paths, labels = [p for p, k in zip(paths, known, strict=True) if k], to_model[labels[known]]
    if not paths:
        raise ValueError(f"No images in {data_dir} belong to the classes {class_names}")
    images, kept = decode_images(paths, image_size)
    return images, labels[kept], len(paths) - len(kept)


def served_outputs(classifier: Classifier, images: np.ndarray, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Served probabilities and pooled features of uint8 images, one forward pass per batch."""
    probabilities, pooled = [], []
    for start in range(0, len(images), batch_size):
        outputs = classifier.predict_outputs(to_model_input(images[start : start + batch_size]))
        probabilities.append(outputs.probabilities)
        pooled.append(outputs.pooled)
    return np.concatenate(probabilities), np.concatenate(pooled)


def evaluate_artifact(
    artifact_dir: Path,
    data_dir: Path,
    output: Path,
    splits_file: Path | None = None,
    split: str = "val",
    runtime: str = "auto",
) -> dict[str, Any]:
    """Metrics for the artifact on `data_dir` (or only the `split` images listed in `splits_file`)."""
    classifier = load_classifier(artifact_dir, runtime)
    images, labels, skipped = load_labelled_images(
        data_dir, classifier.info.class_names, classifier.info.image_size, splits_file, split
    )
    probabilities, pooled = served_outputs(classifier, images)
    check = classifier.image_kind_check
    report = evaluate_probabilities(labels, probabilities, classifier.info.class_names)
    if classifier.info.uncertainty_threshold is not None:
        report["uncertainty"] = uncertainty_report(probabilities, labels, classifier.info.uncertainty_threshold)
    if check is not None:
        called = check.decide(check.probabilities(check_inputs(check, pooled, images)))
        report["image_kind"] = {
            "called": {kind: float(np.mean(called == index)) for index, kind in enumerate(IMAGE_KINDS)},
            "dermoscopy_threshold": check.dermoscopy_threshold,
        }
    report["runtime"] = classifier.runtime
    report["model_version"] = classifier.info.model_version
    report["skipped_files"] = skipped
    output.parent.mkdir(parents=True, exist_ok=True)
    write_json(output, report)
    scope = split if splits_file else "all"
    plot_confusion_matrix(report, output.with_suffix(".png"), f"{Path(data_dir).name} ({scope})")
    return report
