"""VGG16 from `keras.applications`: the original design's backbone, with online, offline or no weights."""

from __future__ import annotations

from pathlib import Path

# keras.applications.vgg16.preprocess_input ("caffe" mode): BGR order, ImageNet means, no scaling.
MEAN_RGB = (123.68, 116.779, 103.939)
STD_RGB = (1.0, 1.0, 1.0)
BLOCKS = ("block1", "block2", "block3", "block4", "block5")
LAST_CONV_LAYER = "block5_conv3"


def resolve_weights(weights: str | None) -> str | None:
    """ "imagenet" downloads Keras' ImageNet file (needs internet), "none" starts at random, anything else is
    a local no-top `.weights.h5` file in keras.applications' layout."""
    if weights is None or weights.lower() == "none":
        return None
    if weights == "imagenet":
        return "imagenet"
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Backbone weights file not found: {path}")
    return str(path)


def build_vgg16(input_shape: tuple[int, int, int], weights: str | None):
    import keras

    return keras.applications.VGG16(include_top=False, weights=resolve_weights(weights), input_shape=input_shape)
