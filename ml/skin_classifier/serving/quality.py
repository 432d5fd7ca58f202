"""Image quality check: too dark, too bright, blurred or too small pictures still get a prediction, with a warning.

A model answers whatever it is shown, and a poor photo makes its answer less trustworthy without making it
less confident. So the picture itself is measured and each problem is named with advice. The measures run on
the decoded, upright picture (`preprocessing.Decoded`), never on the model's squashed input:

- brightness: mean luma (ITU-R 601, 0..255);
- sharpness: variance of a 4-neighbour Laplacian of the grey picture at a fixed `ANALYSIS_SIZE` short side, so
  the measure does not depend on the upload's resolution (a sharp phone photo, downscaled, stays sharp);
- size: the shorter side of the image as stored.

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


@dataclass(frozen=True)
class QualityMeasures:
    brightness: float
    sharpness: float
    short_side: int


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


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian over the interior: low when edges are soft (blur)."""
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * grey[1:-1, 1:-1]
    return float(laplacian.var())


def measure(picture: Image.Image, stored_size: tuple[int, int]) -> QualityMeasures:
    """The measures the checks compare with their thresholds (the threshold benchmark calls this too)."""
    grey = analysis_picture(picture)
    return QualityMeasures(float(grey.mean()), laplacian_variance(grey), min(stored_size))


def judge(measures: QualityMeasures, thresholds: Thresholds = THRESHOLDS) -> tuple[QualityWarning, ...]:
    """The warnings these measures earn, in a fixed order.

    Blur is not judged on a picture too dark or too bright (with no visible detail there are no edges to
    measure, and the exposure is the problem to fix first), nor on one too small: enlarged to be measured, it
    looks soft whatever the camera did, and "send the original photo" is the advice that helps.
    """
    codes: list[QualityCode] = []
    too_small = measures.short_side < thresholds.min_short_side
    if measures.brightness < thresholds.too_dark_below:
        codes.append("too_dark")
    elif measures.brightness > thresholds.too_bright_above:
        codes.append("too_bright")
    elif measures.sharpness < thresholds.blurred_below and not too_small:
        codes.append("blurred")
    if too_small:
        codes.append("too_small")
    return tuple(QualityWarning(code, MESSAGES[code]) for code in codes)


def warnings_for(codes: tuple[QualityCode, ...]) -> tuple[QualityWarning, ...]:
    """The warnings, with their advice, for the codes the answer graph flagged."""
    return tuple(QualityWarning(code, MESSAGES[code]) for code in codes)


def check_quality(picture: Image.Image, stored_size: tuple[int, int]) -> tuple[QualityWarning, ...]:
    """Warnings for a decoded, upright picture whose file holds `stored_size` pixels; empty when it looks fine."""
    return judge(measure(picture, stored_size))
