"""What a training step is fed: endless shuffled batches (images augmented on the fly, or cached activations of
the frozen part), validation batches, the class weights, and the cached activations themselves."""

from __future__ import annotations

import logging
import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from .model import frozen_prefix

log = logging.getLogger(__name__)


def class_weight_table(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """'Balanced' weights: every class contributes equally to the loss, however rare."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    return np.where(counts > 0, len(labels) / (num_classes * np.maximum(counts, 1)), 0.0).astype(np.float32)


def training_batches(
    inputs: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    batch_size: int,
    weights: np.ndarray | None,
    balanced_sampling: bool,
    seed: int,
    augment: keras.Sequential | None = None,
    *,
    targets: np.ndarray | None = None,
    draw: np.ndarray | None = None,
    epoch_size: int | None = None,
) -> tf.data.Dataset:
    """An endless stream of shuffled training batches: (inputs, targets[, sample weights]).

    `inputs` are uint8 images (N, H, W, 3), augmented on the fly, or cached activations (views, N, ...), one
    random view per image. Targets are the labels one-hot, or `targets` (N, classes), e.g. a teacher's soft
    answers mixed in. Balanced sampling draws images with probability inversely proportional to their class's
    size, so each batch holds every class about equally; `draw` gives each image's chance instead (see
    `sources.draw_probabilities`). An epoch is `epoch_size` draws (default: one per image), full batches only.
    """
    targets = np.eye(num_classes, dtype=np.float32)[labels] if targets is None else targets.astype(np.float32)
    cached = inputs.dtype != np.uint8
    counts = np.bincount(labels, minlength=num_classes)
    if draw is None and balanced_sampling:
        draw = 1.0 / counts[labels] / num_classes
    rng = np.random.default_rng(seed)
    draws = epoch_size or len(labels)
    size = min(batch_size, draws)  # a data set smaller than one batch still yields batches

    def batches():
        while True:
            if draw is not None:
                order = rng.choice(len(labels), draws, p=draw)
            else:  # a pass over every image, in a new order each time
                order = np.concatenate([rng.permutation(len(labels)) for _ in range(-(-draws // len(labels)))])[:draws]
            for start in range(0, len(order) - size + 1, size):  # full batches only
                index = np.sort(order[start : start + size])
                x = inputs[rng.integers(0, inputs.shape[0], len(index)), index] if cached else inputs[index]
                batch = (x.astype(np.float32) if cached else x, targets[index])
                yield batch if weights is None else (*batch, weights[labels[index]])

    sample_shape = inputs.shape[2:] if cached else inputs.shape[1:]
    signature: tuple[Any, ...] = (
        tf.TensorSpec((None, *sample_shape), tf.float32 if cached else tf.uint8),
        tf.TensorSpec((None, num_classes), tf.float32),
    )
    if weights is not None:
        signature = (*signature, tf.TensorSpec((None,), tf.float32))
    dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
    if not cached:

        def prepare(pixels, *rest):
            pixels = tf.cast(pixels, tf.float32)
            return (augment(pixels, training=True) if augment is not None else pixels, *rest)

        dataset = dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    return _shard_by_data(dataset).prefetch(2)


def evaluation_batches(inputs: np.ndarray, labels: np.ndarray, num_classes: int, batch_size: int) -> tf.data.Dataset:
    """Validation batches in order: uint8 images, or the first (un-augmented) view of cached activations."""
    x = inputs[0] if inputs.dtype != np.uint8 else inputs
    dataset = tf.data.Dataset.from_tensor_slices((x, np.eye(num_classes, dtype=np.float32)[labels]))
    return _shard_by_data(dataset.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32), y))).prefetch(2)


def _shard_by_data(dataset: tf.data.Dataset) -> tf.data.Dataset:
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def cache_activations(
    model: keras.Model,
    images: np.ndarray,
    blocks: list[str | None],
    views: int,
    augment: keras.Sequential | None,
    batch_size: int,
    pooled: bool = False,
) -> dict[str | None, np.ndarray]:
    """Frozen-part activations per phase (keyed by its first trainable block), shape (views, N, ...), float16.

    `pooled` keeps only each map's spatial mean, as a 1x1 map: exact for a head that starts with global average
    pooling, at a fraction of the memory.
    """
    prefix = frozen_prefix(model, blocks)
    cached: dict[str | None, list[np.ndarray]] = {block: [] for block in blocks}
    for view in range(views):
        started = time.perf_counter()
        chunks: dict[str | None, list[np.ndarray]] = {block: [] for block in blocks}
        for start in range(0, len(images), batch_size):
            pixels = tf.cast(images[start : start + batch_size], tf.float32)
            if view > 0 and augment is not None:  # without augmentation every view is the plain image
                pixels = augment(pixels, training=True)
            outputs = prefix(pixels, training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            for block, output in zip(blocks, outputs, strict=True):
                output = ops.mean(output, axis=(1, 2), keepdims=True) if pooled else output
                chunks[block].append(np.asarray(ops.cast(output, "float16")))
        for block in blocks:
            cached[block].append(np.concatenate(chunks[block]))
        log.info(
            "Cached frozen activations, view %d/%d of %d images, in %.0f s",
            view + 1,
            views,
            len(images),
            time.perf_counter() - started,
        )
    return {block: np.stack(arrays) for block, arrays in cached.items()}
