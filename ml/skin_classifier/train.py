"""Three-phase VGG16 fine-tuning on a folder-per-class data set, ending in an exported artifact.

Phase 1 trains the head on a frozen base, phase 2 unfreezes the base's last 4 layers at Adam 1e-5, phase 3
its last 8 layers under a cosine learning-rate schedule. Each phase keeps the epoch with the best
validation balanced accuracy (early stopping with restore, plus a checkpoint on disk), and a phase that does
not beat the phases before it is rolled back.

With `cache_frozen`, the frozen part of the base runs once instead of every epoch: each training image is
passed through it in `cached_views` versions (the original and random flips/rotations/zooms, drawn in
pixel space, so every cached activation is exactly what the full model would compute), and each epoch
trains the unfrozen layers on one randomly chosen view per image. That makes all three phases affordable
on a CPU; without it, augmentation is drawn afresh every epoch.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from .dataset import decode_images, scan_image_folder, split_by_group
from .export import export_artifact, write_json
from .inference import predict_in_batches
from .machine import cpu_name
from .metrics import evaluate_probabilities, plot_confusion_matrix, plot_training_curves
from .model import build_model, frozen_prefix, set_trainable_tail, trainable_suffix
from .preprocessing import normalize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phase:
    name: str
    trainable_layers: int  # trailing backbone layers that train; 0 = base frozen
    learning_rate: float
    cosine_schedule: bool = False


@dataclass
class TrainConfig:
    data_dir: Path
    output_dir: Path
    weights: str = "imagenet"
    image_size: int = 224
    batch_size: int = 32
    epochs: tuple[int, int, int] = (12, 6, 6)
    head_learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 1e-5
    head_units: int = 256
    dropout: float = 0.5
    val_fraction: float = 0.15
    test_fraction: float = 0.0
    metadata_csv: Path | None = None
    group_column: str = "lesion_id"
    image_column: str = "image_id"
    class_weights: bool = True
    max_train_per_class: int | None = None
    patience: int = 3
    seed: int = 42
    rotation: float = 0.5  # fraction of a full turn either way; lesions have no "up"
    zoom: float = 0.2
    cache_frozen: bool = False
    cached_views: int = 2
    mixed_precision: bool = False
    data_description: dict[str, str] = field(default_factory=dict)

    def phases(self) -> list[Phase]:
        return [
            Phase("1-head", 0, self.head_learning_rate),
            Phase("2-last4", 4, self.fine_tune_learning_rate),
            Phase("3-last8", 8, self.fine_tune_learning_rate, cosine_schedule=True),
        ]


class BalancedAccuracy(keras.metrics.Metric):
    """Mean per-class recall, accumulated over an epoch; sample weights are ignored on purpose."""

    def __init__(self, num_classes: int, name: str = "balanced_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.hits = self.add_variable(shape=(num_classes,), initializer="zeros", name="hits")
        self.support = self.add_variable(shape=(num_classes,), initializer="zeros", name="support")

    def update_state(self, y_true, y_pred, sample_weight=None):
        true = ops.argmax(y_true, axis=-1)
        true_one_hot = ops.one_hot(true, self.num_classes, dtype="float32")
        correct = ops.cast(ops.equal(true, ops.argmax(y_pred, axis=-1)), "float32")
        self.support.assign_add(ops.sum(true_one_hot, axis=0))
        self.hits.assign_add(ops.sum(true_one_hot * correct[:, None], axis=0))

    def result(self):
        present = ops.cast(self.support > 0, "float32")
        recall = self.hits / ops.maximum(self.support, 1.0)
        return ops.sum(recall * present) / ops.maximum(ops.sum(present), 1.0)

    def reset_state(self):
        self.hits.assign(ops.zeros_like(self.hits))
        self.support.assign(ops.zeros_like(self.support))


def class_weight_table(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """'Balanced' weights: every class contributes equally to the loss, however rare."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    return np.where(counts > 0, len(labels) / (num_classes * np.maximum(counts, 1)), 0.0).astype(np.float32)


def augmentation(config: TrainConfig) -> keras.Sequential:
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal_and_vertical", seed=config.seed),
        keras.layers.RandomRotation(config.rotation, fill_mode="reflect", seed=config.seed + 1),
        keras.layers.RandomZoom(config.zoom, fill_mode="reflect", seed=config.seed + 2),
    ], name="augmentation")


def image_dataset(images: np.ndarray, labels: np.ndarray, num_classes: int, batch_size: int,
                  weights: np.ndarray | None = None, augment: keras.Sequential | None = None,
                  seed: int = 0) -> tf.data.Dataset:
    """uint8 images -> (normalized batch, one-hot labels[, sample weights]), augmenting on the fly."""
    one_hot = np.eye(num_classes, dtype=np.float32)[labels]
    columns = (images, one_hot) if weights is None else (images, one_hot, weights[labels])
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    if augment is not None:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)

    def prepare(pixels, *rest):
        pixels = tf.cast(pixels, tf.float32)
        if augment is not None:
            pixels = augment(pixels, training=True)
        return (normalize(pixels), *rest)

    return dataset.map(prepare, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def feature_dataset(views: np.ndarray, labels: np.ndarray, num_classes: int, batch_size: int,
                    weights: np.ndarray | None = None, shuffle: bool = False,
                    seed: int = 0) -> tf.data.Dataset:
    """Cached activations of shape (views, N, ...) -> batches, one random view per image per epoch."""
    one_hot = np.eye(num_classes, dtype=np.float32)[labels]
    rng = np.random.default_rng(seed)

    def batches():
        order = rng.permutation(len(labels)) if shuffle else np.arange(len(labels))
        for start in range(0, len(order), batch_size):
            index = np.sort(order[start:start + batch_size])
            view = rng.integers(0, views.shape[0], len(index)) if shuffle else np.zeros(len(index), int)
            batch = (views[view, index].astype(np.float32), one_hot[index])
            yield batch if weights is None else (*batch, weights[labels[index]])

    signature = (tf.TensorSpec((None, *views.shape[2:]), tf.float32), tf.TensorSpec((None, num_classes)))
    if weights is not None:
        signature = (*signature, tf.TensorSpec((None,), tf.float32))
    dataset = tf.data.Dataset.from_generator(batches, output_signature=signature)
    batch_count = int(np.ceil(len(labels) / batch_size))
    return dataset.apply(tf.data.experimental.assert_cardinality(batch_count)).prefetch(2)


def cache_activations(model: keras.Model, images: np.ndarray, depths: list[int], views: int,
                      augment: keras.Sequential | None, batch_size: int) -> dict[int, np.ndarray]:
    """Frozen-part activations per unfreeze depth, shape (views, N, ...) in float16."""
    prefix = frozen_prefix(model, depths)
    cached = {depth: [] for depth in depths}
    for view in range(views):
        started = time.perf_counter()
        chunks = {depth: [] for depth in depths}
        for start in range(0, len(images), batch_size):
            pixels = tf.cast(images[start:start + batch_size], tf.float32)
            if view > 0:
                pixels = augment(pixels, training=True)
            outputs = prefix(normalize(pixels), training=False)
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            for depth, output in zip(depths, outputs):
                chunks[depth].append(np.asarray(ops.cast(output, "float16")))
        for depth in depths:
            cached[depth].append(np.concatenate(chunks[depth]))
        log.info("Cached frozen activations, view %d/%d of %d images, in %.0f s",
                 view + 1, views, len(images), time.perf_counter() - started)
    return {depth: np.stack(arrays) for depth, arrays in cached.items()}


def train(config: TrainConfig) -> Path:
    """Run the whole pipeline; returns the exported artifact folder (`output_dir/artifact`)."""
    run_started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if config.mixed_precision else "float32")
    output_dir = Path(config.output_dir)
    (output_dir / "checkpoints").mkdir(parents=True, exist_ok=True)

    folder = scan_image_folder(config.data_dir, config.metadata_csv, config.group_column, config.image_column)
    log.info("Found %d images in %d classes: %s", len(folder.paths), len(folder.class_names), folder.class_names)
    images, kept = decode_images(folder.paths, config.image_size)
    labels, groups = folder.labels[kept], folder.groups[kept]
    num_classes = len(folder.class_names)
    held_out = {"val": config.val_fraction} | ({"test": config.test_fraction} if config.test_fraction else {})
    splits = split_by_group(labels, groups, held_out, config.seed)
    if config.max_train_per_class:
        rng = np.random.default_rng(config.seed)
        splits["train"] = np.sort(np.concatenate([
            rng.permutation(splits["train"][labels[splits["train"]] == c])[:config.max_train_per_class]
            for c in range(num_classes)]))
    relative = folder.relative_paths()
    write_json(output_dir / "splits.json", {name: [relative[kept[i]] for i in index] for name, index in splits.items()})
    log.info("Split sizes: %s", {name: len(index) for name, index in splits.items()})

    train_x, train_y = images[splits["train"]], labels[splits["train"]]
    val_x, val_y = images[splits["val"]], labels[splits["val"]]
    weights = class_weight_table(train_y, num_classes) if config.class_weights else None
    augment = augmentation(config)
    model = build_model(num_classes, config.image_size, config.weights, config.head_units, config.dropout)

    phases = [(phase, epochs) for phase, epochs in zip(config.phases(), config.epochs) if epochs > 0]
    cache: dict[str, dict[int, np.ndarray]] = {}
    timings: dict[str, float] = {}
    if config.cache_frozen:
        started = time.perf_counter()
        depths = [phase.trainable_layers for phase, _ in phases]
        cache["train"] = cache_activations(model, train_x, depths, config.cached_views, augment, config.batch_size)
        cache["val"] = cache_activations(model, val_x, depths, 1, None, config.batch_size)
        timings["cache_frozen_activations_s"] = round(time.perf_counter() - started, 1)

    history: list[dict[str, Any]] = []
    best_score, best_phase, best_weights = -1.0, None, None
    for phase, epochs in phases:
        started = time.perf_counter()
        set_trainable_tail(model, phase.trainable_layers)
        if config.cache_frozen:
            fit_model = trainable_suffix(model, phase.trainable_layers)
            train_data = feature_dataset(cache["train"][phase.trainable_layers], train_y, num_classes,
                                         config.batch_size, weights, shuffle=True, seed=config.seed)
            val_data = feature_dataset(cache["val"][phase.trainable_layers], val_y, num_classes, config.batch_size)
        else:
            fit_model = model
            train_data = image_dataset(train_x, train_y, num_classes, config.batch_size, weights, augment, config.seed)
            val_data = image_dataset(val_x, val_y, num_classes, config.batch_size)
        steps = int(np.ceil(len(train_y) / config.batch_size)) * epochs
        learning_rate = (keras.optimizers.schedules.CosineDecay(phase.learning_rate, steps, alpha=0.1)
                         if phase.cosine_schedule else phase.learning_rate)
        fit_model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                          metrics=["accuracy", BalancedAccuracy(num_classes)])
        log.info("Phase %s: %d trainable weights, up to %d epochs", phase.name,
                 len(fit_model.trainable_weights), epochs)
        monitor = {"monitor": "val_balanced_accuracy", "mode": "max"}
        callbacks = [
            keras.callbacks.EarlyStopping(patience=config.patience, restore_best_weights=True, **monitor),
            keras.callbacks.ModelCheckpoint(output_dir / "checkpoints" / f"phase{phase.name}.weights.h5",
                                            save_best_only=True, save_weights_only=True, **monitor),
        ]
        result = fit_model.fit(train_data, validation_data=val_data, epochs=epochs, verbose=2, shuffle=False,
                               callbacks=callbacks)
        for epoch in range(len(result.history["loss"])):
            history.append({"phase": phase.name, **{k: float(v[epoch]) for k, v in result.history.items()}})
        timings[f"phase_{phase.name}_s"] = round(time.perf_counter() - started, 1)
        log.info("Phase %s took %.0f s", phase.name, timings[f"phase_{phase.name}_s"])
        # A later phase must earn its place: keep the best weights seen in any phase so far.
        score = max(result.history["val_balanced_accuracy"])
        if score > best_score:
            best_score, best_phase, best_weights = score, phase.name, model.get_weights()
        else:
            log.info("Phase %s peaked at %.3f, below %.3f from phase %s; keeping phase %s's weights",
                     phase.name, score, best_score, best_phase, best_phase)
            model.set_weights(best_weights)
    write_json(output_dir / "history.json", history)
    if history:
        plot_training_curves(history, output_dir / "training_curves.png")

    # Export and evaluate a plain float32 copy: exactly what serving will load.
    keras.mixed_precision.set_global_policy("float32")
    final = build_model(num_classes, config.image_size, "none", config.head_units, config.dropout)
    final.set_weights(model.get_weights())
    started = time.perf_counter()
    metrics = {}
    for name in [n for n in ("val", "test") if n in splits]:
        probabilities = predict_in_batches(lambda b: final(b, training=False), images[splits[name]])
        metrics[name] = evaluate_probabilities(labels[splits[name]], probabilities, folder.class_names)
        plot_confusion_matrix(metrics[name], output_dir / f"confusion_matrix_{name}.png", f"{name} split")
        log.info("%s: balanced accuracy %.3f, accuracy %.3f, macro F1 %.3f", name,
                 metrics[name]["balanced_accuracy"], metrics[name]["accuracy"], metrics[name]["macro_f1"])
    timings["evaluate_s"] = round(time.perf_counter() - started, 1)
    timings["total_s"] = round(time.perf_counter() - run_started, 1)

    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()
                if k not in ("data_dir", "output_dir", "data_description")}
    split_text = f"stratified by class, seed {config.seed}; " + (
        f"grouped by `{folder.group_column}` from the metadata ({len(np.unique(groups))} groups for {len(groups)} "
        "images), no group in two splits" if folder.group_column else "no metadata, so every image is its own group")
    training = {
        "settings": settings,
        "timings_s": timings,
        "epochs_run": {phase.name: sum(row["phase"] == phase.name for row in history) for phase, _ in phases},
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count()},
        "selected_phase": best_phase,
        "selected_val_balanced_accuracy_during_training": round(best_score, 4),
        "data": {
            "source": Path(config.data_dir).name,
            "split": split_text,
            "split_sizes": {name: int(len(index)) for name, index in splits.items()},
            "skipped_files": int(len(folder.paths) - len(kept)),
            **config.data_description,
        },
    }
    artifact = export_artifact(final, folder.class_names, output_dir / "artifact", config.image_size, metrics, training)
    log.info("Artifact written to %s (%.0f s in all)", artifact, timings["total_s"])
    return artifact
