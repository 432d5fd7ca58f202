"""Training the image-kind check (`serving.image_kind`): dermoscopy, an ordinary skin photo, or not skin.

Three folders of images, one per kind, are split (dermoscopy by the lesion model's own training run, so its
validation and test images stay unseen here too), training images get phone-like augmented views, and a
class-weighted multinomial logistic regression is fitted on the lesion model's pooled features. The
regularisation is chosen on validation by macro recall (then log loss); the dermoscopy threshold is set on validation
dermoscopy images so that at most 1% of them are called anything else.

The features come from any `extract(uint8 images (N, S, S, 3)) -> (N, C)` callable: the artifact's pooled
backbone features in use (`artifact_feature_extractor`), or `picture_statistics`, colour and texture
statistics that need no model (tests, and a baseline to compare the backbone with). With
`with_picture_statistics` the picture's statistics are added to what `extract` gives, as serving adds them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from .answer_graph import write_answer_graph
from .dataset import IMAGE_SUFFIXES, scan_image_folder, split_by_group
from .jsonio import write_json
from .metrics import confusion_matrix
from .model_card import write_model_card
from .picture_statistics import picture_statistics
from .serving.artifact import MANIFEST_FILE, read_artifact_info
from .serving.image_kind import DERMOSCOPY, IMAGE_KIND_FILE, IMAGE_KINDS, ImageKindCheck
from .serving.preprocessing import ImageError, decode, load_rgb

log = logging.getLogger(__name__)

FeatureExtractor = Callable[[np.ndarray], np.ndarray]

# Everyday photos (one ImageNet class each) left out of `not-skin`: in these, bare human skin is the largest
# thing in the frame, so they are neither clearly "not skin" nor the photo of a skin problem the other kind
# means. Chosen by looking at every one of the 700 pictures of shared/datasets/everyday-photos; people at
# a distance, in clothes, or with only a face among other things stay in. The list names classes, but the
# data set holds one picture per class, so it is really a list of those pictures: look again for another set.
SKIN_SHOWING_SYNSETS: dict[str, str] = {
    # swimwear: bare torsos and limbs
    "n02837789": "bikini",
    "n04136333": "sarong",
    "n04371430": "swimming trunks",
    "n04493381": "tub (people in swimwear in a bathtub)",
    # a hand or palm fills much of the frame
    "n03786901": "mortar",
    "n02877765": "bottlecap",
    "n03706229": "magnetic compass",
    "n04376876": "syringe",
    # a bare foot, close up
    "n04133789": "sandal",
    "n03047690": "clog",
    # a face fills the frame
    "n03868863": "oxygen mask",
    "n02807133": "bathing cap",
}

# Held-out shares of the kinds that have no split of their own (skin photos per condition, everyday photos).
HELD_OUT = {"val": 0.2, "test": 0.2}
DEFAULT_REGULARISATION = (0.001, 0.01, 0.1, 1.0, 10.0)
# At most this share of validation dermoscopy images may be called anything else ...
MAX_DERMOSCOPY_FLAGGED = 0.01
# ... and the threshold never asks for more than "likelier dermoscopy than not".
THRESHOLD_CAP = 0.5
# Below that value, the threshold goes as low as the other kinds allow: calling a dermoscopy image something
# else is the error this check must make least (it hides the answer the model is built for). The other kinds
# keep at least these validation recalls: the targets on unseen images (95% of everyday photos, 80% of
# clinical photos told right) with a margin.
MIN_OTHER_RECALL = {"skin-photo": 0.90, "not-skin": 0.97}
THRESHOLD_FLOOR = 0.05
BATCH_SIZE = 32


# Splits: image paths per kind and split name.

Splits = dict[str, list[Path]]


def _taking_turns(indices: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `count` of `indices`, classes taking turns (so rare classes are all in before common ones repeat)."""
    pools = [rng.permutation(indices[labels[indices] == label]) for label in np.unique(labels[indices])]
    turns = [pool[turn] for turn in range(max(map(len, pools), default=0)) for pool in pools if turn < len(pool)]
    return np.sort(np.array(turns[:count], dtype=np.int64))


def dermoscopy_splits(
    data_dir: str | Path, splits_file: str | Path | None = None, seed: int = 0, max_train: int | None = 1500
) -> Splits:
    """A folder-per-class lesion set split as the lesion model's training run split it.

    With `splits_file` (a run's splits.json: split name -> paths relative to `data_dir`) its train, val, test
    and shift lists are used; without it, a seeded split by lesion (`metadata.csv` groups) of 60/20/20. The
    training images are capped at `max_train`, lesion classes taking turns, so that dermoscopy does not
    outnumber the other kinds a hundred to one.
    """
    folder = scan_image_folder(data_dir)
    if splits_file is not None:
        listed = json.loads(Path(splits_file).read_text(encoding="utf-8"))
        position = {relative: i for i, relative in enumerate(folder.relative_paths())}
        indices: dict[str, np.ndarray] = {}
        for name in ("train", "val", "test", "shift"):
            wanted = listed.get(name, [])
            found = [position[relative] for relative in wanted if relative in position]
            if len(found) < len(wanted):
                missing = len(wanted) - len(found)
                log.warning("%d of %d %s images of %s are not in %s", missing, len(wanted), name, splits_file, data_dir)
            indices[name] = np.array(found, dtype=np.int64)
    else:
        indices = split_by_group(folder.labels, folder.groups, HELD_OUT, seed)
    if not len(indices.get("train", ())) or not len(indices.get("val", ())):
        raise ValueError(f"No dermoscopy training or validation images in {data_dir} (splits: {splits_file})")
    if max_train is not None:
        indices["train"] = _taking_turns(indices["train"], folder.labels, max_train, np.random.default_rng(seed))
    return {name: [folder.paths[i] for i in index] for name, index in indices.items() if len(index)}


def skin_photo_splits(data_dir: str | Path, seed: int = 0) -> Splits:
    """Skin photos in one folder per condition, split 60/20/20 within each condition (seeded), so that every
    condition with three or more photos is in every split."""
    folder = scan_image_folder(data_dir)
    indices = split_by_group(folder.labels, np.array(folder.relative_paths()), HELD_OUT, seed)
    return {name: [folder.paths[i] for i in np.sort(index)] for name, index in indices.items()}


def not_skin_splits(
    data_dir: str | Path, seed: int = 0, excluded: dict[str, str] = SKIN_SHOWING_SYNSETS
) -> tuple[Splits, list[str]]:
    """A flat folder of everyday photos split 60/20/20 (seeded), less those whose file name starts with an
    `excluded` ImageNet synset (`n02837789_bikini.jpg`). Returns the splits and the excluded file names."""
    files = sorted(p for p in Path(data_dir).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    left_out = [p.name for p in files if p.name.split("_", 1)[0] in excluded]
    files = [p for p in files if p.name not in left_out]
    if not files:
        raise ValueError(f"No images found in {data_dir}")
    order = np.random.default_rng(seed).permutation(len(files))
    val, test = (round(len(files) * HELD_OUT[name]) for name in ("val", "test"))
    parts = {"val": order[:val], "test": order[val : val + test], "train": order[val + test :]}
    return {name: [files[i] for i in np.sort(part)] for name, part in parts.items()}, left_out


# Pixels and features.


def augment(picture: Image.Image, image_size: int, rng: np.random.Generator) -> np.ndarray:
    """One phone-like view of a decoded picture, as the model's uint8 (size, size, 3) input.

    A random crop (a half to all of the area, aspect 3:4 to 4:3), Gaussian blur of radius 0-2 model-input
    pixels, brightness, contrast and saturation within ±15% and a white-balance gain per channel within ±10%,
    then JPEG at quality 30-95, decoded again by the serving path, as an upload would be.
    """
    width, height = picture.size
    area = width * height * rng.uniform(0.5, 1.0)
    aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    crop_width = int(min(width, max(1, round(np.sqrt(area * aspect)))))
    crop_height = int(min(height, max(1, round(np.sqrt(area / aspect)))))
    left = int(rng.integers(0, width - crop_width + 1))
    top = int(rng.integers(0, height - crop_height + 1))
    view = picture.crop((left, top, left + crop_width, top + crop_height))
    radius = rng.uniform(0.0, 2.0) * min(crop_width, crop_height) / image_size
    if radius > 0.1:
        view = view.filter(ImageFilter.GaussianBlur(radius))
    for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        view = enhancer(view).enhance(rng.uniform(0.85, 1.15))
    gains = rng.uniform(0.9, 1.1, 3)
    view = Image.fromarray(np.clip(np.asarray(view, dtype=np.float32) * gains, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    view.save(buffer, "JPEG", quality=int(rng.integers(30, 96)))
    return load_rgb(buffer.getvalue(), image_size)


def image_views(path: Path, image_size: int, views: int, rng: np.random.Generator) -> list[np.ndarray] | None:
    """The image as the model sees it, then `views` augmented views of it; None when it cannot be decoded."""
    try:
        decoded = decode(path, image_size)
        return [decoded.resized(image_size)] + [augment(decoded.picture, image_size, rng) for _ in range(views)]
    except (ImageError, OSError) as error:
        log.warning("Skipping unreadable image %s: %s", path, error)
        return None


def extract_features(
    extract: FeatureExtractor,
    paths: list[Path],
    image_size: int,
    views: int = 0,
    seed: int | tuple[int, ...] = 0,
    batch_size: int = BATCH_SIZE,
    workers: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Features of every image (and of `views` augmented views of each), `batch_size` images at a time.

    Returns (features (M, C) float32, index into `paths` of each row); unreadable files are skipped and
    counted. Each image's augmentation draws from its own generator, seeded by `seed` and the image's
    position, so threads change nothing.
    """
    seeds = (seed,) if isinstance(seed, int) else tuple(seed)
    rows: list[np.ndarray] = []
    sources: list[int] = []
    skipped = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:  # Pillow releases the GIL while decoding
        for start in range(0, len(paths), batch_size):
            chunk = range(start, min(len(paths), start + batch_size))
            decoded = pool.map(
                lambda i: image_views(paths[i], image_size, views, np.random.default_rng([*seeds, i])), chunk
            )
            pixels, owners = [], []
            for index, images in zip(chunk, decoded, strict=True):
                if images is None:
                    skipped += 1
                    continue
                pixels.extend(images)
                owners.extend([index] * len(images))
            for batch in range(0, len(pixels), batch_size):
                batch_pixels = np.stack(pixels[batch : batch + batch_size])
                features = np.asarray(extract(batch_pixels), dtype=np.float32)
                if features.ndim != 2 or len(features) != len(batch_pixels):
                    raise ValueError(
                        f"The feature extractor gave shape {features.shape} for {len(batch_pixels)} images; "
                        "expected (N, C)"
                    )
                rows.append(features)
            sources.extend(owners)
    if skipped:
        log.warning("Skipped %d unreadable file(s) of %d", skipped, len(paths))
    if not rows:
        raise ValueError("None of the images could be decoded")
    return np.concatenate(rows), np.array(sources, dtype=np.int64)


# Fitting and judging.


def choose_dermoscopy_threshold(
    dermoscopy_probability: np.ndarray, max_flagged: float = MAX_DERMOSCOPY_FLAGGED, cap: float = THRESHOLD_CAP
) -> float:
    """The largest threshold (up to `cap`) that calls at most `max_flagged` of these dermoscopy images
    something else: their p(dermoscopy) at rank floor(max_flagged * n), the ones below it being the flagged."""
    ordered = np.sort(np.asarray(dermoscopy_probability, dtype=np.float64))
    if not len(ordered):
        raise ValueError("No validation dermoscopy images to set the threshold on")
    return float(min(cap, ordered[int(np.floor(max_flagged * len(ordered)))]))


def lowest_safe_threshold(
    check: ImageKindCheck,
    probabilities: np.ndarray,
    kinds: np.ndarray,
    upper: float,
    min_recall: dict[str, float] = MIN_OTHER_RECALL,
    floor: float = THRESHOLD_FLOOR,
) -> float:
    """The lowest dermoscopy threshold in [floor, upper] at which the other kinds keep `min_recall` on these
    (validation) images; `upper` when none does. Lowering it only moves images to `dermoscopy`, so the other
    kinds' recall can only fall as it goes down, and the first threshold that keeps them is the lowest."""
    dermoscopy_probability = probabilities[:, DERMOSCOPY]
    # Just above an image's p(dermoscopy) is the lowest threshold that calls that image something else.
    above = np.nextafter(dermoscopy_probability, 1.0)
    inside = above[(above > floor) & (above < upper)]
    for threshold in np.unique(np.concatenate([[floor], inside, [upper]])):
        called = dataclasses.replace(check, dermoscopy_threshold=float(threshold)).decide(probabilities)
        if all(
            np.mean(called[kinds == IMAGE_KINDS.index(kind)] == IMAGE_KINDS.index(kind)) >= bar
            for kind, bar in min_recall.items()
            if np.any(kinds == IMAGE_KINDS.index(kind))
        ):
            return float(threshold)
    return float(upper)


def balanced_log_loss(probabilities: np.ndarray, kinds: np.ndarray) -> float:
    """Mean over kinds of the mean -log p(true kind): every kind counts the same, however many images it has."""
    surprise = -np.log(np.clip(probabilities[np.arange(len(kinds)), kinds], 1e-12, None))
    return float(np.mean([surprise[kinds == kind].mean() for kind in np.unique(kinds)]))


def _split_report(check: ImageKindCheck, features: np.ndarray, kinds: np.ndarray) -> dict[str, Any]:
    """Confusion matrix (rows true kind, columns the check's answer), recall per kind and dermoscopy flagged."""
    predicted = check.decide(check.probabilities(features))
    matrix = confusion_matrix(kinds, predicted, len(IMAGE_KINDS))
    support = matrix.sum(axis=1)
    recall = {kind: float(matrix[i, i] / support[i]) for i, kind in enumerate(IMAGE_KINDS) if support[i]}
    return {
        "images": {kind: int(support[i]) for i, kind in enumerate(IMAGE_KINDS)},
        "confusion_matrix": matrix.tolist(),
        "recall": recall,
        "macro_recall": float(np.mean(list(recall.values()))) if recall else 0.0,
        "dermoscopy_flagged": float(1 - recall["dermoscopy"]) if "dermoscopy" in recall else None,
    }


def _fit(features: np.ndarray, kinds: np.ndarray, regularisation: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights (C, 3) and bias (3,) of a class-weighted multinomial logistic regression on standardised features."""
    from sklearn.linear_model import LogisticRegression  # the `train` extra; serving needs only the weights

    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=5000, random_state=seed)
    model.fit(features, kinds)
    if list(model.classes_) != list(range(len(IMAGE_KINDS))):
        raise ValueError(f"Training images hold only the kinds {[IMAGE_KINDS[k] for k in model.classes_]}")
    return model.coef_.T, model.intercept_


def kind_splits(
    dermoscopy_dir: str | Path,
    skin_photo_dir: str | Path,
    not_skin_dir: str | Path,
    splits_file: str | Path | None = None,
    seed: int = 0,
    max_dermoscopy: int | None = 1500,
) -> tuple[dict[str, Splits], list[str]]:
    """Paths per kind and split (`IMAGE_KINDS` order), and the everyday photos left out as showing skin."""
    not_skin, excluded = not_skin_splits(not_skin_dir, seed)
    splits = {
        "dermoscopy": dermoscopy_splits(dermoscopy_dir, splits_file, seed, max_dermoscopy),
        "skin-photo": skin_photo_splits(skin_photo_dir, seed),
        "not-skin": not_skin,
    }
    return splits, excluded


def train_image_kind(
    extract_pooled: FeatureExtractor,
    image_size: int,
    dermoscopy_dir: str | Path,
    skin_photo_dir: str | Path,
    not_skin_dir: str | Path,
    splits_file: str | Path | None = None,
    views: int = 2,
    seed: int = 0,
    max_dermoscopy: int | None = 1500,
    regularisation: tuple[float, ...] = DEFAULT_REGULARISATION,
    model_version: str = "",
    feature_description: str = "the lesion model's pooled backbone features (the head's globally pooled input)",
    batch_size: int = BATCH_SIZE,
    with_picture_statistics: bool = False,
) -> tuple[ImageKindCheck, dict[str, Any]]:
    """Fit the check on features from `extract_pooled` (uint8 (N, S, S, 3) -> (N, C)), and with
    `with_picture_statistics` the pictures' statistics after them, and report on it.

    Training images count once plus `views` augmented views each; validation, test and shift images are
    seen as they are. Returns the check and a report: images per kind and split, the regularisation grid,
    validation and test confusion matrices and the share of dermoscopy images flagged in every split.
    `model_version` names the model whose features these are (`add_image_kind` fills it in otherwise).
    """
    started = time.perf_counter()
    extract = extract_pooled
    if with_picture_statistics:
        extract = lambda images: np.concatenate([extract_pooled(images), picture_statistics(images)], axis=1)  # noqa: E731
        feature_description += ", then the picture's colour and texture statistics"
    splits, excluded = kind_splits(dermoscopy_dir, skin_photo_dir, not_skin_dir, splits_file, seed, max_dermoscopy)
    features: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # split -> (features, kind of each row)
    images: dict[str, dict[str, int]] = {}
    for name in ("train", "val", "test", "shift"):
        parts, kinds = [], []
        for kind_index, kind in enumerate(IMAGE_KINDS):
            paths = splits[kind].get(name, [])
            if not paths:
                continue
            rows, sources = extract_features(
                extract,
                paths,
                image_size,
                views if name == "train" else 0,
                seed=(seed, kind_index),  # each kind its own streams: adding a photo changes no other view
                batch_size=batch_size,
            )
            parts.append(rows)
            kinds.append(np.full(len(rows), kind_index))
            images.setdefault(name, {})[kind] = len(np.unique(sources))
        if parts:
            features[name] = (np.concatenate(parts), np.concatenate(kinds))
    extracted = time.perf_counter()
    log.info("Features of %s images in %.1f s", images, extracted - started)

    train_features, train_kinds = features["train"]
    val_features, val_kinds = features["val"]
    mean = train_features.mean(axis=0, dtype=np.float64)
    scale = train_features.std(axis=0, dtype=np.float64)
    scale = np.where(scale > 1e-12, scale, 1.0)  # a constant feature carries nothing; keep it harmless

    def standardised(rows: np.ndarray) -> np.ndarray:
        return (rows - mean) / scale

    grid, best = [], None
    for strength in sorted(regularisation):
        weights, bias = _fit(standardised(train_features), train_kinds, strength, seed)
        check = ImageKindCheck(mean, scale, weights, bias, 1.0, with_picture_statistics, model_version, image_size)
        probabilities = check.probabilities(val_features)
        upper = choose_dermoscopy_threshold(probabilities[val_kinds == DERMOSCOPY, DERMOSCOPY])
        threshold = lowest_safe_threshold(check, probabilities, val_kinds, upper)
        check = dataclasses.replace(check, dermoscopy_threshold=threshold)
        recall = _split_report(check, val_features, val_kinds)["macro_recall"]
        loss = balanced_log_loss(probabilities, val_kinds)
        grid.append(
            {"C": strength, "val_macro_recall": recall, "val_log_loss": loss, "dermoscopy_threshold": threshold}
        )
        # Macro recall moves in steps of one image; among equal ones the lower log loss is the model whose
        # probabilities sit further from the threshold, and the rarer surprise on new images.
        if best is None or (recall, -loss) > best[0]:
            best = ((recall, -loss), strength, check)
    assert best is not None
    _, strength, check = best
    fitted = time.perf_counter()
    log.info("Fitted %d regularisation strengths in %.1f s; chose C=%s", len(grid), fitted - extracted, strength)

    training = {
        "features": feature_description,
        "regression": "multinomial logistic regression, class weights 'balanced', scikit-learn lbfgs",
        "C": strength,
        "views": views,
        "seed": seed,
        "max_dermoscopy": max_dermoscopy,
        "images": images,
    }
    check = dataclasses.replace(check, training=training)
    val_dermoscopy_probability = check.probabilities(val_features[val_kinds == DERMOSCOPY])[:, DERMOSCOPY]
    split_reports = {
        name: _split_report(check, *features[name]) for name in ("val", "test", "shift") if name in features
    }
    flagged = {
        name: split["dermoscopy_flagged"] for name, split in split_reports.items() if images[name].get("dermoscopy")
    }
    report = {
        "kinds": list(IMAGE_KINDS),
        "images": images,
        # Feature rows the regression was fitted on: each training image once plus its augmented views.
        "training_rows": {kind: int((train_kinds == i).sum()) for i, kind in enumerate(IMAGE_KINDS)},
        # Folder names only: the report travels with the artifact, this machine's paths mean nothing elsewhere.
        "sources": {
            "dermoscopy": Path(dermoscopy_dir).name,
            "splits_file": Path(splits_file).parent.name + "/" + Path(splits_file).name if splits_file else None,
            "skin-photo": Path(skin_photo_dir).name,
            "not-skin": Path(not_skin_dir).name,
        },
        "excluded_not_skin": {
            "files": excluded,
            "reason": "bare human skin is the largest thing in the frame (swimwear; a hand, foot or face close "
            "up): neither clearly not skin nor a photo of a skin problem",
        },
        "regularisation": {
            "chosen": strength,
            "criterion": "validation macro recall under the decision rule, then log loss",
            "grid": grid,
        },
        "dermoscopy_threshold": check.dermoscopy_threshold,
        "dermoscopy_threshold_uncapped": choose_dermoscopy_threshold(val_dermoscopy_probability, cap=1.0),
        "threshold_rule": f"at most p(dermoscopy) of validation dermoscopy images at rank floor("
        f"{MAX_DERMOSCOPY_FLAGGED} n), and at most {THRESHOLD_CAP}, so that at most {MAX_DERMOSCOPY_FLAGGED:.0%} of "
        f"them are called anything else; below that, the lowest (from {THRESHOLD_FLOOR}) at which validation "
        f"recall stays at least {MIN_OTHER_RECALL}",
        "validation": split_reports["val"],
        "test": split_reports.get("test"),
        "shift": split_reports.get("shift"),  # dermoscopy from body sites the lesion model never trained on
        "dermoscopy_flagged": flagged,
    }
    return check, report


# The artifact.


def file_version(path: str | Path) -> str:
    """The first 12 hex digits of the file's SHA-256: it changes whenever the check (or its report) does."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def add_image_kind(artifact_dir: str | Path, check: ImageKindCheck, report: dict[str, Any]) -> Path:
    """Write `image_kind.json` (the check, its report as a section) into an artifact folder and describe it
    in the manifest's `image_kind` section; the check is stamped with the artifact's model version."""
    artifact_dir = Path(artifact_dir)
    info = read_artifact_info(artifact_dir)
    if check.model_version and check.model_version != info.model_version:
        raise ValueError(f"The check was trained on model {check.model_version}, not {info.model_version}")
    if check.image_size and check.image_size != info.image_size:
        raise ValueError(f"The check was trained at {check.image_size} px, the model takes {info.image_size} px")
    check = dataclasses.replace(check, model_version=info.model_version, image_size=info.image_size)
    path = check.save(artifact_dir / IMAGE_KIND_FILE, report)

    def summary(split: dict[str, Any] | None) -> dict[str, Any] | None:
        if split is None:
            return None
        keys = ("images", "recall", "macro_recall", "dermoscopy_flagged")
        return {key: split[key] for key in keys}

    manifest = json.loads((artifact_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["image_kind"] = {
        "file": IMAGE_KIND_FILE,
        "version": file_version(path),
        "kinds": list(IMAGE_KINDS),
        "dermoscopy_threshold": check.dermoscopy_threshold,
        "validation": summary(report.get("validation")),
        "test": summary(report.get("test")),
        "shift_dermoscopy_flagged": report.get("dermoscopy_flagged", {}).get("shift"),
    }
    write_json(artifact_dir / MANIFEST_FILE, manifest)
    write_answer_graph(artifact_dir)  # the check runs inside it
    write_model_card(artifact_dir)
    return path


def artifact_feature_extractor(artifact_dir: str | Path, runtime: str = "auto") -> FeatureExtractor:
    """uint8 images -> the artifact's pooled backbone features, through the serving classifier."""
    from .serving.classifier import load_classifier
    from .serving.preprocessing import to_model_input

    classifier = load_classifier(artifact_dir, runtime)
    return lambda images: classifier.pooled_features(to_model_input(images))
