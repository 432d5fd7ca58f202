"""Folder-per-class image data sets: discovery, tidy class names, decoding and leak-free splits."""

from __future__ import annotations

import csv
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .serving.preprocessing import ImageError, load_rgb

log = logging.getLogger(__name__)

# How training evens out unequal classes: loss weights, class-balanced batches, or not at all.
BALANCING = ("class-weights", "sampling", "none")
# Which phases train on frozen-part activations computed once (train.cache_frozen_inputs): none, phase 1, all.
CACHE_FROZEN = ("none", "head", "all")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
# A leading "1. " and a trailing image count such as " 1677" or " 15.75k", as Kaggle folders carry.
_LEADING_NUMBER = re.compile(r"^\s*\d+\s*[.)\-_]\s*")
_TRAILING_COUNT = re.compile(r"[\s_-]+\d+(?:\.\d+)?\s*[kKmM]?\s*$")


def tidy_class_name(folder_name: str) -> str:
    """`1. Eczema 1677` -> `Eczema`, `2. Melanoma 15.75k` -> `Melanoma`, `Tinea_Ringworm` -> `Tinea Ringworm`."""
    name = _LEADING_NUMBER.sub("", folder_name)
    name = _TRAILING_COUNT.sub("", name)
    name = re.sub(r"[_\s]+", " ", name).strip(" -")
    return name or folder_name.strip()


@dataclass
class ImageFolder:
    """Image paths with integer labels; `groups` ties images of the same subject (e.g. one lesion)."""

    root: Path
    paths: list[Path]
    labels: np.ndarray
    class_names: list[str]
    groups: np.ndarray
    group_column: str | None = None  # set when groups came from a metadata CSV

    def relative_paths(self) -> list[str]:
        return [path.relative_to(self.root).as_posix() for path in self.paths]


@dataclass
class LabelledData:
    """Decoded images with labels, and index arrays per split ("train", "val", optional "test", "shift")."""

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    splits: dict[str, np.ndarray]
    description: dict[str, Any]
    # With extra sources (see `sources`): each image's source number (0: the main data set), the sources' names
    # in that order, and each image's stable name ("<source>/<class folder>/<file>").
    source_of: np.ndarray | None = None
    source_names: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    # Training targets per image where they are not the labels alone (a teacher's answers mixed in: `distill`).
    targets: np.ndarray | None = None


def read_metadata_column(metadata_csv: str | Path, image_column: str, column: str) -> dict[str, str]:
    """One metadata column keyed by image id (the file name without its extension)."""
    with Path(metadata_csv).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {column, image_column} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{metadata_csv} has no column(s) {sorted(missing)}")
        return {row[image_column]: row[column] for row in reader}


def scan_image_folder(
    root: str | Path,
    metadata_csv: str | Path | None = None,
    group_column: str = "lesion_id",
    image_column: str = "image_id",
) -> ImageFolder:
    """List the images under `root/<class folder>/`.

    Groups come from `metadata_csv` (default: `root/metadata.csv` when it has `group_column`); an image the
    CSV does not mention, or any image without a CSV, is its own group.
    """
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise ValueError(f"No class folders found in {root}")
    names = [tidy_class_name(folder.name) for folder in folders]
    if len(set(names)) != len(names):
        raise ValueError(f"Class folders collide after tidying their names: {names}")
    order = sorted(range(len(folders)), key=lambda i: names[i])
    folders, names = [folders[i] for i in order], [names[i] for i in order]

    groups_by_image: dict[str, str] = {}
    csv_path = Path(metadata_csv) if metadata_csv else root / "metadata.csv"
    if csv_path.is_file():
        try:
            groups_by_image = read_metadata_column(csv_path, image_column, group_column)
            log.info("Grouping images by %s from %s", group_column, csv_path)
        except ValueError as error:
            if metadata_csv:
                raise
            log.info("Not grouping images: %s", error)

    paths, labels, groups = [], [], []
    for label, folder in enumerate(folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
                labels.append(label)
                # an image the CSV leaves without a group (an empty cell) is its own group too
                groups.append(groups_by_image.get(path.stem) or f"image:{path.relative_to(root)}")
    if not paths:
        raise ValueError(f"No images found under {root}")
    return ImageFolder(
        root, paths, np.array(labels), names, np.array(groups), group_column if groups_by_image else None
    )


def decode_images(paths: list[Path], image_size: int, workers: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Decode every image with the shared preprocessing; unreadable files are skipped and counted.

    Returns (uint8 images of shape (N, size, size, 3), indices of the paths that decoded).
    """

    def load(path: Path) -> np.ndarray | None:
        try:
            return load_rgb(path, image_size)
        except (ImageError, OSError) as error:
            log.warning("Skipping unreadable image %s: %s", path, error)
            return None

    with ThreadPoolExecutor(max_workers=workers) as pool:  # Pillow releases the GIL while decoding
        decoded = list(pool.map(load, paths))
    kept = np.array([i for i, image in enumerate(decoded) if image is not None], dtype=np.int64)
    skipped = len(paths) - len(kept)
    if skipped:
        log.warning("Skipped %d unreadable file(s) of %d", skipped, len(paths))
    images = np.stack([decoded[i] for i in kept]) if len(kept) else np.zeros((0, image_size, image_size, 3), np.uint8)
    return images, kept


def split_by_group(
    labels: np.ndarray, groups: np.ndarray, fractions: dict[str, float], seed: int = 42
) -> dict[str, np.ndarray]:
    """Stratified, group-aware, seeded split: indices per split name, and no group in two splits.

    `fractions` maps held-out split names to their share (e.g. {"val": 0.15, "test": 0.15}); "train" gets
    the rest. Groups are dealt out class by class (by each group's majority label) so every split keeps
    roughly the class mix, rare classes included.
    """
    rng = np.random.default_rng(seed)
    unique_groups, group_of_sample = np.unique(groups, return_inverse=True)
    group_label = np.array([np.bincount(labels[group_of_sample == g]).argmax() for g in range(len(unique_groups))])
    group_size = np.bincount(group_of_sample)
    names = [*list(fractions), "train"]
    shares = np.array([*list(fractions.values()), 1.0 - sum(fractions.values())])
    if shares[-1] <= 0:
        raise ValueError("Held-out fractions must sum to less than 1")
    assignment = np.empty(len(unique_groups), dtype=np.int64)
    for label in np.unique(group_label):
        members = rng.permutation(np.flatnonzero(group_label == label))
        filled = np.zeros(len(names))
        target = shares * group_size[members].sum()
        for group in members:  # give each group to the split furthest below its target
            split = int(np.argmax(target - filled))
            assignment[group] = split
            filled[split] += group_size[group]
    sample_split = assignment[group_of_sample]
    return {name: np.flatnonzero(sample_split == i) for i, name in enumerate(names)}
