"""Distillation: a teacher model's answers on every training image, computed once and cached, taught to a student.

The teacher is any artifact the serving code loads (for this project, the ensemble served before: several
networks and mirror images, too slow to serve at scale). Its answers are computed through its own
preprocessing and runtime, exactly as it serves them, and cached by teacher version and image key, so every
student run, and a resumed one, reuses them.

A student learns from a mix of the teacher's softened answers and the labels: target = weight * soft + (1 -
weight) * one-hot, where soft = softmax(log(teacher probability) / temperature). The teacher's probabilities are
calibrated, so their logarithms are its logits up to a constant, which softmax ignores.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np

from .metrics import softmax
from .serving.classifier import load_classifier
from .serving.preprocessing import ImageError

log = logging.getLogger(__name__)

CACHE_CHUNK = 512  # images between saves of the cache, so a stopped run loses at most this many answers


def cache_file(cache_dir: Path, teacher_version: str) -> Path:
    return Path(cache_dir) / f"teacher-{teacher_version}.npz"


def _load_cache(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as stored:
        return dict(zip(stored["keys"].tolist(), stored["probabilities"], strict=True))


def _save_cache(path: Path, answers: dict[str, np.ndarray]) -> None:
    if not answers:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    keys = sorted(answers)
    np.savez(partial, keys=np.array(keys), probabilities=np.stack([answers[key] for key in keys]).astype(np.float32))
    os.replace(partial, path)


def teacher_probabilities(
    teacher_dir: Path, keys: list[str], paths: list[Path], class_names: list[str], cache_dir: Path, batch_size: int = 32
) -> np.ndarray:
    """The teacher's served probabilities for each image, (N, classes) in `class_names`' order.

    Cached answers are reused; the rest are computed and saved every `CACHE_CHUNK` images. A file the teacher
    cannot read gets no soft target: its row is NaN (the caller falls back to its label).
    """
    teacher = load_classifier(teacher_dir)
    missing_classes = set(class_names) - set(teacher.info.class_names)
    if missing_classes:
        raise ValueError(f"Teacher {teacher_dir} has no class(es) {sorted(missing_classes)}")
    columns = [teacher.info.class_names.index(name) for name in class_names]
    path = cache_file(cache_dir, teacher.info.model_version)
    answers = _load_cache(path)
    todo = [i for i, key in enumerate(keys) if key not in answers]
    log.info(
        "Teacher %s: %d of %d answers cached in %s", teacher.info.model_version, len(keys) - len(todo), len(keys), path
    )
    started = time.perf_counter()
    for chunk_start in range(0, len(todo), CACHE_CHUNK):
        chunk = todo[chunk_start : chunk_start + CACHE_CHUNK]
        for batch_start in range(0, len(chunk), batch_size):
            readable, pixels = [], []
            for i in chunk[batch_start : batch_start + batch_size]:
                try:
                    pixels.append(teacher.preprocess(paths[i]))
                    readable.append(i)
                except (ImageError, OSError) as error:
                    log.warning("Teacher skips %s: %s", paths[i], error)
            if pixels:
                probabilities = teacher.predict_probabilities(np.stack(pixels))
                answers.update({keys[i]: row for i, row in zip(readable, probabilities, strict=True)})
        _save_cache(path, answers)
        done = chunk_start + len(chunk)
        log.info("Teacher answered %d/%d images (%.0f s)", done, len(todo), time.perf_counter() - started)
    nothing = np.full(len(teacher.info.class_names), np.nan, np.float32)
    return np.stack([answers.get(key, nothing) for key in keys])[:, columns] if keys else np.zeros((0, len(columns)))


def soft_targets(
    teacher: np.ndarray, labels: np.ndarray, num_classes: int, weight: float, temperature: float
) -> np.ndarray:
    """Training targets mixing the teacher's softened answers with the labels (see the module's docstring);
    rows where the teacher gave no answer (NaN) keep the label alone."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"The teacher's weight is a share between 0 and 1, got {weight}")
    if temperature <= 0:
        raise ValueError(f"The distillation temperature must be positive, got {temperature}")
    one_hot = np.eye(num_classes, dtype=np.float32)[labels]
    answered = np.isfinite(teacher).all(axis=1)
    soft = np.zeros_like(one_hot)
    soft[answered] = softmax(np.log(np.clip(teacher[answered], 1e-8, 1.0)) / temperature)
    targets = np.where(answered[:, None], weight * soft + (1.0 - weight) * one_hot, one_hot)
    return targets.astype(np.float32)


def teacher_agreement(teacher: np.ndarray, labels: np.ndarray) -> float:
    """Share of training images whose label is the teacher's top answer: how much the two targets agree."""
    answered = np.isfinite(teacher).all(axis=1)
    return float(np.mean(teacher[answered].argmax(axis=1) == labels[answered])) if answered.any() else float("nan")
