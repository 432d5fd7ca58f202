"""Write a trained model as one self-describing artifact folder (see `serving.artifact` for the layout)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .answer_graph import write_answer_graph
from .jsonio import write_json
from .model import head_weights
from .model_card import BENCHMARKS_DIR, write_model_card
from .serving.artifact import (
    ARTIFACT_FORMAT_VERSION,
    CLASS_INDEX_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    PREPROCESSING_FILE,
)
from .serving.explain import HEAD_FILE, Head
from .serving.runtimes import RUNTIMES, SOURCE_RUNTIME


def weights_fingerprint(model: keras.Model) -> str:
    """A short hash of the weights alone: it changes exactly when the weights change."""
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights, dtype=np.float32).tobytes())
    return digest.hexdigest()[:12]


def export_artifact(
    model: keras.Model,
    class_names: list[str],
    output_dir: str | Path,
    image_size: int,
    metrics: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
) -> Path:
    """Save the Keras model with its class list, preprocessing, metrics and model card.

    `training` describes the data, split and settings for the model card; `metrics` holds evaluation
    results (see `metrics.evaluate_probabilities`) keyed by split name.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save(output_dir / RUNTIMES[SOURCE_RUNTIME].file_name)
    write_head(model, output_dir)
    write_json(output_dir / CLASS_INDEX_FILE, {name: index for index, name in enumerate(class_names)})
    write_json(
        output_dir / PREPROCESSING_FILE,
        {
            "image_size": image_size,
            "color_mode": "rgb",
            "exif_transpose": True,
            "resize": "bilinear, aspect ratio not kept",
            "input": "float32 RGB pixels in 0..255",
            "normalization": "inside the model (its `normalization` layer, the backbone's own)",
            "function": "skin_classifier.serving.preprocessing.preprocess",
        },
    )
    write_json(output_dir / METRICS_FILE, metrics or {})
    write_json(
        output_dir / MANIFEST_FILE,
        {
            "format_version": ARTIFACT_FORMAT_VERSION,
            "model_version": weights_fingerprint(model),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runtimes": {SOURCE_RUNTIME: RUNTIMES[SOURCE_RUNTIME].file_name},
            "default_runtime": SOURCE_RUNTIME,
            "training": training or {},
        },
    )
    write_answer_graph(output_dir)
    write_model_card(output_dir)
    return output_dir


def write_head(model: keras.Model, artifact_dir: Path) -> None:
    """The head's weights beside the model, for heat maps in any runtime (`serving.explain`)."""
    Head(**head_weights(model)).save(artifact_dir / HEAD_FILE)


def add_runtime(artifact_dir: str | Path, runtime: str, default: bool = False) -> None:
    """Register an extra runtime file (already written into the folder) in the manifest."""
    artifact_dir = Path(artifact_dir)
    manifest = json.loads((artifact_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["runtimes"][runtime] = RUNTIMES[runtime].file_name
    if default:
        manifest["default_runtime"] = runtime
    write_json(artifact_dir / MANIFEST_FILE, manifest)


def package_for_serving(artifact_dir: str | Path, output_dir: str | Path, runtime: str) -> Path:
    """Copy only what serving one runtime needs (metadata, model card, benchmarks, that model file).

    Keeps a served or committed artifact small: the Keras file and other runtimes stay in the run folder.
    """
    import shutil

    artifact_dir, output_dir = Path(artifact_dir), Path(output_dir)
    manifest = json.loads((artifact_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    if runtime not in manifest["runtimes"]:
        raise ValueError(f"{artifact_dir} has no {runtime!r} runtime; convert it first")
    if output_dir.exists():
        shutil.rmtree(output_dir)
    output_dir.mkdir(parents=True)
    optional = [manifest["image_kind"]["file"]] if manifest.get("image_kind") else []  # the image-kind check
    for name in (
        CLASS_INDEX_FILE,
        PREPROCESSING_FILE,
        METRICS_FILE,
        HEAD_FILE,
        manifest["runtimes"][runtime],
        *optional,
    ):
        shutil.copy2(artifact_dir / name, output_dir / name)
    if (artifact_dir / BENCHMARKS_DIR).is_dir():
        shutil.copytree(artifact_dir / BENCHMARKS_DIR, output_dir / BENCHMARKS_DIR)
    manifest["runtimes"] = {runtime: manifest["runtimes"][runtime]}
    manifest["default_runtime"] = runtime
    write_json(output_dir / MANIFEST_FILE, manifest)
    write_answer_graph(output_dir)
    write_model_card(output_dir)
    return output_dir
