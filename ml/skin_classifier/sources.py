"""Training on several sources: extra folder-per-class data sets beside the main one, and how an epoch samples them.

The main data set keeps its own validation and test splits, so figures compare with runs that had no extra
source. Each extra source gives most of its images to training and holds out a lesion-grouped share
(`holdout`), never trained on, that shows per source what the model finds: a model that learned where an image
came from (its resolution, its dermatoscope's black field, its source's class mix) rather than the lesion shows
it there, source by source.

Sources differ in size and class mix, so an epoch is a fixed number of draws (`epoch_size`), not a pass over
every image, and the draw can even the sources out within each class (`source_balance="within-class"`), so
that no source's class mix becomes a prior the model can read from how an image looks.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import LabelledData, decode_images, scan_image_folder, split_by_group, tidy_class_name
from .jsonio import write_json

log = logging.getLogger(__name__)

SOURCE_BALANCE = ("none", "within-class")
MAIN_SOURCE = 0  # `LabelledData.source_of` of the main data set's images
HELD_OUT_PREFIX = "source:"  # split name of a source's held-out images: "source:derm7pt"
# The class whose share found is shown per source: the one a person must not be told is harmless.
WATCHED_CLASS = "Melanoma"


@dataclass
class SourceFolder:
    """One extra source: its images with labels in the main data set's class order, and lesion groups."""

    name: str
    root: Path
    paths: list[Path]
    labels: np.ndarray
    groups: np.ndarray

    def keys(self) -> list[str]:
        """Stable names of its images ("<source>/<class folder>/<file>"), the same on every machine."""
        return [f"{self.name}/{path.relative_to(self.root).as_posix()}" for path in self.paths]


def has_class_folders(folder: Path, class_names: list[str]) -> bool:
    """Whether `folder`'s sub-folders are (some of) the classes, once their names are tidied."""
    names = {tidy_class_name(child.name) for child in folder.iterdir() if child.is_dir()}
    return bool(names) and names <= set(class_names)


def find_source_folders(path: Path, class_names: list[str]) -> list[Path]:
    """`path` itself when it is a folder-per-class set, or each of its sub-folders that is one (a folder of
    sources, such as one per clinic)."""
    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"Extra source {path} is not a folder")
    if has_class_folders(path, class_names):
        return [path]
    found = sorted(child for child in path.iterdir() if child.is_dir() and has_class_folders(child, class_names))
    if not found:
        raise ValueError(
            f"Extra source {path} has neither class folders named like the data set's ({class_names}) nor "
            "sub-folders that do"
        )
    return found


def _metadata_for(folder: Path, group_column: str, image_column: str) -> Path | None:
    """The source's metadata CSV: its own, or its parent's (a folder of sources may describe all of them)."""
    for candidate in (folder / "metadata.csv", folder.parent / "metadata.csv"):
        if candidate.is_file():
            with candidate.open(newline="", encoding="utf-8") as handle:
                columns = set(next(csv.reader(handle), []))
            if {group_column, image_column} <= columns:
                return candidate
    return None


def scan_source(
    folder: Path, class_names: list[str], group_column: str = "lesion_id", image_column: str = "image_id"
) -> SourceFolder:
    """List one source's images with labels mapped by class name onto `class_names`."""
    found = scan_image_folder(folder, _metadata_for(folder, group_column, image_column), group_column, image_column)
    unknown = set(found.class_names) - set(class_names)
    if unknown:
        raise ValueError(f"Extra source {folder} has classes the data set lacks: {sorted(unknown)}")
    mapping = np.array([class_names.index(name) for name in found.class_names])
    return SourceFolder(folder.name, Path(folder), found.paths, mapping[found.labels], found.groups)


def add_sources(
    data: LabelledData,
    source_paths: list[Path],
    image_size: int,
    holdout: float,
    seed: int,
    output_dir: Path | None = None,
    group_column: str = "lesion_id",
    image_column: str = "image_id",
) -> LabelledData:
    """`data` with every extra source's images appended: most to "train", a lesion-grouped `holdout` share to
    the split "source:<name>". The main data set's splits are unchanged. Writes `sources.json` (each source's
    images per split, as keys) into `output_dir`."""
    folders = [folder for path in source_paths for folder in find_source_folders(path, data.class_names)]
    names = [folder.name for folder in folders]
    if len(set(names)) != len(names):
        raise ValueError(f"Extra sources need distinct folder names, got {names}")
    main_sources = data.source_of if data.source_of is not None else np.zeros(len(data.labels), np.int64)
    images, labels, source_of = [data.images], [data.labels], [main_sources]
    keys, paths = list(data.keys), list(data.paths)
    splits = {name: index.copy() for name, index in data.splits.items()}
    listed: dict[str, Any] = {}
    start = len(data.labels)
    for number, folder in enumerate(folders, start=len(data.source_names) or 1):
        source = scan_source(folder, data.class_names, group_column, image_column)
        decoded, kept = decode_images(source.paths, image_size)
        source_labels, source_groups = source.labels[kept], source.groups[kept]
        all_keys = source.keys()
        source_keys = [all_keys[i] for i in kept]
        parts = (
            split_by_group(source_labels, source_groups, {"held_out": holdout}, seed)
            if holdout > 0
            else {"train": np.arange(len(kept)), "held_out": np.zeros(0, np.int64)}
        )
        splits["train"] = np.concatenate([splits["train"], start + parts["train"]])
        if len(parts["held_out"]):
            splits[HELD_OUT_PREFIX + source.name] = start + parts["held_out"]
        listed[source.name] = {
            "folder": folder.name,
            "images": len(kept),
            "skipped_files": len(source.paths) - len(kept),
            "per_class": {
                data.class_names[c]: int(n)
                for c, n in enumerate(np.bincount(source_labels, minlength=len(data.class_names)))
            },
            "splits": {name: sorted(source_keys[i] for i in index) for name, index in parts.items()},
        }
        log.info("Source %s: %d images, %s", source.name, len(kept), {k: len(v) for k, v in parts.items()})
        images.append(decoded)
        labels.append(source_labels)
        source_of.append(np.full(len(kept), number, np.int64))
        keys.extend(source_keys)
        paths.extend(source.paths[i] for i in kept)
        start += len(kept)
    if output_dir is not None:
        write_json(Path(output_dir) / "sources.json", listed)
    summary = {
        name: {key: value for key, value in entry.items() if key != "splits"}
        | {"held_out": len(entry["splits"]["held_out"])}
        for name, entry in listed.items()
    }
    return LabelledData(
        images=np.concatenate(images),
        labels=np.concatenate(labels),
        class_names=data.class_names,
        splits=splits,
        description={**data.description, "extra_sources": summary},
        source_of=np.concatenate(source_of),
        source_names=[*(data.source_names or ["main"]), *names],
        keys=keys,
        paths=paths,
    )


def draw_probabilities(
    labels: np.ndarray, sources: np.ndarray, num_classes: int, balance_classes: bool, source_balance: str
) -> np.ndarray:
    """Each training image's chance of being drawn, summing to 1.

    Classes are drawn as often as they occur (or equally, with `balance_classes`). Within a class, "none" draws
    every image alike; "within-class" gives every source that has the class an equal share of its draws, so a
    source's class mix says nothing about the class of an image that looks like it came from there.
    """
    if source_balance not in SOURCE_BALANCE:
        raise ValueError(f"source_balance must be one of {SOURCE_BALANCE}")
    class_counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    present = class_counts > 0
    class_share = np.where(present, 1.0 / present.sum(), 0.0) if balance_classes else class_counts / len(labels)
    if source_balance == "none":
        chance = class_share[labels] / class_counts[labels]
    else:
        pair = labels * (sources.max() + 1) + sources
        pair_counts = np.bincount(pair)
        sources_with_class = np.array([len(np.unique(sources[labels == c])) for c in range(num_classes)])
        chance = class_share[labels] / sources_with_class[labels] / pair_counts[pair]
    return chance / chance.sum()


def source_figures(
    labels: np.ndarray, probabilities: np.ndarray, class_names: list[str], watched_class: str = WATCHED_CLASS
) -> dict[str, Any]:
    """One source's images: how many, balanced accuracy over the classes present, recall per class, and how
    many of `watched_class` (e.g. melanoma) were found, as "found/present"."""
    predicted = probabilities.argmax(axis=1)
    recall = {class_names[c]: round(float(np.mean(predicted[labels == c] == c)), 4) for c in np.unique(labels)}
    figures: dict[str, Any] = {
        "images": len(labels),
        "balanced_accuracy": round(float(np.mean(list(recall.values()))), 4),
        "accuracy": round(float(np.mean(predicted == labels)), 4),
        "recall": recall,
    }
    if watched_class in class_names:
        watched = class_names.index(watched_class)
        figures["watched_class"] = watched_class
        figures["watched_found"] = (
            f"{int(np.sum(predicted[labels == watched] == watched))}/{int(np.sum(labels == watched))}"
        )
    return figures


def held_out_report(
    probabilities: dict[str, np.ndarray], data: LabelledData, watched_class: str = WATCHED_CLASS
) -> dict[str, Any]:
    """`source_figures` of each source's held-out images; `probabilities` maps a held-out split name to the
    model's answers."""
    return {
        split.removeprefix(HELD_OUT_PREFIX): source_figures(
            data.labels[data.splits[split]], answers, data.class_names, watched_class
        )
        for split, answers in probabilities.items()
    }
