"""The data a run trains on: the main data set decoded and split, its extra sources, and a teacher's answers
mixed into the training targets."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .dataset import LabelledData, decode_images, read_metadata_column, scan_image_folder, split_by_group
from .distill import soft_targets, teacher_agreement, teacher_probabilities
from .jsonio import write_json
from .serving.artifact import read_artifact_info
from .sources import add_sources

if TYPE_CHECKING:
    from .train import TrainConfig

log = logging.getLogger(__name__)


def training_data(config: TrainConfig, timings: dict[str, float]) -> LabelledData:
    """The main data set split (`load_data`), its extra sources appended, and the teacher's targets if any."""
    data = load_data(config)
    if config.extra_sources:
        data = add_sources(
            data,
            list(config.extra_sources),
            config.image_size,
            config.source_holdout,
            config.split_seed if config.split_seed is not None else config.seed,
            Path(config.output_dir),
            config.group_column,
            config.image_column,
        )
    if config.teacher is not None:
        started = time.perf_counter()
        data = with_teacher_targets(config, data, Path(config.teacher))
        timings["teacher_answers_s"] = round(time.perf_counter() - started, 1)
    return data


def load_data(config: TrainConfig) -> LabelledData:
    """Decode the data set and split it: an optional shift split first, then lesion-grouped train/val/test."""
    folder = scan_image_folder(config.data_dir, config.metadata_csv, config.group_column, config.image_column)
    log.info("Found %d images in %d classes: %s", len(folder.paths), len(folder.class_names), folder.class_names)
    images, kept = decode_images(folder.paths, config.image_size)
    labels, groups = folder.labels[kept], folder.groups[kept]
    held_out = {"val": config.val_fraction} | ({"test": config.test_fraction} if config.test_fraction else {})
    shift = np.zeros(len(kept), dtype=bool)
    if config.shift_holdout:
        column, values = config.shift_holdout.split("=", 1)
        metadata = read_metadata_column(
            config.metadata_csv or Path(config.data_dir) / "metadata.csv", config.image_column, column
        )
        values_held_out = {value.strip() for value in values.split(",")}
        shift = np.array([metadata.get(folder.paths[i].stem) in values_held_out for i in kept])
        shift |= np.isin(groups, groups[shift])  # a group never straddles the shift split
    rest = np.flatnonzero(~shift)
    split_seed = config.seed if config.split_seed is None else config.split_seed
    splits = {
        name: rest[index] for name, index in split_by_group(labels[rest], groups[rest], held_out, split_seed).items()
    }
    if shift.any():
        splits["shift"] = np.flatnonzero(shift)
    if config.max_train_per_class:
        rng = np.random.default_rng(config.seed)
        splits["train"] = np.sort(
            np.concatenate(
                [
                    rng.permutation(splits["train"][labels[splits["train"]] == c])[: config.max_train_per_class]
                    for c in range(len(folder.class_names))
                ]
            )
        )
    relative = folder.relative_paths()
    write_json(
        Path(config.output_dir) / "splits.json",
        {name: [relative[kept[i]] for i in index] for name, index in splits.items()},
    )
    log.info("Split sizes: %s", {name: len(index) for name, index in splits.items()})
    split_text = f"stratified by class, seed {split_seed}; " + (
        f"grouped by `{folder.group_column}` from the metadata ({len(np.unique(groups))} groups for {len(groups)} "
        "images), no group in two splits"
        if folder.group_column
        else "no metadata, so every image is its own group"
    )
    if config.shift_holdout:
        split_text += (
            f"; the `shift` split holds every image with {config.shift_holdout.replace('=', ' in ')}, "
            "never trained on, to measure a shift in body site"
        )
    description = {
        "source": Path(config.data_dir).name,
        "split": split_text,
        "split_sizes": {name: len(index) for name, index in splits.items()},
        "skipped_files": int(len(folder.paths) - len(kept)),
        **config.data_description,
    }
    source = Path(config.data_dir).name
    return LabelledData(
        images,
        labels,
        folder.class_names,
        splits,
        description,
        source_of=np.zeros(len(kept), np.int64),
        source_names=[source],
        keys=[f"{source}/{relative[i]}" for i in kept],
        paths=[folder.paths[i] for i in kept],
    )


def with_teacher_targets(config: TrainConfig, data: LabelledData, teacher_dir: Path) -> LabelledData:
    """`data` with training targets that mix the teacher's answers into the labels (`distill.soft_targets`)."""
    train_index = data.splits["train"]
    cache_dir = config.teacher_cache or Path(config.output_dir).parent / "teacher-cache"
    answers = teacher_probabilities(
        teacher_dir,
        [data.keys[i] for i in train_index],
        [data.paths[i] for i in train_index],
        data.class_names,
        cache_dir,
    )
    targets = np.eye(len(data.class_names), dtype=np.float32)[data.labels]
    targets[train_index] = soft_targets(
        answers, data.labels[train_index], len(data.class_names), config.distill_weight, config.distill_temperature
    )
    teacher = read_artifact_info(teacher_dir)
    agreement = teacher_agreement(answers, data.labels[train_index])
    log.info("Teacher %s agrees with %.1f%% of the training labels", teacher.model_version, 100 * agreement)
    description = {
        **data.description,
        "teacher": {
            "model_version": teacher.model_version,
            "weight": config.distill_weight,
            "temperature": config.distill_temperature,
            "agreement_with_labels": round(agreement, 4),
        },
    }
    return replace(data, targets=targets, description=description)
