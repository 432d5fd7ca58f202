"""A registry backbone plus a small classification head, following Keras' transfer-learning guide.

The model takes RGB pixels in 0..255 and carries everything else itself: optional colour constancy, the
backbone's own normalisation, the base (called with training=False, so that unfreezing never changes
inference-mode behaviour and batch normalisation keeps its ImageNet statistics; `train_batchnorm` lets the
unfrozen blocks' batch normalisation learn the new images' statistics instead), the head and a calibrated
softmax. Serving therefore only decodes and resizes,
and a new backbone cannot be served with the wrong pixels.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .backbones.registry import Backbone, get_backbone

BASE_NAME = "base"
CALIBRATION_LAYER = "predictions"
LOGITS_LAYER = "logits"
FLIP_SUFFIX = "_flip_averaged"
SERVED_SUFFIX = "_served"
FLIP_CORE = "classifier_logits"
ENSEMBLE_SUFFIX = "_ensemble"
ENSEMBLE_AVERAGE = "ensemble_average"
MEMBER_PREFIX = "member_"


@keras.saving.register_keras_serializable(package="skin_classifier")
class PixelNormalization(keras.layers.Layer):
    """(pixel - mean) / std per channel, then the channel order the base expects."""

    def __init__(self, mean_rgb, std_rgb, channel_order: str = "rgb", **kwargs):
        super().__init__(**kwargs)
        self.mean_rgb, self.std_rgb, self.channel_order = list(mean_rgb), list(std_rgb), channel_order

    def call(self, pixels):
        normalised = (ops.cast(pixels, self.compute_dtype) - np.array(self.mean_rgb, "float32")) / np.array(
            self.std_rgb, "float32"
        )
        return ops.flip(normalised, axis=-1) if self.channel_order == "bgr" else normalised

    def get_config(self):
        return {
            **super().get_config(),
            "mean_rgb": self.mean_rgb,
            "std_rgb": self.std_rgb,
            "channel_order": self.channel_order,
        }


@keras.saving.register_keras_serializable(package="skin_classifier")
class ShadesOfGray(keras.layers.Layer):
    """Shades-of-Gray colour constancy (Finlayson & Trezzi, p=6): rescale each channel so the image's
    illuminant estimate is grey, evening out the colour casts of different dermatoscopes and cameras."""

    def __init__(self, power: float = 6.0, **kwargs):
        super().__init__(**kwargs)
        self.power = power

    def call(self, pixels):
        pixels = ops.cast(pixels, "float32")
        illuminant = ops.power(
            ops.mean(ops.power(pixels / 255.0, self.power), axis=(1, 2), keepdims=True), 1.0 / self.power
        )
        illuminant = illuminant / ops.maximum(ops.sqrt(ops.sum(illuminant**2, axis=-1, keepdims=True)), 1e-6)
        gain = 1.0 / ops.maximum(illuminant * np.sqrt(3.0).astype("float32"), 1e-3)
        return ops.clip(pixels * gain, 0.0, 255.0)

    def get_config(self):
        return {**super().get_config(), "power": self.power}


@keras.saving.register_keras_serializable(package="skin_classifier")
class CalibratedSoftmax(keras.layers.Layer):
    """softmax(logits / temperature + bias): temperature scaling and per-class bias, fitted on validation
    after training (1 and 0 until then), so the served probabilities are the calibrated ones."""

    def build(self, input_shape):
        self.temperature = self.add_weight(shape=(), initializer="ones", trainable=False, name="temperature")
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False, name="bias")

    def call(self, logits):
        return ops.softmax(ops.cast(logits, "float32") / self.temperature + self.bias, axis=-1)


def build_model(
    num_classes: int,
    backbone: str = "vgg16",
    image_size: int | None = None,
    weights: str | None = "imagenet",
    head_units: int = 256,
    dropout: float = 0.5,
    colour_constancy: bool = False,
    train_batchnorm: bool = False,
) -> keras.Model:
    """Pixels -> [colour constancy] -> normalisation -> base -> pooling, batch norm, [dense], dropout -> logits
    -> calibrated softmax. `head_units=0` makes the head linear."""
    entry = get_backbone(backbone)
    size = image_size or entry.image_size
    base = entry.build((size, size, 3), weights)
    base.name = BASE_NAME
    base.trainable = False
    inputs = keras.Input(shape=(size, size, 3), name="image")
    x = ShadesOfGray(name="colour_constancy", dtype="float32")(inputs) if colour_constancy else inputs
    x = PixelNormalization(entry.mean_rgb, entry.std_rgb, entry.channel_order, name="normalization")(x)
    x = base(x, training=None if train_batchnorm else False)  # None: training mode while fitting, else inference
    x = keras.layers.GlobalAveragePooling2D(name="head_pool")(x)
    # Pooled activations range from 0 to hundreds depending on the backbone's weights; normalising them
    # keeps the head's first steps stable (VGG16 on HAM10000: 0.47 vs 0.35 validation balanced accuracy).
    x = keras.layers.BatchNormalization(momentum=0.9, name="head_norm")(x)
    if head_units:
        x = keras.layers.Dense(head_units, activation="relu", name="head_dense")(x)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    # float32 logits and softmax keep the output stable under mixed precision.
    logits = keras.layers.Dense(num_classes, dtype="float32", name=LOGITS_LAYER)(x)
    outputs = CalibratedSoftmax(name=CALIBRATION_LAYER, dtype="float32")(logits)
    return keras.Model(inputs, outputs, name=f"skin_lesion_{entry.name.replace('-', '_')}")


def backbone_entry(model: keras.Model) -> Backbone:
    name = model.name.removeprefix("skin_lesion_").removesuffix(SERVED_SUFFIX)
    name = name.removesuffix(ENSEMBLE_SUFFIX).removesuffix(FLIP_SUFFIX)
    return get_backbone(name.replace("_", "-"))


def base_of(model: keras.Model) -> keras.Model:
    return model.get_layer(BASE_NAME)


def _first_layer_index(model: keras.Model, first_trainable_block: str) -> int:
    entry, layers = backbone_entry(model), base_of(model).layers
    for index, layer in enumerate(layers):
        if entry.block_of(layer.name) == first_trainable_block:
            return index
    raise ValueError(f"{entry.name} has no block {first_trainable_block!r}")


def set_trainable_from(model: keras.Model, first_trainable_block: str | None) -> None:
    """Train the base from `first_trainable_block` to its end (None freezes the whole base)."""
    base = base_of(model)
    start = len(base.layers) if first_trainable_block is None else _first_layer_index(model, first_trainable_block)
    base.trainable = start < len(base.layers)
    for index, layer in enumerate(base.layers):
        layer.trainable = index >= start


def _cut_tensor(model: keras.Model, first_trainable_block: str | None):
    """The activation that enters the first trainable block (the base's output when all of it is frozen)."""
    base = base_of(model)
    if first_trainable_block is None:
        return base.output
    return base.layers[_first_layer_index(model, first_trainable_block) - 1].output


def frozen_prefix(model: keras.Model, first_trainable_blocks: list[str | None]) -> keras.Model:
    """Pixels -> the frozen part's output for each phase, all in one pass."""
    base = base_of(model)
    cuts = keras.Model(base.input, [_cut_tensor(model, block) for block in first_trainable_blocks])
    outputs = cuts(model.get_layer("normalization").output)
    return keras.Model(model.input, outputs, name="frozen_prefix")


def trainable_suffix(model: keras.Model, first_trainable_block: str | None, pooled: bool = False) -> keras.Model:
    """The base from `first_trainable_block` on plus the head, taking cached frozen activations (with `pooled`,
    the head alone taking 1x1 maps, as `train.cache_activations(pooled=True)` stores them).

    It reuses the very layer objects of `model`, so training it trains `model`.
    """
    base = base_of(model)
    cut = _cut_tensor(model, first_trainable_block)
    shape = (1, 1, cut.shape[-1]) if pooled and first_trainable_block is None else cut.shape[1:]
    inputs = keras.Input(shape=shape, name="frozen_activations")
    x = inputs if first_trainable_block is None else keras.Model(cut, base.output)(inputs)
    for layer in model.layers[model.layers.index(base) + 1 :]:
        x = layer(x)
    return keras.Model(inputs, x, name=f"suffix_from_{first_trainable_block or 'head'}")


def logits_of(model: keras.Model) -> keras.Model:
    """The same model without its calibrated softmax (for fitting calibration, and for heat maps)."""
    names = {layer.name for layer in model.layers}
    source = next((name for name in ("flip_average", ENSEMBLE_AVERAGE) if name in names), LOGITS_LAYER)
    return keras.Model(model.input, model.get_layer(source).output, name="logits_of_" + model.name)


@keras.saving.register_keras_serializable(package="skin_classifier")
class Flip(keras.layers.Layer):
    """Mirror images along one spatial axis (1: upside down, 2: left to right)."""

    def __init__(self, axis: int, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, pixels):
        return ops.flip(pixels, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


# The views a model or ensemble member can see: the image as uploaded and its mirror images, each a Flip axis.
IMAGE_VIEW = "image"
MIRROR_AXES = {"flip_left_right": 2, "flip_up_down": 1}
# What an ensemble's members see (`ensemble_of`): the image only; the image and both mirror images each; or the
# image and one mirror image each, the members taking upside down and left to right in turn.
MIRROR_MODES = ("none", "both", "one-each")


def mirror_views(pixels):
    """The image and its two mirror images: the views flip averaging takes the mean of."""
    return [pixels, *(Flip(axis, name=name)(pixels) for name, axis in MIRROR_AXES.items())]


def member_views(mirrors: str, members: int) -> list[list[str]]:
    """The views each of `members` ensemble members sees under a `MIRROR_MODES` mode, by name."""
    if mirrors == "none":
        return [[IMAGE_VIEW] for _ in range(members)]
    if mirrors == "both":
        return [[IMAGE_VIEW, *MIRROR_AXES] for _ in range(members)]
    if mirrors == "one-each":
        in_turn = ("flip_up_down", "flip_left_right")
        return [[IMAGE_VIEW, in_turn[index % len(in_turn)]] for index in range(members)]
    raise ValueError(f"mirrors must be one of {', '.join(MIRROR_MODES)}; got {mirrors!r}")


def _named_views(pixels, names: set[str]) -> dict:
    """The views of `pixels` that `names` asks for, each mirror image computed once."""
    views = {IMAGE_VIEW: pixels}
    for name, axis in MIRROR_AXES.items():
        if name in names:
            views[name] = Flip(axis, name=name)(pixels)
    return views


@keras.saving.register_keras_serializable(package="skin_classifier")
class EnsembleAverage(keras.layers.Average):
    """The mean of an ensemble's logits, recording which views each member saw (`served_model` rebuilds them)."""

    def __init__(self, member_views: list[list[str]], **kwargs):
        super().__init__(**kwargs)
        self.member_views = [list(views) for views in member_views]

    def get_config(self):
        return {**super().get_config(), "member_views": self.member_views}


def with_flip_averaging(model: keras.Model) -> keras.Model:
    """Test-time augmentation: logits averaged over the image and its two mirror images, then the same
    calibrated softmax. The wrapped model's layers (and weights) are shared, not copied."""
    logits = keras.Model(model.input, model.get_layer(LOGITS_LAYER).output, name=FLIP_CORE)
    inputs = keras.Input(shape=model.input.shape[1:], name="image")
    views = [logits(view) for view in mirror_views(inputs)]
    averaged = keras.layers.Average(name="flip_average", dtype="float32")(views)
    outputs = model.get_layer(CALIBRATION_LAYER)(averaged)
    return keras.Model(inputs, outputs, name=f"{model.name}{FLIP_SUFFIX}")


def is_flip_averaged(model: keras.Model) -> bool:
    """Whether `model` is a `with_flip_averaging` model."""
    return FLIP_CORE in {layer.name for layer in model.layers}


def ensemble_of(models: list[keras.Model], mirrors: str = "none") -> keras.Model:
    """One model answering with the mean of its members' logits, then a calibrated softmax of its own (1 and 0
    until fitted). Raw logits, not each member's calibrated ones: a member's temperature fitted on its own
    validation images says how sure it is there, not how much its vote is worth elsewhere (measured on other
    clinics' images: 0.691 balanced accuracy for two members' raw mean against 0.652 weighted by their
    temperatures). `mirrors` (`MIRROR_MODES`) says which mirror images each member sees beside the image; all
    their logits are averaged. The members' weights are shared, not copied; they must be single-view models of
    one backbone, input size and class list."""
    if len(models) < 2:
        raise ValueError("an ensemble needs at least two members")
    first = models[0]
    for member in models:
        if member.input.shape[1:] != first.input.shape[1:] or member.output.shape[-1] != first.output.shape[-1]:
            raise ValueError("ensemble members must share one input size and one class list")
        if backbone_entry(member) != backbone_entry(first) or is_flip_averaged(member) or ensemble_members(member):
            raise ValueError(f"ensemble members are single-view models of one backbone; got {member.name}")
    seen = member_views(mirrors, len(models))
    inputs = keras.Input(shape=first.input.shape[1:], name="image")
    views = _named_views(inputs, {name for names in seen for name in names})
    cores = [
        keras.Model(member.input, member.get_layer(LOGITS_LAYER).output, name=f"{MEMBER_PREFIX}{index}")
        for index, member in enumerate(models)
    ]
    logits = [core(views[name]) for core, names in zip(cores, seen, strict=True) for name in names]
    averaged = EnsembleAverage(seen, name=ENSEMBLE_AVERAGE, dtype="float32")(logits)
    outputs = CalibratedSoftmax(name=CALIBRATION_LAYER, dtype="float32")(averaged)
    return keras.Model(inputs, outputs, name=f"{first.name}{ENSEMBLE_SUFFIX}")


def ensemble_members(model: keras.Model) -> list[keras.Model]:
    """The single-view logits models of an `ensemble_of` model, in order; [] for any other model."""
    names = {layer.name for layer in model.layers}
    return [model.get_layer(name) for index in range(len(names)) if (name := f"{MEMBER_PREFIX}{index}") in names]


def ensemble_views(model: keras.Model) -> list[list[str]]:
    """The views each member of an `ensemble_of` model sees, by name. An ensemble saved before the average
    recorded them has every member see the same views: all three with any Flip layer, else the image."""
    average = model.get_layer(ENSEMBLE_AVERAGE)
    if isinstance(average, EnsembleAverage):
        return average.member_views
    mirrors = "both" if any(isinstance(layer, Flip) for layer in model.layers) else "none"
    return member_views(mirrors, len(ensemble_members(model)))


def _classifier_core(model: keras.Model) -> keras.Model:
    """The single-view classifier inside a flip-averaged model, an ensemble's first member, or the model."""
    if is_flip_averaged(model):
        return model.get_layer(FLIP_CORE)
    members = ensemble_members(model)
    return members[0] if members else model


def served_model(model: keras.Model) -> keras.Model:
    """The model every runtime serves: image -> (probabilities, pooled features, last conv feature map).

    The base computes the feature map and the head pools it anyway, so the two extra outputs cost a copy:
    heat maps (Grad-CAM of the registry's `last_conv_layer`) and the image-kind check read them without a
    second pass. With flip averaging, both come from the image as uploaded, the first of its three views; in an
    ensemble, from its first member.
    """
    core = _classifier_core(model)
    members = ensemble_members(model)
    flipped = core is not model and not members
    base = base_of(core)
    last_conv = base.get_layer(backbone_entry(model).last_conv_layer)
    base_with_map = keras.Model(base.input, [last_conv.output, base.output], name="base_with_feature_map")
    layers = core.layers
    at = layers.index(base)

    def logits_and_features(pixels):
        x = pixels
        for layer in layers[1:at]:  # colour constancy, normalisation
            x = layer(x)
        feature_map, x = base_with_map(x)
        pooled = x = layers[at + 1](x)  # head_pool
        for layer in layers[at + 2 :]:
            if layer.name != CALIBRATION_LAYER:
                x = layer(x)
        return x, pooled, feature_map

    inputs = keras.Input(shape=model.input.shape[1:], name="image")
    logits, pooled, feature_map = logits_and_features(inputs)
    if flipped:
        views = [logits] + [logits_and_features(view)[0] for view in mirror_views(inputs)[1:]]
        logits = keras.layers.Average(dtype="float32")(views)
    elif members:
        seen = ensemble_views(model)
        named = _named_views(inputs, {name for names in seen for name in names})
        others = [
            member(named[name])
            for index, (member, names) in enumerate(zip(members, seen, strict=True))
            for name in names
            if (index, name) != (0, IMAGE_VIEW)  # the first member's image: `logits` above, with its features
        ]
        logits = keras.layers.Average(dtype="float32")([logits, *others])
    probabilities = model.get_layer(CALIBRATION_LAYER)(logits)
    as_float = keras.layers.Activation("linear", dtype="float32")
    return keras.Model(
        inputs, [probabilities, as_float(pooled), as_float(feature_map)], name=f"{model.name}{SERVED_SUFFIX}"
    )


def head_weights(model: keras.Model) -> dict[str, np.ndarray]:
    """The head's weights from pooled features to logits, for Grad-CAM in numpy (`serving.explain`).

    Inference-mode batch normalisation is a per-feature scale and shift; dropout is the identity.
    """
    model = _classifier_core(model)
    norm = model.get_layer("head_norm")
    gamma, beta, mean, variance = (np.asarray(w, np.float32) for w in norm.get_weights())
    scale = gamma / np.sqrt(variance + norm.epsilon)
    weights = {"norm_scale": scale, "norm_shift": beta - mean * scale}
    if "head_dense" in {layer.name for layer in model.layers}:
        weights["dense_kernel"], weights["dense_bias"] = model.get_layer("head_dense").get_weights()
    weights["logits_kernel"], weights["logits_bias"] = model.get_layer(LOGITS_LAYER).get_weights()
    return {name: np.asarray(value, np.float32) for name, value in weights.items()}
