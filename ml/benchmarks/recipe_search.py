"""Choose the training recipe by validation balanced accuracy, cheaply, on frozen features.

For each candidate, the base runs once per image (plus augmented views for training and the two mirror images
for validation) and only the head trains, exactly as phase 1 of `skin_classifier.train` does. That ranks:
backbone (and its input size), class weights against balanced sampling, a cap on the dominant class, Shades of
Gray colour constancy, flip test-time augmentation, and a per-class logit bias. The bias is scored by 2-fold
cross-fitting on validation (fitted on one half, measured on the other), so it is not scored on the images it
was fitted to. The test split is never loaded. Writes JSON and Markdown with the machine and the command.

    python ml/benchmarks/recipe_search.py ../shared/datasets/ham10000 --output runs/recipe \
        --shift-holdout localization=face,scalp,ear,neck \
        --vgg16-weights ../shared/weights/vgg16_notop_hed_bsds500.weights.h5
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np

from skin_classifier.augment import augmentation
from skin_classifier.batches import cache_activations, class_weight_table, evaluation_batches, training_batches
from skin_classifier.calibration import fit_class_bias
from skin_classifier.jsonio import write_json
from skin_classifier.metrics import balanced_accuracy
from skin_classifier.model import build_model, trainable_suffix
from skin_classifier.serving.machine import cpu_name, package_versions, packages_text
from skin_classifier.train import BalancedAccuracy, TrainConfig
from skin_classifier.training_data import load_data


def cached_features(config: TrainConfig, data, weights: str) -> dict[str, np.ndarray]:
    """Frozen base outputs, pooled (the head starts with global average pooling): training views (original +
    augmented) and validation original + two mirrors."""
    model = build_model(
        len(data.class_names),
        config.backbone,
        config.image_size,
        weights,
        config.head_units,
        config.dropout,
        config.colour_constancy,
    )
    train_x, val_x = data.images[data.splits["train"]], data.images[data.splits["val"]]
    train = cache_activations(model, train_x, [None], config.cached_views, augmentation(config), 32, pooled=True)[None]
    val = np.concatenate(
        [
            cache_activations(model, view, [None], 1, None, 32, pooled=True)[None]
            for view in (val_x, val_x[:, :, ::-1], val_x[:, ::-1])
        ]
    )
    return {"train": train, "val": val}


def head_scores(
    config: TrainConfig, data, features: dict[str, np.ndarray], train_index: np.ndarray, epochs: int
) -> dict[str, float]:
    """Train the head on the cached features; validation balanced accuracy plain, with flips, with bias."""
    num_classes = len(data.class_names)
    keras.utils.set_random_seed(config.seed)
    model = build_model(num_classes, config.backbone, config.image_size, "none", config.head_units, config.dropout)
    head = trainable_suffix(model, None, pooled=True)
    train_y = data.labels[data.splits["train"]][train_index]
    val_y = data.labels[data.splits["val"]]
    weights = class_weight_table(train_y, num_classes) if config.balancing == "class-weights" else None
    head.compile(
        optimizer=keras.optimizers.Adam(config.head_learning_rate),
        loss="categorical_crossentropy",
        metrics=[BalancedAccuracy(num_classes)],
    )
    head.fit(
        training_batches(
            features["train"][:, train_index],
            train_y,
            num_classes,
            config.batch_size,
            weights,
            config.balancing == "sampling",
            config.seed,
        ),
        validation_data=evaluation_batches(features["val"], val_y, num_classes, 64),
        epochs=epochs,
        steps_per_epoch=max(1, len(train_y) // config.batch_size),
        verbose=0,
        callbacks=[
            keras.callbacks.EarlyStopping("val_balanced_accuracy", mode="max", patience=4, restore_best_weights=True)
        ],
    )
    # Log-probabilities are the logits up to a per-image constant (temperature 1, bias 0 while training).
    logits = np.stack(
        [
            np.log(np.maximum(head.predict(view.astype(np.float32), batch_size=128, verbose=0), 1e-12))
            for view in features["val"]
        ]
    )
    plain, flipped = logits[0], logits.mean(axis=0)
    halves = np.random.default_rng(config.seed).permutation(len(val_y)) % 2 == 0
    cross_fitted = np.empty(len(val_y), dtype=np.int64)
    for fit_on in (halves, ~halves):
        bias = fit_class_bias(plain[fit_on], val_y[fit_on])
        cross_fitted[~fit_on] = (plain[~fit_on] + bias).argmax(1)
    return {
        "val_balanced_accuracy": round(balanced_accuracy(val_y, plain.argmax(1), num_classes), 4),
        "with_flip_tta": round(balanced_accuracy(val_y, flipped.argmax(1), num_classes), 4),
        "with_class_bias_cross_fitted": round(balanced_accuracy(val_y, cross_fitted, num_classes), 4),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--output", type=Path, default=Path("runs/recipe"))
    parser.add_argument(
        "--backbones", nargs="+", default=["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2", "vgg16"]
    )
    parser.add_argument("--vgg16-weights", default="imagenet", help="imagenet (online) or a local .weights.h5")
    parser.add_argument("--shift-holdout", default=None, help="as for `skin-classifier train`")
    parser.add_argument("--views", type=int, default=3, help="training views per image (original + augmented)")
    parser.add_argument("--epochs", type=int, default=30, help="head epochs (early stopping, patience 4)")
    parser.add_argument("--nevus-cap", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.output.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []

    def record(backbone: str, setting: str, scores: dict, seconds: float) -> None:
        rows.append({"backbone": backbone, "setting": setting, **scores, "seconds": round(seconds, 1)})
        print(rows[-1], flush=True)

    base = {
        "data_dir": args.data_dir,
        "output_dir": args.output,
        "val_fraction": 0.15,
        "test_fraction": 0.15,
        "shift_holdout": args.shift_holdout,
        "cached_views": args.views,
        "seed": args.seed,
    }

    def weights(backbone: str) -> str:
        return args.vgg16_weights if backbone == "vgg16" else "imagenet"

    decoded: dict[int, object] = {}
    cached: dict[str, dict[str, np.ndarray]] = {}
    for backbone in args.backbones:
        config = TrainConfig(backbone=backbone, **base)
        if config.image_size not in decoded:
            decoded[config.image_size] = load_data(config)
        data = decoded[config.image_size]
        started = time.perf_counter()
        features = cached[backbone] = cached_features(config, data, weights(backbone))
        cache_seconds = time.perf_counter() - started
        everything = np.arange(len(data.splits["train"]))
        started = time.perf_counter()
        record(
            backbone,
            "class weights",
            head_scores(config, data, features, everything, args.epochs),
            cache_seconds + time.perf_counter() - started,
        )
    best_backbone = max((row for row in rows), key=lambda row: row["val_balanced_accuracy"])["backbone"]

    config = TrainConfig(backbone=best_backbone, **base)
    data = decoded[config.image_size]
    features = cached[best_backbone]
    everything = np.arange(len(data.splits["train"]))
    train_y = data.labels[data.splits["train"]]
    nevus = (
        data.class_names.index("Melanocytic nevi")
        if "Melanocytic nevi" in data.class_names
        else np.argmax(np.bincount(train_y))
    )
    rng = np.random.default_rng(args.seed)
    capped = np.sort(
        np.concatenate(
            [np.flatnonzero(train_y != nevus), rng.permutation(np.flatnonzero(train_y == nevus))[: args.nevus_cap]]
        )
    )
    for setting, changes, index in (
        ("balanced sampling", {"balancing": "sampling"}, everything),
        ("no balancing", {"balancing": "none"}, everything),
        (f"class weights, nevi capped at {args.nevus_cap}", {}, capped),
    ):
        started = time.perf_counter()
        variant = TrainConfig(backbone=best_backbone, **base, **changes)
        record(
            best_backbone,
            setting,
            head_scores(variant, data, features, index, args.epochs),
            time.perf_counter() - started,
        )
    started = time.perf_counter()
    variant = TrainConfig(backbone=best_backbone, colour_constancy=True, **base)
    record(
        best_backbone,
        "class weights, Shades of Gray colour constancy",
        head_scores(variant, data, cached_features(variant, data, weights(best_backbone)), everything, args.epochs),
        time.perf_counter() - started,
    )

    report = {
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "packages": package_versions()},
        "method": "head only (phase 1) on cached frozen features, scored on the validation split; the test and "
        "shift splits are never scored",
        "split_sizes": {name: len(index) for name, index in data.splits.items()},
        "best_backbone": best_backbone,
        "rows": rows,
    }
    write_json(args.output / "recipe_search.json", report)
    lines = [
        "# Recipe search (validation balanced accuracy, head on frozen features)",
        "",
        (
            f"Machine: {report['machine']['cpu']} ({report['machine']['cores']} cores); packages: "
            f"{packages_text(report['machine']['packages'])}. Command: `{report['command']}`"
        ),
        "",
        f"Split sizes: {report['split_sizes']}",
        "",
        "| backbone | setting | val balanced accuracy | + flip TTA | + class bias (cross-fitted) | seconds |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['backbone']} | {r['setting']} | {r['val_balanced_accuracy']:.3f} | {r['with_flip_tta']:.3f} "
        f"| {r['with_class_bias_cross_fitted']:.3f} | {r['seconds']} |"
        for r in rows
    ]
    (args.output / "recipe_search.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
