"""The numpy definitions the answer graph (`answer_graph`) is held to: Grad-CAM and the quality check.

Serving runs the graph; these say what it must compute, in a form a person can read and a test can compare.
The quality thresholds were chosen with `measure` (`ml/benchmarks/quality_thresholds.py`). The image-kind check's
definition is `ImageKindCheck` with `picture_statistics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .serving.explain import Head
from .serving.quality import MESSAGES, THRESHOLDS, QualityCode, QualityWarning, Thresholds, analysis_picture


def class_gradient(head: Head, pooled: np.ndarray, class_index: int) -> np.ndarray:
    """d logit[class_index] / d pooled, at these pooled features: (features,)."""
    gradient = head.logits_kernel[:, class_index]
    if head.dense_kernel is not None:
        hidden = (pooled * head.norm_scale + head.norm_shift) @ head.dense_kernel + head.dense_bias
        gradient = head.dense_kernel @ (gradient * (hidden > 0))
    return np.asarray(gradient * head.norm_scale, np.float32)


def grad_cam(feature_map: np.ndarray, channel_weights: np.ndarray) -> np.ndarray:
    """ReLU of the channel-weighted feature map, scaled to 0..1: (h, w, C), (C,) -> (h, w)."""
    cam = np.maximum(feature_map.astype(np.float32) @ channel_weights.astype(np.float32), 0.0)
    peak = float(cam.max())
    return cam / peak if peak > 0 and np.isfinite(peak) else np.zeros_like(cam)


@dataclass(frozen=True)
class QualityMeasures:
    brightness: float
    sharpness: float
    short_side: int


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


def check_quality(picture: Image.Image, stored_size: tuple[int, int]) -> tuple[QualityWarning, ...]:
    """Warnings for a decoded, upright picture whose file holds `stored_size` pixels; empty when it looks fine."""
    return judge(measure(picture, stored_size))
