"""Runs the artifact's answer graph (`answer.onnx`, written by `skin_classifier.answer_graph`) after the model.

The answer graph turns the model's outputs into everything an answer holds besides the ranking: the
uncertainty flag, the image kind, Grad-CAM maps of every class and the quality flags. The page runs the same
file in the browser, so the service and the page cannot disagree on any of it.

Inputs, by name: `image` (N, S, S, 3) the model's input; `probabilities`, `pooled`, `feature_map` the model's
outputs; `analysis` (N, H, W) the grey picture the quality measures read (`quality.analysis_picture`);
`stored_short_side` (N,) the shorter side of each file as stored. Outputs: `uncertain` (N,) bool;
`image_kind` (N,) index into `IMAGE_KINDS` and `image_kind_probabilities` (N, 3), when the artifact has an
image-kind check; `class_maps` (N, h, w, K) in 0..1; `quality` (N, 4) bool flags in `QUALITY_CODES` order;
`brightness` and `sharpness` (N,), the measures behind two of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .artifact import ArtifactError, ArtifactInfo
from .explain import HEAD_FILE, Head
from .quality import QUALITY_CODES, THRESHOLDS, QualityCode
from .runtimes import ModelOutputs

ANSWER_FILE = "answer.onnx"
ANSWER_INPUTS = ("image", "probabilities", "pooled", "feature_map", "analysis", "stored_short_side")
REBUILD_HINT = "run `skin-classifier answer-graph {path}` to write it again"


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _head_sha256(path: Path) -> str | None:
    """A hash of the head's arrays (not of the .npz, whose zip entries carry the time they were written)."""
    if not path.exists():
        return None
    digest = hashlib.sha256()
    head = Head.load(path)
    for name, value in sorted(vars(head).items()):
        if value is not None:
            digest.update(name.encode() + np.ascontiguousarray(value, np.float32).tobytes())
    return digest.hexdigest()


def answer_graph_source(info: ArtifactInfo) -> dict[str, Any]:
    """What the answer graph is built from, as the artifact's files now stand: a graph built from anything else
    is stale."""
    image_kind = info.manifest.get("image_kind") or {}
    return {
        "head_sha256": _head_sha256(info.path / HEAD_FILE),
        "image_kind_sha256": _sha256(info.path / str(image_kind["file"])) if image_kind else None,
        "uncertainty_threshold": info.uncertainty_threshold,
        "image_size": info.image_size,
        "quality_thresholds": vars(THRESHOLDS),
    }


@dataclass(frozen=True)
class GraphAnswer:
    """The answer graph's outputs for one image."""

    uncertain: bool
    image_kind: int | None  # index into IMAGE_KINDS; None without an image-kind check
    image_kind_probabilities: np.ndarray | None
    class_maps: np.ndarray  # (h, w, K)
    quality: tuple[QualityCode, ...]


class AnswerGraph:
    """The artifact's `answer.onnx` in ONNX Runtime, on one thread: it is small next to the model."""

    def __init__(self, info: ArtifactInfo) -> None:
        import onnxruntime

        section = info.manifest.get("answer_graph")
        hint = REBUILD_HINT.format(path=info.path)
        if not section:
            raise ArtifactError(f"The artifact has no answer graph ({ANSWER_FILE}); {hint}")
        path = info.path / str(section.get("file", ANSWER_FILE))
        if not path.exists():
            raise ArtifactError(f"Artifact file missing: {path}; {hint}")
        if section.get("built_from") != answer_graph_source(info):
            raise ArtifactError(
                f"{path.name} was built from other files than the artifact now holds (its head, calibration, "
                f"image-kind check or quality thresholds changed); {hint}"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self.output_names = [output.name for output in self.session.get_outputs()]
        self.has_image_kind = "image_kind" in self.output_names

    def run(
        self, pixels: np.ndarray, outputs: ModelOutputs, analysis: np.ndarray, stored_short_side: float
    ) -> GraphAnswer:
        """The answer for one image: its model input (S, S, 3), the model's outputs for it (batch of one), the
        grey analysis picture (H, W) and the shorter side of the file as stored."""
        feeds = dict(
            zip(
                ANSWER_INPUTS,
                (
                    pixels[None],
                    outputs.probabilities,
                    outputs.pooled,
                    outputs.feature_map,
                    analysis[None],
                    np.array([stored_short_side]),
                ),
                strict=True,
            )
        )
        values = dict(
            zip(
                self.output_names,
                self.session.run(None, {name: np.asarray(value, np.float32) for name, value in feeds.items()}),
                strict=True,
            )
        )
        flags = values["quality"][0]
        return GraphAnswer(
            uncertain=bool(values["uncertain"][0]),
            image_kind=int(values["image_kind"][0]) if self.has_image_kind else None,
            image_kind_probabilities=values["image_kind_probabilities"][0] if self.has_image_kind else None,
            class_maps=values["class_maps"][0],
            quality=tuple(code for code, flag in zip(QUALITY_CODES, flags, strict=True) if flag),
        )
