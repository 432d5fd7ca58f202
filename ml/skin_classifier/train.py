"""Three-phase fine-tuning of any registry backbone on a folder-per-class data set, ending in an artifact.

Phase 1 trains the head on a frozen base; phase 2 trains the base from the backbone's top block(s) on, at a
small learning rate; phase 3 trains more blocks under a cosine schedule. The registry names the blocks, so
every backbone runs the same recipe. Each phase keeps its best epoch by validation balanced accuracy (early
stopping with restore, plus a checkpoint on disk every time it improves), and a phase that does not beat the
phases before it is rolled back. After training, a per-class bias (optional) and a temperature are fitted on
the validation split and stored in the model's last layer, and the uncertainty threshold is chosen there too
(see `calibration`, which `skin-classifier calibrate` also runs on an existing artifact).

With `cache_frozen`, the frozen part of the model runs once instead of every epoch: each training image passes
through it in `cached_views` versions (the original and random flips/rotations/zooms drawn in pixel space, so
each cached activation is exactly what the full model computes), and each epoch trains the unfrozen layers on
one random view per image. "all" does that in every phase (cheap, but phases that train the base see only the
cached views); "head" only in phase 1, so the phases that train the base stream freshly augmented images.

A run resumes where it stopped: every epoch is backed up (weights, optimizer, epoch) and every finished phase
leaves its weights and record in `checkpoints/`, so running the same command again skips what is done.

Training runs under `tf.distribute`: MultiWorkerMirroredStrategy when TF_CONFIG names several workers,
MirroredStrategy when several GPUs are visible, and the default strategy otherwise.
"""

from __future__ import annotations

import json
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

from .augment import augmentation
from .backbones.registry import get_backbone
from .batches import cache_activations, class_weight_table, evaluation_batches, training_batches
from .calibration import (
    attach_reliability_plot,
    calibrate_and_evaluate,
    logits_in_batches,
    served_probabilities,
    with_other_source,
)
from .dataset import (
    BALANCING,
    CACHE_FROZEN,
    LabelledData,
)
from .distribute import distribution_strategy, is_chief, worker_index
from .export import export_artifact
from .jsonio import write_json
from .metrics import UNCERTAIN_TARGET_ACCURACY, plot_training_curves
from .model import (
    build_model,
    logits_of,
    set_trainable_from,
    trainable_suffix,
    with_flip_averaging,
)
from .serving.machine import cpu_name
from .sources import HELD_OUT_PREFIX, MAIN_SOURCE, SOURCE_BALANCE, draw_probabilities, held_out_report
from .training_data import training_data

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Phase:
    name: str
    first_trainable_block: str | None  # None: the base is frozen
    learning_rate: float
    cosine_schedule: bool = False


@dataclass
class TrainConfig:
    data_dir: Path
    output_dir: Path
    backbone: str = "efficientnet-lite2"
    weights: str = "imagenet"
    image_size: int = 0  # 0 (or None): the backbone's own size
    batch_size: int = 32
    epochs: tuple[int, int, int] = (12, 6, 6)
    phase_blocks: tuple[str, ...] = ()  # first trainable block of phases 2 and 3; empty (or None): the registry's
    head_learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 1e-5
    head_units: int = 256
    dropout: float = 0.5
    val_fraction: float = 0.15
    test_fraction: float = 0.0
    metadata_csv: Path | None = None
    group_column: str = "lesion_id"
    image_column: str = "image_id"
    shift_holdout: str | None = None  # "column=value,value": those images form the "shift" split, never trained on
    balancing: str = "class-weights"
    max_train_per_class: int | None = None
    patience: int = 3
    seed: int = 42
    split_seed: int | None = None  # None: `seed`; set apart to train ensemble members on the same splits
    rotation: float = 0.5  # fraction of a full turn either way; lesions have no "up"
    zoom: float = 0.2
    colour_jitter: float = 0.0  # above 0: random brightness, contrast and saturation of this strength, hue a fifth
    colour_constancy: bool = False
    train_batchnorm: bool = False  # unfrozen blocks' batch normalisation learns the data's statistics
    flip_tta: bool = False
    tune_class_bias: bool = False
    # Answers below the uncertainty threshold are flagged; at or above it, validation was right this often.
    uncertain_target_accuracy: float = UNCERTAIN_TARGET_ACCURACY
    cache_frozen: str = "none"  # "none", "head" (phase 1 only) or "all" (every phase)
    cached_views: int = 2
    weight_decay: float = 0.0  # above 0: AdamW with this decoupled weight decay, instead of Adam
    label_smoothing: float = 0.0
    # Extra folder-per-class sources (or folders of them) trained on beside data_dir, each holding out a
    # lesion-grouped `source_holdout` share to be scored on; see `sources`.
    extra_sources: tuple[Path, ...] = ()
    source_holdout: float = 0.15
    source_balance: str = "none"  # "within-class": each source an equal share of its classes' draws
    epoch_size: int = 0  # draws per epoch; 0: as many as data_dir's training images
    detail_jitter: float = 0.0  # chance that a training image is reduced and enlarged back (augment.DetailJitter)
    round_field: float = 0.0  # chance that a training image gets a dark round field (augment.RoundField)
    teacher: Path | None = None  # an artifact whose answers the student learns beside the labels (see `distill`)
    teacher_cache: Path | None = None  # where the teacher's answers are kept (default: output_dir/../teacher-cache)
    distill_weight: float = 0.5  # the teacher's share of each training target
    distill_temperature: float = 2.0
    other_source: Path | None = None  # images from other clinics: evaluated after training, never trained on
    mixed_precision: bool = False
    data_description: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cache_frozen not in CACHE_FROZEN:
            raise ValueError(f"cache_frozen must be one of {CACHE_FROZEN}")
        if self.balancing not in BALANCING:
            raise ValueError(f"balancing must be one of {BALANCING}")
        if self.source_balance not in SOURCE_BALANCE:
            raise ValueError(f"source_balance must be one of {SOURCE_BALANCE}")
        self.image_size = self.image_size or get_backbone(self.backbone).image_size
        backbone = get_backbone(self.backbone)
        self.phase_blocks = tuple(self.phase_blocks or backbone.phase_blocks)
        if len(self.phase_blocks) != 2:
            raise ValueError(f"phase_blocks names the first block of phases 2 and 3, got {self.phase_blocks}")
        unknown = [block for block in self.phase_blocks if block not in backbone.blocks]
        if unknown:
            raise ValueError(f"{self.backbone} has no block {unknown}; its blocks are {list(backbone.blocks)}")

    def phases(self) -> list[Phase]:
        top, more = self.phase_blocks
        return [
            Phase("1-head", None, self.head_learning_rate),
            Phase(f"2-from-{top}", top, self.fine_tune_learning_rate),
            Phase(f"3-from-{more}", more, self.fine_tune_learning_rate, cosine_schedule=True),
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


def cache_frozen_inputs(
    config: TrainConfig,
    model: keras.Model,
    phases: list[tuple[Phase, int]],
    train_x: np.ndarray,
    val_x: np.ndarray,
    augment: keras.Sequential,
    timings: dict[str, float],
) -> dict[str, dict[str | None, np.ndarray]]:
    """The frozen-part activations of the phases that `cache_frozen` caches, computed once:
    {"train"|"val": {first trainable block: ...}}. "head" keeps only the pooled features phase 1's head needs."""
    head_only = config.cache_frozen == "head"
    blocks = [
        phase.first_trainable_block
        for phase, _ in phases
        if config.cache_frozen == "all" or (head_only and phase.first_trainable_block is None)
    ]
    if not blocks:
        return {}
    started = time.perf_counter()
    cache = {
        "train": cache_activations(
            model, train_x, blocks, config.cached_views, augment, config.batch_size, pooled=head_only
        ),
        "val": cache_activations(model, val_x, blocks, 1, None, config.batch_size, pooled=head_only),
    }
    timings["cache_frozen_activations_s"] = round(time.perf_counter() - started, 1)
    return cache


def checkpoint_folder(config: TrainConfig) -> Path:
    """Where this worker writes its best weights of each phase."""
    checkpoints = Path(config.output_dir) / "checkpoints"
    if not is_chief():  # only the chief's checkpoints are kept; the others write beside them, apart
        checkpoints = checkpoints / f"worker-{worker_index()}"
    checkpoints.mkdir(parents=True, exist_ok=True)
    return checkpoints


@dataclass
class PhaseRun:
    """What one phase fits: the model (or its trainable suffix on cached inputs), its batches, its steps."""

    fit_model: keras.Model
    train_data: tf.data.Dataset
    val_data: tf.data.Dataset
    steps_per_epoch: int


def prepare_phase(
    config: TrainConfig,
    model: keras.Model,
    phase: Phase,
    epochs: int,
    data: LabelledData,
    cache: dict[str, dict[str | None, np.ndarray]],
    augment: keras.Sequential,
    weights: np.ndarray | None,
) -> PhaseRun:
    """Unfreeze from the phase's first block and compile the model with its batches and learning rate.

    Call inside the strategy's scope.
    """
    num_classes = len(data.class_names)
    train_index = data.splits["train"]
    train_x, train_y = data.images[train_index], data.labels[train_index]
    val_x, val_y = data.images[data.splits["val"]], data.labels[data.splits["val"]]
    train_sources = data.source_of[train_index] if data.source_of is not None else np.zeros(len(train_index), int)
    draw = (
        draw_probabilities(train_y, train_sources, num_classes, config.balancing == "sampling", config.source_balance)
        if len(data.source_names) > 1 or config.source_balance != "none"
        else None
    )
    epoch_size = config.epoch_size or int(np.sum(train_sources == MAIN_SOURCE))
    set_trainable_from(model, phase.first_trainable_block)
    cached = phase.first_trainable_block in cache.get("train", {})
    if cached:
        pooled = config.cache_frozen == "head"
        fit_model = trainable_suffix(model, phase.first_trainable_block, pooled=pooled)
        train_inputs = cache["train"][phase.first_trainable_block]
        val_data = evaluation_batches(cache["val"][phase.first_trainable_block], val_y, num_classes, config.batch_size)
    else:
        fit_model, train_inputs = model, train_x
        val_data = evaluation_batches(val_x, val_y, num_classes, config.batch_size)
    train_data = training_batches(
        train_inputs,
        train_y,
        num_classes,
        config.batch_size,
        weights,
        config.balancing == "sampling",
        config.seed,
        None if cached else augment,
        targets=data.targets[train_index] if data.targets is not None else None,
        draw=draw,
        epoch_size=epoch_size,
    )
    steps_per_epoch = max(1, epoch_size // config.batch_size)
    learning_rate = (
        keras.optimizers.schedules.CosineDecay(phase.learning_rate, steps_per_epoch * epochs, alpha=0.1)
        if phase.cosine_schedule
        else phase.learning_rate
    )
    optimizer = (
        keras.optimizers.AdamW(learning_rate, weight_decay=config.weight_decay)
        if config.weight_decay > 0
        else keras.optimizers.Adam(learning_rate)
    )
    fit_model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
        metrics=["accuracy", BalancedAccuracy(num_classes)],
    )
    return PhaseRun(fit_model, train_data, val_data, steps_per_epoch)


class KeepBestEpoch(keras.callbacks.Callback):
    """Early stopping on validation balanced accuracy whose state lives on disk, so that a resumed phase still
    knows its best epoch: the best weights (`weights_path`) and every epoch's figures (`<name>.json`). The model
    ends the phase with its best epoch's weights."""

    MONITOR = "val_balanced_accuracy"

    def __init__(self, weights_path: Path, patience: int) -> None:
        super().__init__()
        self.weights_path, self.patience = weights_path, patience
        self.state_path = weights_path.with_name(weights_path.name.removesuffix(".weights.h5") + ".json")
        self.state: dict[str, Any] = {"best": -1.0, "best_epoch": -1, "epochs": []}

    def on_train_begin(self, logs=None) -> None:
        if self.state_path.exists():
            self.state = json.loads(self.state_path.read_text())

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = {key: float(value) for key, value in (logs or {}).items()}
        self.state["epochs"] = [*self.state["epochs"][:epoch], logs]
        if logs[self.MONITOR] > self.state["best"]:
            self.state["best"], self.state["best_epoch"] = logs[self.MONITOR], epoch
            self.model.save_weights(self.weights_path)
        write_json(self.state_path, self.state)
        if epoch - self.state["best_epoch"] >= self.patience:
            log.info("No better %s for %d epochs; stopping", self.MONITOR, self.patience)
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.weights_path.exists():
            self.model.load_weights(self.weights_path)


def phase_callbacks(config: TrainConfig, phase: Phase, checkpoints: Path) -> list[keras.callbacks.Callback]:
    """Resume-safe early stopping with the best epoch restored, and a backup of every epoch to resume from."""
    return [
        KeepBestEpoch(checkpoints / f"phase{phase.name}.weights.h5", config.patience),
        keras.callbacks.BackupAndRestore(str(checkpoints / f"backup-phase{phase.name}")),
    ]


def fit_phases(
    config: TrainConfig,
    model: keras.Model,
    data: LabelledData,
    strategy: tf.distribute.Strategy,
    timings: dict[str, float],
) -> tuple[list[dict[str, Any]], str, float]:
    """Run the three phases; the model ends with the best weights of any phase. Returns (history, best phase,
    its validation balanced accuracy). A phase finished by an earlier run of the same output folder is loaded,
    not run again."""
    train_y = data.labels[data.splits["train"]]
    weights = class_weight_table(train_y, len(data.class_names)) if config.balancing == "class-weights" else None
    augment = augmentation(config)
    phases = [(phase, epochs) for phase, epochs in zip(config.phases(), config.epochs, strict=True) if epochs > 0]
    checkpoints = checkpoint_folder(config)

    def finished(phase: Phase) -> Path:
        return checkpoints / f"phase{phase.name}.finished.json"

    todo = [(phase, epochs) for phase, epochs in phases if not finished(phase).exists()]
    cache = cache_frozen_inputs(
        config, model, todo, data.images[data.splits["train"]], data.images[data.splits["val"]], augment, timings
    )
    history: list[dict[str, Any]] = []
    best_score, best_phase = -1.0, ""
    for phase, epochs in phases:
        kept_weights = checkpoints / f"after-phase{phase.name}.weights.h5"
        if finished(phase).exists():
            record = json.loads(finished(phase).read_text())
            model.load_weights(kept_weights)
            log.info("Phase %s finished in an earlier run; continuing from its weights", phase.name)
        else:
            record = _fit_phase(config, model, phase, epochs, data, cache, augment, weights, strategy, checkpoints)
            if record["best_score"] <= best_score:  # a later phase must earn its place
                log.info(
                    "Phase %s peaked at %.3f, below %.3f from phase %s; keeping phase %s's weights",
                    phase.name,
                    record["best_score"],
                    best_score,
                    best_phase,
                    best_phase,
                )
                model.load_weights(checkpoints / f"after-phase{best_phase}.weights.h5")
            model.save_weights(kept_weights)
            write_json(finished(phase), record)
        history.extend(record["history"])
        timings[f"phase_{phase.name}_s"] = record["seconds"]
        if record["best_score"] > best_score:
            best_score, best_phase = record["best_score"], phase.name
    return history, best_phase, best_score


def _fit_phase(
    config: TrainConfig,
    model: keras.Model,
    phase: Phase,
    epochs: int,
    data: LabelledData,
    cache: dict[str, dict[str | None, np.ndarray]],
    augment: keras.Sequential,
    weights: np.ndarray | None,
    strategy: tf.distribute.Strategy,
    checkpoints: Path,
) -> dict[str, Any]:
    """Train one phase to its best epoch: {"history": [per-epoch rows], "best_score", "seconds"}."""
    started = time.perf_counter()
    with strategy.scope():
        run = prepare_phase(config, model, phase, epochs, data, cache, augment, weights)
    log.info(
        "Phase %s: %d trainable weights, up to %d epochs", phase.name, len(run.fit_model.trainable_weights), epochs
    )
    callbacks = phase_callbacks(config, phase, checkpoints)
    with strategy.scope():
        # Keras 3 builds a model made under a strategy from one batch reduced over the replicas, which fails
        # for (x, y, weights) batches under MultiWorkerMirroredStrategy; inside the scope it builds lazily
        # and still runs every step through this strategy.
        run.fit_model._distribute_strategy = None
        run.fit_model.fit(
            run.train_data,
            validation_data=run.val_data,
            epochs=epochs,
            shuffle=False,
            steps_per_epoch=run.steps_per_epoch,
            verbose=2,
            callbacks=callbacks,
        )
    state = callbacks[0].state
    seconds = round(time.perf_counter() - started, 1)
    log.info("Phase %s took %.0f s", phase.name, seconds)
    return {
        "history": [{"phase": phase.name, **row} for row in state["epochs"]],
        "best_score": state["best"],
        "seconds": seconds,
    }


def serving_model(config: TrainConfig, model: keras.Model, num_classes: int) -> keras.Model:
    """A float32 copy of the trained model (with flip averaging), to calibrate (see `calibration`) and export."""
    keras.mixed_precision.set_global_policy("float32")
    final = build_model(
        num_classes,
        config.backbone,
        config.image_size,
        "none",
        config.head_units,
        config.dropout,
        config.colour_constancy,
        config.train_batchnorm,
    )
    final.set_weights(model.get_weights())
    return with_flip_averaging(final) if config.flip_tta else final


def training_record(
    config: TrainConfig,
    history: list[dict[str, Any]],
    best_phase: str,
    best_score: float,
    calibration: dict[str, Any],
    data: LabelledData,
    timings: dict[str, float],
    replicas: int,
    extra_sources: list[str],
) -> dict[str, Any]:
    """The manifest's `training` section: settings, timings, machine, selection and data, for the model card.
    Extra sources are named by their folders' names, not this machine's paths."""
    settings = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in asdict(config).items()
        if k
        not in (
            "data_dir",
            "output_dir",
            "data_description",
            "other_source",
            "teacher",
            "teacher_cache",
            "extra_sources",
        )
    }
    settings["extra_sources"] = extra_sources
    return {
        "backbone": config.backbone,
        "settings": settings,
        "timings_s": timings,
        "epochs_run": {phase.name: sum(row["phase"] == phase.name for row in history) for phase in config.phases()},
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "replicas": replicas},
        "selected_phase": best_phase,
        "selected_val_balanced_accuracy_during_training": round(best_score, 4),
        "calibration": calibration,
        "data": data.description,
    }


def train(config: TrainConfig) -> Path | None:
    """Run the whole pipeline; returns the exported artifact folder (`output_dir/artifact`), or None on a
    worker that is not the chief (only the chief exports)."""
    run_started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if config.mixed_precision else "float32")
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    strategy = distribution_strategy()
    timings: dict[str, float] = {}
    data = training_data(config, timings)
    with strategy.scope():
        model = build_model(
            len(data.class_names),
            config.backbone,
            config.image_size,
            config.weights,
            config.head_units,
            config.dropout,
            config.colour_constancy,
            config.train_batchnorm,
        )
    history, best_phase, best_score = fit_phases(config, model, data, strategy, timings)
    if not is_chief():
        return None
    write_json(output_dir / "history.json", history)
    if history:
        plot_training_curves(history, output_dir / "training_curves.png")

    started = time.perf_counter()
    final = serving_model(config, model, len(data.class_names))
    trained_on = data  # its sources and their held-out splits; the other clinics' images are only scored
    data = with_other_source(data, config.other_source, config.image_size)
    calibration, metrics = calibrate_and_evaluate(
        final,
        data,
        output_dir,
        config.uncertain_target_accuracy,
        class_bias=None if config.tune_class_bias else np.zeros(len(data.class_names), np.float32),
    )
    if len(trained_on.source_names) > 1:
        final_logits = logits_of(final)
        metrics["sources"] = held_out_report(
            {
                name: served_probabilities(final, logits_in_batches(final_logits, trained_on.images[index]))
                for name, index in trained_on.splits.items()
                if name.startswith(HELD_OUT_PREFIX)
            },
            trained_on,
        )
        log.info("Held-out images of each source: %s", json.dumps(metrics["sources"]))
    timings["calibrate_and_evaluate_s"] = round(time.perf_counter() - started, 1)
    timings["total_s"] = round(time.perf_counter() - run_started, 1)
    training = training_record(
        config,
        history,
        best_phase,
        best_score,
        calibration,
        data,
        timings,
        strategy.num_replicas_in_sync,
        trained_on.source_names[1:],
    )
    artifact = export_artifact(final, data.class_names, output_dir / "artifact", config.image_size, metrics, training)
    attach_reliability_plot(output_dir, artifact)
    log.info("Artifact written to %s (%.0f s in all)", artifact, timings["total_s"])
    return artifact
