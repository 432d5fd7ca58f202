"""Confidence that means what it says: temperature scaling, an uncertainty threshold and reliability figures.

`train.train()` and `skin-classifier calibrate` (an existing artifact, without retraining) run the same
`calibrate_and_evaluate`: the logits of each held-out split once; the temperature (and, when asked, a per-class
logit bias) fitted on `val` and stored in the model's calibrated softmax; the threshold below which an answer is
flagged as uncertain, chosen on the calibrated validation probabilities; then every split's metrics, with the
calibration error before and after and reliability bins, and a reliability diagram.

The temperature is fitted on the validation images together with phone-like perturbed views of them (crops,
blur, colour, JPEG; Tomani et al., "Post-hoc uncertainty calibration for domain drift scenarios", CVPR 2021):
images from elsewhere are answered less accurately than validation images, and a temperature that has seen
some of that drift stays honest on them for longer.

The temperature is a weight of the model: refitting it to another value changes `model_version`.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import keras
import numpy as np
from PIL import Image

from .answer_graph import write_answer_graph
from .dataset import LabelledData
from .evaluate import load_labelled_images
from .export import weights_fingerprint
from .image_kind import augment
from .jsonio import write_json
from .metrics import (
    UNCERTAIN_TARGET_ACCURACY,
    balanced_accuracy,
    calibration_report,
    choose_uncertainty_threshold,
    evaluate_probabilities,
    expected_calibration_error,
    plot_confusion_matrix,
    plot_reliability,
    softmax,
    uncertainty_report,
)
from .model import (
    CALIBRATION_LAYER,
    ensemble_of,
    ensemble_views,
    is_flip_averaged,
    logits_of,
    with_flip_averaging,
)
from .model_card import BENCHMARKS_DIR, OTHER_SOURCE, RELIABILITY_PLOT, write_model_card
from .serving.artifact import MANIFEST_FILE, METRICS_FILE, read_artifact_info
from .serving.classifier import predict_in_batches
from .serving.runtimes import RUNTIMES, SOURCE_RUNTIME

log = logging.getLogger(__name__)

# Labelled images from another source (other clinics, other devices), evaluated beside the run's own splits and
# never trained on: the nearest thing to the images the model meets in use (`with_other_source`).
EVALUATED_SPLITS = ("val", "test", "shift", OTHER_SOURCE)
# The splits the reliability diagram shows (the held-out ones; `val` only when none exists).
PLOTTED_SPLITS = ("test", "shift", OTHER_SOURCE)
# Perturbed views of each validation image the temperature is fitted on beside the image itself. On the
# reference model they moved the `shift` split's ECE from 0.082 to 0.059, and `test`'s from 0.036 to 0.048.
PERTURBED_VIEWS = 2
PERTURBATION_SEED = 0
# The temperatures searched: 0.25 to 8 on a log scale.
TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 161))


def fit_class_bias(logits: np.ndarray, labels: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-class additive logit bias maximising balanced accuracy, by coordinate search on a grid."""
    num_classes = logits.shape[1]
    bias = np.zeros(num_classes, np.float32)
    grid = np.linspace(-3, 3, 61)
    for _ in range(rounds):
        for c in range(num_classes):
            scores = []
            for value in grid:
                trial = bias.copy()
                trial[c] = value
                scores.append(balanced_accuracy(labels, (logits + trial).argmax(1), num_classes))
            bias[c] = grid[int(np.argmax(np.round(scores, 6)) if max(scores) > min(scores) else len(grid) // 2)]
    return bias - bias.mean()


def fit_temperature(logits: np.ndarray, labels: np.ndarray, bias: np.ndarray | None = None) -> float:
    """The temperature T minimising the negative log-likelihood of softmax(logits / T + bias), the calibrated
    softmax's formula (temperature scaling, Guo et al. 2017)."""
    offset = np.zeros(logits.shape[1]) if bias is None else np.asarray(bias, np.float64)

    def nll(temperature: float) -> float:
        scaled = logits / temperature + offset
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        return float(-log_probabilities[np.arange(len(labels)), labels].mean())

    return float(TEMPERATURES[int(np.argmin([nll(t) for t in TEMPERATURES]))])


def lowest_reachable_error(logits: np.ndarray, labels: np.ndarray, bias: np.ndarray) -> dict[str, float]:
    """The lowest ECE any single temperature reaches on these very images, and that temperature.

    A diagnostic, never used to fit: where even this is high, the gap is the model's (its ranking of right and
    wrong answers), which no rescaling of confidence can close.
    """
    errors = [expected_calibration_error(softmax(logits / t + bias), labels) for t in TEMPERATURES]
    best = int(np.argmin(errors))
    return {"temperature": float(TEMPERATURES[best]), "ece": float(errors[best])}


def perturbed_views(images: np.ndarray, first_index: int = 0, views: int = PERTURBED_VIEWS) -> np.ndarray:
    """`views` phone-like views (`image_kind.augment`) of each uint8 image, image by image.

    Image i of the split draws from a generator seeded by its position (`first_index` + i), so that training
    and `calibrate` see the same views and fit the same temperature, however the split is batched.
    """
    pixels: list[np.ndarray] = []
    for index, image in enumerate(images, start=first_index):
        rng = np.random.default_rng([PERTURBATION_SEED, index])
        pixels.extend(augment(Image.fromarray(image), image.shape[0], rng) for _ in range(views))
    return np.stack(pixels) if pixels else np.zeros((0, *images.shape[1:]), np.uint8)


def logits_in_batches(logits_model: keras.Model, images: np.ndarray) -> np.ndarray:
    """`logits_of(model)`'s outputs for uint8 images, a batch at a time."""
    return predict_in_batches(lambda batch: logits_model(batch, training=False), images)


def split_logits(model: keras.Model, data: LabelledData) -> dict[str, np.ndarray]:
    """Uncalibrated logits of every evaluated split present (one forward pass each)."""
    logits_model = logits_of(model)
    return {
        name: logits_in_batches(logits_model, data.images[data.splits[name]])
        for name in EVALUATED_SPLITS
        if name in data.splits
    }


def perturbed_val_logits(
    model: keras.Model, data: LabelledData, views: int = PERTURBED_VIEWS, chunk: int = 64
) -> np.ndarray:
    """Uncalibrated logits of the validation images' perturbed views (`views` rows per image, image by image),
    made `chunk` images at a time so that the views never all sit in memory; none when `views` is 0."""
    if views == 0:
        return np.zeros((0, model.output.shape[-1]), np.float32)
    logits_model = logits_of(model)
    val_images = data.images[data.splits["val"]]
    return np.concatenate(
        [
            logits_in_batches(logits_model, perturbed_views(val_images[start : start + chunk], start, views))
            for start in range(0, len(val_images), chunk)
        ]
    )


def fit_calibration(
    model: keras.Model,
    val_logits: np.ndarray,
    perturbed_logits: np.ndarray,
    val_labels: np.ndarray,
    class_bias: np.ndarray | None,
) -> dict[str, Any]:
    """Fit the temperature on validation and its perturbed views and store it, with the class bias, in the
    model's calibrated softmax (logits / T + bias). Returns the manifest's `training.calibration` entries.

    `class_bias` is the softmax's bias as stored, kept while the temperature is fitted; None fits one on
    validation for balanced accuracy first, in logit units (answers argmax(logits + b)), and stores b / T so
    that the served answers are exactly those.
    """
    views = len(perturbed_logits) // max(len(val_labels), 1)
    fitting_logits = np.concatenate([val_logits, perturbed_logits])
    fitting_labels = np.concatenate([val_labels, np.repeat(val_labels, views)])
    if class_bias is None:
        in_logit_units = fit_class_bias(val_logits, val_labels)
        temperature = fit_temperature(fitting_logits + in_logit_units, fitting_labels)
        bias = in_logit_units / temperature
    else:
        bias = np.asarray(class_bias, np.float32)
        temperature = fit_temperature(fitting_logits, fitting_labels, bias)
    model.get_layer(CALIBRATION_LAYER).set_weights([np.float32(temperature), bias.astype(np.float32)])
    return {
        "temperature": round(temperature, 4),
        "class_bias": [round(float(b), 4) for b in bias],
        "fitted_on": "val",
        "perturbed_views": views,
    }


def served_probabilities(model: keras.Model, logits: np.ndarray) -> np.ndarray:
    """The model's own calibrated softmax applied to logits it computed: exactly what it serves."""
    return np.asarray(model.get_layer(CALIBRATION_LAYER)(logits.astype(np.float32)), dtype=np.float32)


def evaluate_splits(
    model: keras.Model,
    data: LabelledData,
    logits: dict[str, np.ndarray],
    threshold: float,
    output_dir: Path,
) -> dict[str, Any]:
    """Each split's metrics (`evaluate_probabilities`) plus `calibration` (ECE and reliability bins before and
    after) and `uncertainty` (the threshold's coverage and accuracies); a confusion-matrix PNG per split."""
    metrics: dict[str, Any] = {}
    bias = model.get_layer(CALIBRATION_LAYER).get_weights()[1]
    for name, split_logits_ in logits.items():
        labels = data.labels[data.splits[name]]
        probabilities = served_probabilities(model, split_logits_)
        report = evaluate_probabilities(labels, probabilities, data.class_names)
        report["calibration"] = calibration_report(split_logits_, probabilities, labels)
        report["calibration"]["lowest_reachable"] = lowest_reachable_error(split_logits_, labels, bias)
        report["uncertainty"] = uncertainty_report(probabilities, labels, threshold)
        metrics[name] = report
        plot_confusion_matrix(report, output_dir / f"confusion_matrix_{name}.png", f"{name} split")
        log.info(
            "%s: balanced accuracy %.3f, accuracy %.3f, macro F1 %.3f; ECE %.3f before calibration, %.3f after; "
            "%.1f%% answered above the uncertainty threshold, %.1f%% of them right",
            name,
            report["balanced_accuracy"],
            report["accuracy"],
            report["macro_f1"],
            report["calibration"]["ece_before"],
            report["calibration"]["ece_after"],
            100 * report["uncertainty"]["coverage"],
            100 * (report["uncertainty"]["answered_accuracy"] or 0.0),
        )
    return metrics


def calibrate_and_evaluate(
    model: keras.Model,
    data: LabelledData,
    output_dir: Path,
    target_accuracy: float = UNCERTAIN_TARGET_ACCURACY,
    class_bias: np.ndarray | None = None,
    perturbed: int = PERTURBED_VIEWS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Calibrate `model` on `data`'s val split, choose the uncertainty threshold there, and evaluate every split.

    `class_bias` is kept as given (None: fitted on validation for balanced accuracy). Writes the confusion
    matrices and `reliability.png` into `output_dir`. Returns (the manifest's `training.calibration`, metrics
    per split).
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    logits = split_logits(model, data)
    val_labels = data.labels[data.splits["val"]]
    perturbed_logits = perturbed_val_logits(model, data, perturbed)
    calibration = fit_calibration(model, logits["val"], perturbed_logits, val_labels, class_bias)
    chosen = choose_uncertainty_threshold(served_probabilities(model, logits["val"]), val_labels, target_accuracy)
    calibration["uncertainty_threshold"] = chosen["threshold"]
    calibration["uncertainty"] = {
        key: round(value, 4) if isinstance(value, float) else value
        for key, value in chosen.items()
        if key != "threshold"
    }
    if not chosen["target_reached"]:
        log.warning(
            "No threshold leaving %.0f%% of validation answered reaches %.0f%% accuracy; using %.4f, the highest",
            100 * chosen["min_coverage"],
            100 * target_accuracy,
            chosen["threshold"],
        )
    log.info(
        "Temperature %.4f fitted on val; uncertainty threshold %.4f (val: %.1f%% answered, %.1f%% of them right)",
        calibration["temperature"],
        chosen["threshold"],
        100 * chosen["coverage"],
        100 * (chosen["answered_accuracy"] or 0.0),
    )
    metrics = evaluate_splits(model, data, logits, chosen["threshold"], output_dir)
    plotted = [name for name in PLOTTED_SPLITS if name in metrics] or ["val"]
    plot_reliability(
        {name: metrics[name]["calibration"] for name in plotted},
        output_dir / RELIABILITY_PLOT,
        calibration["temperature"],
    )
    return calibration, metrics


def attach_reliability_plot(run_dir: Path, artifact_dir: Path) -> None:
    """Copy the run's reliability diagram into the artifact's `benchmarks/` and rewrite its model card."""
    benchmarks = Path(artifact_dir) / BENCHMARKS_DIR
    benchmarks.mkdir(exist_ok=True)
    shutil.copy2(Path(run_dir) / RELIABILITY_PLOT, benchmarks / RELIABILITY_PLOT)
    write_model_card(Path(artifact_dir))


def labelled_splits(data_dir: Path, class_names: list[str], image_size: int, splits_file: Path) -> LabelledData:
    """The evaluated splits of a training run (its `splits.json`), decoded as training decoded them."""
    listed = json.loads(Path(splits_file).read_text(encoding="utf-8"))
    names = [name for name in EVALUATED_SPLITS if listed.get(name) and name != OTHER_SOURCE]
    if "val" not in names:
        raise ValueError(f"{splits_file} lists no val split to calibrate on")
    parts = {name: load_labelled_images(data_dir, class_names, image_size, splits_file, name) for name in names}
    missing = {name: len(listed[name]) - len(labels) - skipped for name, (_, labels, skipped) in parts.items()}
    if any(missing.values()):
        raise ValueError(
            f"{data_dir} lacks images that {splits_file} lists, per split: {missing}; is it the run's data?"
        )
    sizes = [len(labels) for _, labels, _ in parts.values()]
    starts = np.cumsum([0, *sizes])
    return LabelledData(
        images=np.concatenate([images for images, _, _ in parts.values()]),
        labels=np.concatenate([labels for _, labels, _ in parts.values()]),
        class_names=class_names,
        splits={name: np.arange(starts[i], starts[i + 1]) for i, name in enumerate(parts)},
        description={"skipped_files": sum(skipped for _, _, skipped in parts.values())},
    )


def with_other_source(data: LabelledData, folder: Path | None, image_size: int) -> LabelledData:
    """`data` plus a folder-per-class set from another source as the split `other-source` (classes matched by
    name, as `evaluate` matches them); `data` itself when there is no folder."""
    if folder is None:
        return data
    images, labels, skipped = load_labelled_images(Path(folder), data.class_names, image_size)
    start = len(data.labels)
    return LabelledData(
        images=np.concatenate([data.images, images]),
        labels=np.concatenate([data.labels, labels]),
        class_names=data.class_names,
        splits={**data.splits, OTHER_SOURCE: np.arange(start, start + len(labels))},
        description={
            **data.description,
            "other_source": {"source": Path(folder).name, "images": len(labels), "skipped_files": skipped},
        },
    )


def _ensemble_with(
    model: keras.Model, info: Any, training: dict[str, Any], members: list[Path], splits_file: Path, mirrors: str
) -> tuple[keras.Model, dict[str, Any]]:
    """`model` as the first member of an ensemble with the Keras models of `members`, and the manifest's
    `training` entry naming every member. A member whose run held out other images is refused: it may have
    trained on images the ensemble is measured on."""

    def held_out(listed: dict[str, Any]) -> dict[str, Any]:  # members may train on different subsets of train
        return {name: sorted(listed.get(name) or []) for name in EVALUATED_SPLITS}

    listed = held_out(json.loads(Path(splits_file).read_text(encoding="utf-8")))

    def describe(member_training: dict[str, Any], version: str) -> dict[str, Any]:
        seconds = member_training.get("timings_s", {}).get("total_s")
        return {
            "model_version": version,
            "seed": member_training.get("settings", {}).get("seed"),
            "training_s": seconds,
        }

    models, described = [model], [describe(training, info.model_version)]
    for member_dir in members:
        member = read_artifact_info(member_dir)
        if member.class_names != info.class_names or member.image_size != info.image_size:
            raise ValueError(f"{member_dir} has other classes or another input size than the first member")
        run_splits = member_dir.parent / "splits.json"
        if not run_splits.is_file() or held_out(json.loads(run_splits.read_text(encoding="utf-8"))) != listed:
            raise ValueError(
                f"{member_dir}'s run has no splits.json holding out the images {splits_file} does: train "
                "ensemble members with one --split-seed"
            )
        models.append(
            keras.saving.load_model(member_dir / member.runtimes[SOURCE_RUNTIME], compile=False, safe_mode=True)
        )
        described.append(describe(member.manifest.get("training", {}), member.model_version))
    joined = ensemble_of(models, mirrors)
    return joined, {**training, "ensemble": {"members": described, "views": ensemble_views(joined)}}


def calibrate_artifact(
    artifact_dir: Path,
    data_dir: Path,
    splits_file: Path,
    output_dir: Path | None = None,
    target_accuracy: float | None = None,
    other_source: Path | None = None,
    flip_tta: str | None = None,
    ensemble_with: list[Path] | None = None,
    perturbed_views: int = PERTURBED_VIEWS,
) -> dict[str, Any]:
    """Refit an artifact's temperature and uncertainty threshold on its run's val split, without retraining.

    With `flip_tta` ("both"), a model without flip averaging gains it first (the same weights, three views
    averaged), so that the temperature is fitted to the logits it will serve. With `ensemble_with` (artifacts of
    runs on the same held-out splits), the model becomes the first member of an ensemble with them
    (`model.ensemble_of`), and its temperature is fitted to the mean logits of the members, each over the image
    and with `flip_tta` its mirror images: "both" of them, or "one-each" (the members taking them in turn).

    Needs the artifact's Keras model. The class bias stays as stored. Metrics of val, test, shift and `other_source` (a folder), the
    manifest's `training.calibration`, the reliability diagram (in `benchmarks/`) and the model card are
    rewritten. A temperature that changes changes the weights, so `model_version`: the Keras file is saved
    again and other runtimes, converted from the old weights, are removed (run `convert` again). Plots go to
    `output_dir` (default: the artifact's parent, the run folder). Returns the new `training.calibration`.
    """
    artifact_dir = Path(artifact_dir)
    info = read_artifact_info(artifact_dir)
    if SOURCE_RUNTIME not in info.runtimes:
        raise ValueError(f"{artifact_dir} has no {SOURCE_RUNTIME} model to calibrate")
    from . import model as _custom_layers  # noqa: F401  (registers the layers the saved model uses)

    model_path = artifact_dir / info.runtimes[SOURCE_RUNTIME]
    model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    if weights_fingerprint(model) != info.model_version:
        log.warning("%s does not match model_version %s in the manifest", model_path, info.model_version)
    training = info.manifest.get("training", {})
    loaded = model
    if ensemble_with:
        members = [Path(member) for member in ensemble_with]
        model, training = _ensemble_with(model, info, training, members, splits_file, flip_tta or "none")
    elif flip_tta == "one-each":
        raise ValueError("one mirror image each needs an ensemble (ensemble_with)")
    elif flip_tta and not is_flip_averaged(model):
        model = with_flip_averaging(model)
    wrapped = model is not loaded
    if flip_tta == "both":
        training = {**training, "settings": {**training.get("settings", {}), "flip_tta": True}}
    if target_accuracy is None:
        target_accuracy = training.get("settings", {}).get("uncertain_target_accuracy", UNCERTAIN_TARGET_ACCURACY)
    data = with_other_source(
        labelled_splits(data_dir, info.class_names, info.image_size, splits_file), other_source, info.image_size
    )
    log.info("Calibrating on %s", {name: len(index) for name, index in data.splits.items()})
    stored_bias = model.get_layer(CALIBRATION_LAYER).get_weights()[1]
    calibration, metrics = calibrate_and_evaluate(
        model, data, output_dir or artifact_dir.parent, float(target_accuracy), stored_bias, perturbed_views
    )

    manifest = info.manifest
    manifest["training"] = {**training, "calibration": {**training.get("calibration", {}), **calibration}}
    if "other_source" in data.description:
        manifest["training"]["data"] = {**training.get("data", {}), "other_source": data.description["other_source"]}
    version = weights_fingerprint(model)
    if version != info.model_version or wrapped:
        model.save(model_path)
        stale = {name: file for name, file in info.runtimes.items() if name != SOURCE_RUNTIME}
        for file_name in stale.values():
            (artifact_dir / file_name).unlink(missing_ok=True)
        manifest["model_version"] = version
        manifest["runtimes"] = {SOURCE_RUNTIME: RUNTIMES[SOURCE_RUNTIME].file_name}
        manifest["default_runtime"] = SOURCE_RUNTIME
        log.warning(
            "The temperature changed, so the weights did: model_version %s -> %s. Removed runtimes converted from "
            "the old weights (%s); run `skin-classifier convert` again.",
            info.model_version,
            version,
            ", ".join(stale) or "none",
        )
    else:
        log.info("The temperature is unchanged: model_version stays %s", version)
    write_json(artifact_dir / MANIFEST_FILE, manifest)
    write_answer_graph(artifact_dir)  # its uncertainty threshold is the calibration's
    write_json(artifact_dir / METRICS_FILE, {**info.metrics, **metrics})
    attach_reliability_plot(output_dir or artifact_dir.parent, artifact_dir)
    return calibration
