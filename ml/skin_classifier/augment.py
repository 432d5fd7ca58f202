"""Training-time augmentation: geometry, colour, and what makes where an image came from say nothing of its class.

Sources differ in ways that are not the lesion. Images first stored at 84 px are blurred once enlarged to the
model's input, and some dermatoscopes leave a round black field around the lesion. Where such sources hold most
of a class's images, a network learns "blurred means melanoma". `DetailJitter` and `RoundField` give every
training image, from any source, the same chance of looking blurred or framed, so neither says anything.
"""

from __future__ import annotations

from typing import Protocol

import keras
import tensorflow as tf

# A jittered image keeps between this share of its side and all of it: 84 px sources shown at 224 px keep 0.375.
DETAIL_MIN_SHARE = 0.35
# A round field's radius, as a share of half the image's side (1: touching the edges; the corners are at 1.41).
FIELD_RADIUS = (0.75, 1.3)
FIELD_CENTRE_SHIFT = 0.1  # the field's centre moves up to this share of half the side either way
FIELD_DARKNESS = 0.15  # outside the field, pixels keep at most this share of their value


class ByChance(keras.layers.Layer):
    """A change each training image gets with chance `rate` (`changed` draws it); identity otherwise."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed

    def call(self, images, training=True):
        if not training or self.rate <= 0:
            return images
        return self.changed(images)

    def changed(self, images):
        raise NotImplementedError


class DetailJitter(ByChance):
    """With chance `rate`, an image is reduced to a random side between `DETAIL_MIN_SHARE` and all of its own and
    enlarged back: the blur of a low-resolution source, given to images from every source alike."""

    def changed(self, images):
        size = tf.shape(images)[1:3]
        smallest = tf.maximum(tf.cast(tf.cast(size[0], tf.float32) * DETAIL_MIN_SHARE, tf.int32), 1)
        side = tf.random.uniform((), smallest, size[0] + 1, dtype=tf.int32, seed=self.seed)
        reduced = tf.image.resize(images, tf.stack([side, side]), method="bilinear", antialias=True)
        blurred = tf.image.resize(reduced, size, method="bilinear")
        chosen = tf.random.uniform((tf.shape(images)[0], 1, 1, 1), seed=self.seed) < self.rate
        return tf.where(chosen, tf.cast(blurred, images.dtype), images)


class RoundField(ByChance):
    """With chance `rate`, everything outside a random circle goes dark, as a dermatoscope's round field."""

    def changed(self, images):
        shape = tf.shape(images)
        count, height, width = shape[0], shape[1], shape[2]
        rows = tf.linspace(-1.0, 1.0, height)[None, :, None]
        columns = tf.linspace(-1.0, 1.0, width)[None, None, :]
        radius = tf.random.uniform((count, 1, 1), *FIELD_RADIUS, seed=self.seed)
        centre = tf.random.uniform((count, 2, 1, 1), -FIELD_CENTRE_SHIFT, FIELD_CENTRE_SHIFT, seed=self.seed)
        distance = tf.sqrt((rows - centre[:, 0]) ** 2 + (columns - centre[:, 1]) ** 2)
        edge = 4.0 / tf.cast(height, tf.float32)  # a soft edge a few pixels wide, as optics draw it
        inside = tf.clip_by_value((radius - distance) / edge + 0.5, 0.0, 1.0)
        darkness = tf.random.uniform((count, 1, 1), 0.0, FIELD_DARKNESS, seed=self.seed)
        mask = inside + (1.0 - inside) * darkness
        chosen = tf.random.uniform((count, 1, 1), seed=self.seed) < self.rate
        mask = tf.where(chosen, mask, tf.ones_like(mask))
        return images * tf.cast(mask[..., None], images.dtype)


class AugmentSettings(Protocol):
    """What `augmentation` draws (a `TrainConfig` has these); rates and strengths of 0 leave that part out."""

    seed: int
    rotation: float  # fraction of a full turn either way
    zoom: float
    colour_jitter: float
    detail_jitter: float  # chance of `DetailJitter`
    round_field: float  # chance of `RoundField`


def augmentation(settings: AugmentSettings) -> keras.Sequential:
    """Geometry (lesions have no up or left); with `colour_jitter` the colour (other clinics' dermatoscopes and
    lighting shift brightness, contrast and hue, which HAM10000's two sources barely vary); with `round_field`
    and `detail_jitter` the looks of other sources, applied last, as the camera and the file would."""
    seed = settings.seed
    layers: list[keras.layers.Layer] = [
        keras.layers.RandomFlip("horizontal_and_vertical", seed=seed),
        keras.layers.RandomRotation(settings.rotation, fill_mode="reflect", seed=seed + 1),
        keras.layers.RandomZoom(settings.zoom, fill_mode="reflect", seed=seed + 2),
    ]
    if settings.colour_jitter > 0:
        strength = settings.colour_jitter
        layers.append(
            keras.layers.RandomColorJitter(
                value_range=(0, 255),
                brightness_factor=strength,
                contrast_factor=strength,
                saturation_factor=(0.5 - strength / 2, 0.5 + strength / 2),
                hue_factor=strength / 5,
                seed=seed + 3,
            )
        )
    if settings.round_field > 0:
        layers.append(RoundField(settings.round_field, seed=seed + 4))
    if settings.detail_jitter > 0:
        layers.append(DetailJitter(settings.detail_jitter, seed=seed + 5))
    return keras.Sequential(layers, name="augmentation")
