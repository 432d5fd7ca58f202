"""Small synthetic image sets whose classes a model can learn in seconds, and the tiny model that learns them:
for tests, demos and benchmarks of the machinery rather than of accuracy."""

from __future__ import annotations

from dataclasses import dataclass
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


MEAN_COLOUR_SCALE = 0.01  # the mean-colour model's logits: mean colour (0..255) times this


def write_mean_colour_artifact(folder: str | Path, class_names: list[str], image_size: int = 32) -> Path:
    """A servable ONNX artifact built node by node, without TensorFlow: each image's mean red, green and blue,
    softmaxed into three classes (redder images lean to the first, and so on).

    It loads and answers in a fraction of the time a Keras model takes, through the runtime the API image
    ships. Needs the `onnx` package.
    """
    import json

    import onnx
    from onnx import TensorProto, helper

    from .answer_graph import write_answer_graph
    from .serving.artifact import ARTIFACT_FORMAT_VERSION, CLASS_INDEX_FILE, MANIFEST_FILE, PREPROCESSING_FILE
    from .serving.explain import HEAD_FILE, Head

    if len(class_names) != 3:
        raise ValueError("the mean-colour model has one class per colour channel: give three class names")
    # Its "feature map" is the picture pooled to 4x4 cells of mean colour; pooled, the mean colour itself.
    cell = image_size // 4
    graph = helper.make_graph(
        [
            helper.make_node("Transpose", ["pixels"], ["channels_first"], perm=[0, 3, 1, 2]),
            helper.make_node(
                "AveragePool", ["channels_first"], ["cells"], kernel_shape=[cell, cell], strides=[cell, cell]
            ),
            helper.make_node("Transpose", ["cells"], ["feature_map"], perm=[0, 2, 3, 1]),
            helper.make_node("ReduceMean", ["pixels", "axes"], ["pooled"], keepdims=0),
            helper.make_node("Mul", ["pooled", "scale"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
        ],
        "mean_colour",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", image_size, image_size, 3])],
        [
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3]),
            helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", 3]),
            helper.make_tensor_value_info("feature_map", TensorProto.FLOAT, ["batch", 4, 4, 3]),
        ],
        [
            helper.make_tensor("axes", TensorProto.INT64, [2], [1, 2]),
            helper.make_tensor("scale", TensorProto.FLOAT, [], [MEAN_COLOUR_SCALE]),
        ],
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)  # ORT 1.18+ reads it
    onnx.save(model, folder / "model.onnx")
    identity = np.ones(3, np.float32)
    Head(identity, 0 * identity, MEAN_COLOUR_SCALE * np.eye(3, dtype=np.float32), 0 * identity).save(folder / HEAD_FILE)
    files = {
        MANIFEST_FILE: {
            "format_version": ARTIFACT_FORMAT_VERSION,
            "model_version": "mean-colour",
            "runtimes": {"onnx": "model.onnx"},
            "default_runtime": "onnx",
        },
        CLASS_INDEX_FILE: {name: index for index, name in enumerate(class_names)},
        PREPROCESSING_FILE: {"image_size": image_size},
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    write_answer_graph(folder)
    return folder


def textured_lesion_picture(size: int = 320, seed: int = 0) -> Image.Image:
    """A sharp, evenly lit brown lesion with a pigment network on textured skin: what a good photo looks like
    to the quality check (`serving.quality`), which the blurred, dark or small variants of it should fail."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    skin = np.array([222, 182, 160]) + rng.normal(0, 10, (size, size, 1))
    network = np.sin(xx * size / 2.5) * np.sin(yy * size / 2.5)
    lesion = np.array([140, 90, 70]) + 30 * network[..., None] + rng.normal(0, 10, (size, size, 1))
    inside = ((yy - 0.5) ** 2 + (xx - 0.5) ** 2 * 1.4) < 0.3**2
    pixels = np.where(inside[..., None], lesion, skin)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


@dataclass(frozen=True)
class SyntheticCondition:
    """How a synthetic skin photo's condition looks: how many reddish patches, how large (a share of the
    picture's side), and how red."""

    patches: tuple[int, int]
    radius: tuple[float, float]
    colour: tuple[int, int, int]


SYNTHETIC_CONDITIONS = {
    "Rash": SyntheticCondition(patches=(12, 30), radius=(0.02, 0.05), colour=(205, 90, 90)),
    "Eczema": SyntheticCondition(patches=(3, 7), radius=(0.08, 0.18), colour=(200, 110, 105)),
    "Acne": SyntheticCondition(patches=(6, 15), radius=(0.015, 0.035), colour=(190, 60, 70)),
}
SKIN_TONES = ((232, 196, 170), (214, 168, 135), (180, 130, 95), (140, 95, 70))


def dermoscopy_picture(size: int, colour: tuple[int, int, int], rng: np.random.Generator) -> Image.Image:
    """A lesion on skin seen through a dermatoscope: the blob of `lesion_picture`, a faint pigment network,
    and the dark circle the instrument's round lens leaves around the field."""
    pixels = np.asarray(lesion_picture(size, colour, rng), dtype=np.float64)
    yy, xx = np.mgrid[0:size, 0:size] / size
    period = rng.uniform(0.05, 0.09)
    pixels += 10 * (np.sin(xx / period * np.pi) * np.sin(yy / period * np.pi))[..., None]
    cy, cx = rng.uniform(0.46, 0.54, 2)
    edge = rng.uniform(0.44, 0.52)
    fade = np.clip((np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2) - edge) / 0.05, 0, 1)[..., None]
    pixels = pixels * (1 - 0.92 * fade) + rng.normal(0, 3, (size, size, 1)) * fade
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def skin_photo_picture(size: int, condition: str, rng: np.random.Generator) -> Image.Image:
    """An ordinary photo of skin: a skin tone under uneven light, reddish patches of `condition`, and some of
    the background (a wall, clothing) along one or two edges."""
    spec = SYNTHETIC_CONDITIONS[condition]
    yy, xx = np.mgrid[0:size, 0:size] / size
    tone = np.array(SKIN_TONES[rng.integers(len(SKIN_TONES))]) + rng.normal(0, 8, 3)
    pixels = tone + rng.normal(0, 6, (size, size, 3))
    for _ in range(int(rng.integers(*spec.patches))):
        cy, cx = rng.uniform(0.1, 0.9, 2)
        radius = rng.uniform(*spec.radius)
        weight = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius**2))[..., None]
        pixels = pixels * (1 - 0.8 * weight) + (np.array(spec.colour) + rng.normal(0, 10, 3)) * 0.8 * weight
    angle = rng.uniform(0, 2 * np.pi)
    light = 0.95 + rng.uniform(0.1, 0.3) * ((xx - 0.5) * np.cos(angle) + (yy - 0.5) * np.sin(angle))
    pixels = pixels * light[..., None]
    background = np.array([(235, 235, 230), (60, 80, 140), (90, 120, 90), (70, 70, 75)][rng.integers(4)])
    for side in rng.choice(4, size=int(rng.integers(1, 3)), replace=False):
        width = int(rng.uniform(0.1, 0.25) * size)
        band = (slice(None), slice(0, width)) if side < 2 else (slice(0, width), slice(None))
        flipped = (slice(None), slice(size - width, size)) if side < 2 else (slice(size - width, size), slice(None))
        pixels[band if side % 2 == 0 else flipped] = background + rng.normal(0, 6, 3)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def everyday_picture(size: int, rng: np.random.Generator) -> Image.Image:
    """A colourful scene that is no skin at all: sky over grass, or saturated shapes on a gradient."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    if rng.random() < 0.5:
        horizon = rng.uniform(0.35, 0.65)
        sky = np.array([90, 150, 235]) + 40 * (yy[..., None] - horizon)
        grass = np.array([60, 150, 50]) + rng.normal(0, 18, (size, size, 3))
        pixels = np.where((yy < horizon)[..., None], sky, grass)
    else:
        start, end = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        pixels = start + (end - start) * xx[..., None]
    saturated = np.array([(230, 30, 30), (250, 200, 20), (30, 60, 220), (20, 180, 60), (150, 40, 200)])
    for _ in range(int(rng.integers(2, 6))):
        cy, cx = rng.uniform(0.1, 0.9, 2)
        half = rng.uniform(0.05, 0.2)
        shape = (
            (np.abs(yy - cy) < half) & (np.abs(xx - cx) < half * rng.uniform(0.5, 2))
            if rng.random() < 0.5
            else ((yy - cy) ** 2 + (xx - cx) ** 2) < half**2
        )
        pixels = np.where(shape[..., None], saturated[rng.integers(len(saturated))], pixels)
    pixels = pixels + rng.normal(0, 5, (size, size, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def make_synthetic_image_kinds(
    root: str | Path, images_per_kind: int = 30, image_size: int = 64, seed: int = 0
) -> Path:
    """Write the three kinds of picture the image-kind check tells apart, as the real data sets lay them out:
    `dermoscopy/<class>/` (the `SYNTHETIC_CLASSES` lesions through a dermatoscope), `skin-photos/<condition>/`
    and a flat `not-skin/`. Simple colour and texture statistics separate them."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    for index in range(images_per_kind):
        folder, colour = list(SYNTHETIC_CLASSES.items())[index % len(SYNTHETIC_CLASSES)]
        condition = list(SYNTHETIC_CONDITIONS)[index % len(SYNTHETIC_CONDITIONS)]
        pictures = {
            root / "dermoscopy" / folder: dermoscopy_picture(image_size, colour, rng),
            root / "skin-photos" / condition: skin_photo_picture(image_size, condition, rng),
            root / "not-skin": everyday_picture(image_size, rng),
        }
        for target, picture in pictures.items():
            target.mkdir(parents=True, exist_ok=True)
            picture.save(target / f"img_{index:03d}.jpg", quality=90)
    return root
