"""Image quality check: too dark, too bright, blurred or too small pictures still get a prediction, with a warning.

A model answers whatever it is shown, and a poor photo makes its answer less trustworthy without making it
less confident. So the picture itself is measured and each problem is named with advice. The measures run on
the decoded, upright picture (`preprocessing.Decoded`), never on the model's squashed input:

- brightness: mean luma (ITU-R 601, 0..255);
- sharpness: variance of a 4-neighbour Laplacian of the grey picture at a fixed `ANALYSIS_SIZE` short side, so
  the measure does not depend on the upload's resolution (a sharp phone photo, downscaled, stays sharp);
- size: the shorter side of the image as stored.

Here live the grey picture (`analysis_picture`), the thresholds and the advice. The answer graph
(`answers`) computes the measures from that picture and judges them; `answer_definitions` holds the same in
numpy, the definition the thresholds were chosen with and the graph is tested against.

The thresholds were chosen on the training images so that 1.5% of them (at most 2%) are flagged in total:
docs/quality-thresholds.md (made by ml/benchmarks/quality_thresholds.py) has the distributions and the shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

# Sharpness is measured with the grey picture at this short side (the training images' own size).
ANALYSIS_SIZE = 224


@dataclass(frozen=True)
class Thresholds:
    too_dark_below: float
    too_bright_above: float
    blurred_below: float
    min_short_side: int


# The one place the thresholds live. Chosen in docs/quality-thresholds.md on HAM10000's 5,984 images: dark,
# bright and blurred each near that data set's 0.5th percentile; the minimum size is the training images' own
# 224 px, since a smaller picture holds less detail than the model ever learnt from.
THRESHOLDS = Thresholds(too_dark_below=97.8, too_bright_above=205.0, blurred_below=11.8, min_short_side=224)

QualityCode = Literal["too_dark", "too_bright", "blurred", "too_small"]
# The order of the answer graph's quality flags (`answers.AnswerGraph`).
QUALITY_CODES: tuple[QualityCode, ...] = ("too_dark", "too_bright", "blurred", "too_small")

MESSAGES: dict[QualityCode, str] = {
    "too_dark": (
        "The photo is too dark to show the lesion's colours and structure. "
        "Retake it in good, even light, without shadows."
    ),
    "too_bright": (
        "The photo is too bright: parts of the lesion are washed out. "
        "Retake it without flash or direct sunlight, in even light."
    ),
    "blurred": (
        "The photo is blurred, so fine structure the model relies on is lost. "
        "Hold the camera steady, let it focus on the lesion, and retake it."
    ),
    "too_small": (
        f"The image is small (under {THRESHOLDS.min_short_side} pixels on its shorter side), so it holds little detail. "
        "Send the original photo, not a thumbnail or a screenshot."
    ),
}


@dataclass(frozen=True)
class QualityWarning:
    """One problem with a picture: a stable `code` for programs and a `message` with advice for a person."""

    code: QualityCode
    message: str


def analysis_picture(picture: Image.Image) -> np.ndarray:
    """The grey picture the measures read, float32 (H, W) with its shorter side `ANALYSIS_SIZE`: the answer
    graph's `analysis` input."""
    grey = picture.convert("L")
    width, height = grey.size
    scale = ANALYSIS_SIZE / min(width, height)
    size = (max(3, round(width * scale)), max(3, round(height * scale)))
    if size != grey.size:
        grey = grey.resize(size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR)
    return np.asarray(grey, dtype=np.float32)


def warnings_for(codes: tuple[QualityCode, ...]) -> tuple[QualityWarning, ...]:
    """The warnings, with their advice, for the codes the answer graph flagged."""
    return tuple(QualityWarning(code, MESSAGES[code]) for code in codes)
