"""What kind of picture an upload is: a dermoscopy image, an ordinary photo of skin, or not skin at all.

The lesion model only ever saw dermoscopy images (taken through a dermatoscope), yet it names a lesion for a
cat, a screenshot or a phone photo of a rash just as confidently. This check reads the lesion model's own
pooled backbone features (the head's input: the base's output, averaged over the image), with colour and
texture statistics of the picture (`skin_classifier.picture_statistics`: a dermatoscope's dark rim, its even
lighting), and puts a multinomial logistic regression on them, so it costs a millisecond per image. It is trained by
`skin_classifier.image_kind` and lives in the artifact as `image_kind.json`, next to the model whose features
it reads.

Decision rule: `dermoscopy` when p(dermoscopy) reaches `dermoscopy_threshold`, otherwise the likelier of
`skin-photo` and `not-skin`. The threshold is set on validation dermoscopy images so that at most 1% of them are
called anything else: a real dermoscopy image is rarely turned away, whatever the check thinks of others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .artifact import ArtifactError, ArtifactInfo, read_json

IMAGE_KINDS = ("dermoscopy", "skin-photo", "not-skin")
IMAGE_KIND_FILE = "image_kind.json"
# 1: standardisation, weights (C, 3), bias (3,), one dermoscopy threshold, on pooled features alone.
# 2: the same, and `with_picture_statistics` says whether the picture's statistics follow the pooled features.
IMAGE_KIND_FORMAT_VERSION = 2
READABLE_FORMAT_VERSIONS = (1, 2)
DERMOSCOPY, SKIN_PHOTO, NOT_SKIN = range(3)


@dataclass(frozen=True)
class ImageKind:
    """The check's answer for one image: one of `IMAGE_KINDS`, and its probability."""

    kind: str
    score: float


def _array(values: Any, name: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """A finite, read-only float64 copy of `values` with this shape (None: any length)."""
    array = np.array(values, dtype=np.float64)
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        wanted = "(" + ", ".join("C" if want is None else str(want) for want in shape) + ")"
        raise ValueError(f"{name} has shape {array.shape}, expected {wanted}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class ImageKindCheck:
    """Standardisation, a linear layer and a threshold on the lesion model's pooled features (and, with
    `with_picture_statistics`, the picture's statistics after them: `picture_statistics.check_inputs`). Served, it
    runs inside the answer graph (`skin_classifier.answer_graph`); these methods are its definition, for training.

    `mean` and `scale` (C,) standardise the features as they were during training; `weights` (C, 3) and
    `bias` (3,) give the logits of `IMAGE_KINDS`. `model_version` and `image_size` name the model whose
    features it was trained on: another model's features mean nothing to it.
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    dermoscopy_threshold: float
    with_picture_statistics: bool = False
    model_version: str = ""
    image_size: int = 0
    # How it was trained (regularisation, images, views, seed): for people, not for the decision.
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mean = _array(self.mean, "mean", (None,))
        features = len(mean)
        if features == 0:
            raise ValueError("mean is empty: the check needs at least one feature")
        scale = _array(self.scale, "scale", (features,))
        if (scale <= 0).any():
            raise ValueError("scale must be positive")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "weights", _array(self.weights, "weights", (features, len(IMAGE_KINDS))))
        object.__setattr__(self, "bias", _array(self.bias, "bias", (len(IMAGE_KINDS),)))
        threshold = float(self.dermoscopy_threshold)
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"dermoscopy_threshold must lie in 0..1, got {threshold}")
        object.__setattr__(self, "dermoscopy_threshold", threshold)

    @property
    def feature_count(self) -> int:
        return len(self.mean)

    def probabilities(self, pooled: np.ndarray) -> np.ndarray:
        """(N, 3) probabilities of `IMAGE_KINDS` for pooled features (N, C)."""
        pooled = np.asarray(pooled, dtype=np.float64)
        if pooled.ndim != 2 or pooled.shape[1] != self.feature_count:
            raise ArtifactError(
                f"The image-kind check takes (N, {self.feature_count}) pooled features, got {pooled.shape}: "
                "it was trained on another model's features"
            )
        logits: np.ndarray = ((pooled - self.mean) / self.scale) @ self.weights + self.bias
        exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(exponentials / exponentials.sum(axis=1, keepdims=True))

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Indices into `IMAGE_KINDS` by the decision rule, for (N, 3) probabilities."""
        other = np.where(probabilities[:, NOT_SKIN] >= probabilities[:, SKIN_PHOTO], NOT_SKIN, SKIN_PHOTO)
        return np.where(probabilities[:, DERMOSCOPY] >= self.dermoscopy_threshold, DERMOSCOPY, other)

    def judge(self, pooled: np.ndarray) -> list[ImageKind]:
        """One `ImageKind` per row of pooled features (N, C)."""
        probabilities = self.probabilities(pooled)
        return [
            ImageKind(IMAGE_KINDS[kind], float(row[kind]))
            for kind, row in zip(self.decide(probabilities), probabilities, strict=True)
        ]

    def to_json(self, report: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON document `load` reads; `report` (figures for people) goes in as its own section."""
        document: dict[str, Any] = {
            "format_version": IMAGE_KIND_FORMAT_VERSION,
            "kinds": list(IMAGE_KINDS),
            "model_version": self.model_version,
            "image_size": self.image_size,
            "feature_count": self.feature_count,
            "dermoscopy_threshold": self.dermoscopy_threshold,
            "with_picture_statistics": self.with_picture_statistics,
            "decision": "dermoscopy if p(dermoscopy) >= dermoscopy_threshold, else the likelier of skin-photo "
            "and not-skin (not-skin on a tie)",
            "standardisation": {"mean": self.mean.tolist(), "scale": self.scale.tolist()},
            "weights": self.weights.tolist(),
            "bias": self.bias.tolist(),
            "training": self.training,
        }
        if report is not None:
            document["report"] = report
        return document

    def save(self, path: str | Path, report: dict[str, Any] | None = None) -> Path:
        import json  # the artifact's other JSON goes through the training side's jsonio; serving has no writer

        path = Path(path)
        path.write_text(json.dumps(self.to_json(report), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_json(cls, document: Any, source: str = IMAGE_KIND_FILE) -> ImageKindCheck:
        """The check a JSON document describes; anything missing, misshapen or unknown is an `ArtifactError`."""
        try:
            if document["format_version"] not in READABLE_FORMAT_VERSIONS:
                raise ValueError(
                    f"format {document['format_version']} is not supported (this code reads formats "
                    f"{', '.join(map(str, READABLE_FORMAT_VERSIONS))})"
                )
            if list(document["kinds"]) != list(IMAGE_KINDS):
                raise ValueError(f"kinds are {document['kinds']}, expected {list(IMAGE_KINDS)}")
            check = cls(
                mean=document["standardisation"]["mean"],
                scale=document["standardisation"]["scale"],
                weights=document["weights"],
                bias=document["bias"],
                dermoscopy_threshold=document["dermoscopy_threshold"],
                with_picture_statistics=document["format_version"] >= 2 and document["with_picture_statistics"],
                model_version=str(document.get("model_version", "")),
                image_size=int(document.get("image_size", 0)),
                training=dict(document.get("training") or {}),
            )
            if not isinstance(check.with_picture_statistics, bool):
                raise ValueError("with_picture_statistics must be true or false")
            if "feature_count" in document and document["feature_count"] != check.feature_count:
                raise ValueError(f"feature_count {document['feature_count']} disagrees with the weights")
        except (KeyError, TypeError, ValueError) as error:
            detail = f"missing {error}" if isinstance(error, KeyError) else str(error)
            raise ArtifactError(f"Image-kind check {source} is malformed: {detail}") from error
        return check

    @classmethod
    def load(cls, path: str | Path) -> ImageKindCheck:
        return cls.from_json(read_json(Path(path)), str(path))


def read_image_kind_check(info: ArtifactInfo) -> ImageKindCheck | None:
    """The artifact's image-kind check, or None when its manifest names none.

    A check trained on another model's features (another `model_version` or image size) is refused: its
    answers would be noise.
    """
    section = info.manifest.get("image_kind")
    if not section:
        return None
    check = ImageKindCheck.load(info.path / str(section.get("file", IMAGE_KIND_FILE)))
    if check.model_version and check.model_version != info.model_version:
        raise ArtifactError(
            f"The image-kind check was trained on model {check.model_version}'s features, not on "
            f"{info.model_version}'s; train it again for this model"
        )
    if check.image_size and check.image_size != info.image_size:
        raise ArtifactError(
            f"The image-kind check was trained at {check.image_size} px, the model takes {info.image_size} px"
        )
    return check
