"""An exported artifact folder and its metadata, read without loading any model.

An artifact folder holds the model in one or more runtimes plus JSON metadata (never pickles):

    manifest.json        model_version, runtime -> file, default runtime
    class_index.json     class name -> output index
    preprocessing.json   image size and the preprocessing it was trained with
    metrics.json         evaluation figures
    head.npz             the head's weights, for heat maps (numpy arrays, read without pickles)
    image_kind.json      optional: the image-kind check (dermoscopy, skin photo or not skin)
    answer.onnx          the answer graph run after the model (`answers`): built from the files above
    README.md            the model card
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# 3: models output probabilities, pooled features and the last conv feature map, and the folder holds the
# head's weights. 2 output probabilities only; 1 normalised pixels outside the model. Older ones are refused.
ARTIFACT_FORMAT_VERSION = 3
MANIFEST_FILE = "manifest.json"
CLASS_INDEX_FILE = "class_index.json"
PREPROCESSING_FILE = "preprocessing.json"
METRICS_FILE = "metrics.json"

# What every artifact is for, unless its manifest says otherwise (`intended_use`); the model card and the
# API's GET /model both say it.
NOT_A_MEDICAL_DEVICE = "Not a medical device; it does not diagnose."
INTENDED_USE = (
    "Education, research and software development: showing what an image classifier trained on "
    f"dermatoscopic images does with a photo. {NOT_A_MEDICAL_DEVICE}"
)


class ArtifactError(RuntimeError):
    """The artifact folder is missing, incomplete or names a runtime that cannot be loaded."""


@dataclass(frozen=True)
class ArtifactInfo:
    path: Path
    class_names: list[str]
    image_size: int
    model_version: str
    runtimes: dict[str, str]
    default_runtime: str
    metrics: dict[str, Any] = field(default_factory=dict)
    # The whole manifest: training settings, data description and licence, calibration, for the model card.
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def intended_use(self) -> str:
        return str(self.manifest.get("intended_use") or INTENDED_USE)

    @property
    def uncertainty_threshold(self) -> float | None:
        """Calibrated top confidences below this are "uncertain" (chosen on validation); None: never."""
        value = self.manifest.get("training", {}).get("calibration", {}).get("uncertainty_threshold")
        return None if value is None else float(value)


def read_json(path: Path) -> Any:
    """A JSON file of the artifact; a missing or malformed one is an `ArtifactError`."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ArtifactError(f"Artifact file missing: {path}") from error
    except json.JSONDecodeError as error:
        raise ArtifactError(f"Artifact file is not valid JSON: {path} ({error})") from error


def read_artifact_info(path: str | Path) -> ArtifactInfo:
    """Read an artifact's metadata without loading any model."""
    path = Path(path)
    if not path.is_dir():
        raise ArtifactError(f"Artifact folder not found: {path}")
    manifest = read_json(path / MANIFEST_FILE)
    if manifest.get("format_version") != ARTIFACT_FORMAT_VERSION:
        raise ArtifactError(
            f"Artifact format {manifest.get('format_version')} is not supported (this code reads format "
            f"{ARTIFACT_FORMAT_VERSION}: models that normalise pixels themselves and output their features too); "
            "convert it again with `skin-classifier convert` from its model.keras"
        )
    class_index: dict[str, int] = read_json(path / CLASS_INDEX_FILE)
    class_names = [name for name, _ in sorted(class_index.items(), key=lambda item: item[1])]
    if [class_index[name] for name in class_names] != list(range(len(class_names))):
        raise ArtifactError("class_index.json must map class names to the indices 0..N-1")
    preprocessing = read_json(path / PREPROCESSING_FILE)
    metrics_path = path / METRICS_FILE
    return ArtifactInfo(
        path=path,
        class_names=class_names,
        image_size=int(preprocessing["image_size"]),
        model_version=str(manifest["model_version"]),
        runtimes=dict(manifest["runtimes"]),
        default_runtime=str(manifest["default_runtime"]),
        metrics=read_json(metrics_path) if metrics_path.exists() else {},
        manifest=manifest,
    )
