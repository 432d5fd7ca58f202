"""Small synthetic image sets whose classes a model can learn in seconds, and the tiny model that learns them:
for tests, demos and benchmarks of the machinery rather than of accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

# The tiny model: small enough for a 2-core CPU in seconds, large enough to learn the synthetic colours.
TINY_MODEL: dict[str, Any] = {"backbone": "vgg16", "weights": "none", "image_size": 32, "head_units": 32}
# How to train it (`train.TrainConfig` fields besides the data and output folders).
TINY_TRAINING: dict[str, Any] = {**TINY_MODEL, "batch_size": 8, "head_learning_rate": 1e-2, "patience": 10}

# Folder names in the untidy styles real data sets use; the classes differ by the blob's colour.
SYNTHETIC_CLASSES = {
    "1. Red lesion 120": (210, 30, 30),
    "2. Green lesion 1.5k": (30, 160, 40),
    "Blue_lesion": (30, 40, 120),
}


def lesion_picture(size: int, colour: tuple[int, int, int], rng: np.random.Generator) -> Image.Image:
    """A blob of `colour` on noisy skin tone: it decodes like a photo, and its colour is its class."""
    yy, xx = np.mgrid[0:size, 0:size]
    background = np.array([225, 190, 160]) + rng.normal(0, 12, (size, size, 3))
    cy, cx = rng.uniform(0.4, 0.6, 2) * size
    radius = rng.uniform(0.3, 0.45) * size
    blob = ((yy - cy) ** 2 + (xx - cx) ** 2) < radius**2
    pixels = np.where(blob[..., None], np.array(colour) + rng.normal(0, 15, 3), background)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def make_synthetic_dataset(root: str | Path, images_per_class: int = 12, image_size: int = 48, seed: int = 0) -> Path:
    """Write folder-per-class images: a coloured blob on noisy skin-toned background."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    for folder, colour in SYNTHETIC_CLASSES.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for index in range(images_per_class):
            suffix = ".png" if index % 2 else ".jpg"
            lesion_picture(image_size, colour, rng).save(root / folder / f"img_{index:03d}{suffix}")
    return root


def build_tiny_model(num_classes: int) -> Any:
    """The tiny model, untrained (random weights): a real Keras model for tests that need one fast."""
    from .model import build_model  # imports TensorFlow

    return build_model(num_classes=num_classes, **TINY_MODEL)
