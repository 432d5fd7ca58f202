"""Where the model looked: Grad-CAM heat maps from what every runtime already outputs.

The answer graph (`answers`) computes every class's map; this module draws one as a PNG and describes it.

The served model outputs the last convolutional layer's activations and the pooled features beside the
probabilities (`model.served_model`). The head from pooled features to logits is small and known (batch
normalisation, an optional ReLU dense layer, the logits layer), so the gradient of a class's logit with
respect to the pooled features has a closed form; its entries are Grad-CAM's channel weights (global average
or max pooling before the average only rescales them). No runtime needs gradients: the answer graph holds
the closed form for every class (a (features, classes) matrix for a linear head). The head's weights travel in the artifact as `head.npz`, read with pickles
refused.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .artifact import ArtifactError

HEAD_FILE = "head.npz"
# The heat map's longer side. It is upsampled from a few cells, so more pixels add no detail: the browser
# scales it smoothly over the photo, and the PNG stays a few KB and under a millisecond to encode.
HEATMAP_SIZE = 64
# Cells under this share of the map's peak are left transparent, so the picture stays visible around them.
TRANSPARENT_BELOW = 0.2
# Dark blue through red to yellow: hot is where the class's evidence is.
_COLOUR_STOPS = np.array(
    [[0.0, 0, 0, 160], [0.35, 0, 160, 255], [0.6, 80, 220, 80], [0.8, 255, 160, 0], [1.0, 255, 40, 0]]
)
_REGIONS = (
    ("upper left", "top", "upper right"),
    ("left", "centre", "right"),
    ("lower left", "bottom", "lower right"),
)


@dataclass(frozen=True)
class Head:
    """Pooled features -> logits: z = pooled * norm_scale + norm_shift, [z = relu(z @ dense + b)], z @ logits + b."""

    norm_scale: np.ndarray
    norm_shift: np.ndarray
    logits_kernel: np.ndarray
    logits_bias: np.ndarray
    dense_kernel: np.ndarray | None = None
    dense_bias: np.ndarray | None = None

    @classmethod
    def load(cls, path: str | Path) -> Head:
        """Read `head.npz`; numpy arrays only (allow_pickle=False), shapes checked against each other."""
        try:
            with np.load(path, allow_pickle=False) as arrays:
                values = {name: np.asarray(arrays[name], np.float32) for name in arrays.files}
        except FileNotFoundError as error:
            raise ArtifactError(f"Artifact file missing: {path}") from error
        except (OSError, ValueError) as error:
            raise ArtifactError(f"Artifact file is not a numpy .npz of arrays: {path} ({error})") from error
        try:
            head = cls(**values)
        except TypeError as error:
            raise ArtifactError(f"{path} does not hold the head's arrays ({error})") from error
        head._check_shapes(path)
        return head

    def _check_shapes(self, path: str | Path) -> None:
        features = self.norm_scale.shape[0]
        hidden = features if self.dense_kernel is None else self.dense_kernel.shape[1]
        expected = [
            (self.norm_shift.shape, (features,)),
            (self.logits_kernel.shape[:1], (hidden,)),
            (self.logits_bias.shape, self.logits_kernel.shape[1:]),
        ]
        if self.dense_kernel is not None:
            bias_shape = (0,) if self.dense_bias is None else self.dense_bias.shape
            expected += [(self.dense_kernel.shape[:1], (features,)), (bias_shape, (hidden,))]
        if any(actual != wanted for actual, wanted in expected):
            raise ArtifactError(f"{path}: the head's array shapes do not fit together")

    def save(self, path: str | Path) -> None:
        arrays = {name: value for name, value in vars(self).items() if value is not None}
        np.savez(path, **arrays)

    @property
    def num_classes(self) -> int:
        return int(self.logits_kernel.shape[1])


def upsample(cam: np.ndarray, picture_size: tuple[int, int], longest: int = HEATMAP_SIZE) -> np.ndarray:
    """The map at the picture's own aspect ratio (the model saw it squashed to a square): (height, width)."""
    width, height = picture_size
    scale = longest / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(cam.astype(np.float32), mode="F").resize(size, Image.Resampling.BILINEAR)
    heat: np.ndarray = np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)
    return heat


def heatmap_png(heat: np.ndarray) -> bytes:
    """An RGBA PNG: colour from the stops above, opacity rising with the heat, transparent where cold."""
    stops = _COLOUR_STOPS
    rgb = np.stack([np.interp(heat, stops[:, 0], stops[:, channel]) for channel in (1, 2, 3)], axis=-1)
    alpha = np.where(heat < TRANSPARENT_BELOW, 0.0, 60 + 140 * heat)
    pixels = np.concatenate([rgb, alpha[..., None]], axis=-1).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def describe(heat: np.ndarray) -> str:
    """The heat map in words, for people who cannot see it: where it is hottest and how much it covers."""
    if float(heat.max()) <= 0:
        return "No part of the image stood out to the model for this answer."
    rows, cols = np.nonzero(heat >= 0.5 * float(heat.max()))
    weights = heat[rows, cols]
    centre_y, centre_x = (
        np.average(rows, weights=weights) / heat.shape[0],
        np.average(cols, weights=weights) / heat.shape[1],
    )
    region = _REGIONS[min(int(centre_y * 3), 2)][min(int(centre_x * 3), 2)]
    where = "the centre" if region == "centre" else f"the {region}"
    share = len(rows) / heat.size
    return f"The model looked most at {where} of the image; the highlighted area covers about {share:.0%} of it."


@dataclass(frozen=True)
class Heatmap:
    png: bytes
    description: str

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def draw_heatmap(class_map: np.ndarray, picture_size: tuple[int, int]) -> Heatmap:
    """One class's map from the answer graph (h, w, 0..1), drawn at the picture's aspect ratio and described."""
    heat = upsample(class_map, picture_size)
    return Heatmap(heatmap_png(heat), describe(heat))
