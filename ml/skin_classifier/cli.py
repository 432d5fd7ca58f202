"""Command line: `skin-classifier train | evaluate | calibrate | predict | convert | answer-graph | package | image-kind | synthetic`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the output

# The serving modules import no TensorFlow: --help stays fast.
from .cli_train import add_other_source_argument, add_train_parser, run_train
from .serving.logs import LOG_FORMAT
from .serving.runtimes import AUTO, CONVERTIBLE_RUNTIMES, RUNTIMES

RUNTIME_HELP = f"{', '.join(RUNTIMES)} or {AUTO} (the artifact's default)"


def _add_evaluate_parser(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="score an artifact on a labelled folder, or on one split of a training run",
        description="Writes metrics JSON (balanced accuracy, macro/per-class scores, confusion matrix, "
        "calibration error, majority-class baseline, the share flagged uncertain and what the image-kind check "
        "calls the images) and a confusion-matrix PNG.",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder")
    parser.add_argument("data_dir", type=Path, help="folder-per-class data set with the artifact's class names")
    parser.add_argument(
        "--splits", type=Path, default=None, help="splits.json of a training run: evaluate only the --split images"
    )
    parser.add_argument("--split", default="val", help="split name inside --splits (default val)")
    parser.add_argument("--runtime", default=AUTO, help=RUNTIME_HELP)
    parser.add_argument(
        "--output", type=Path, default=None, help="metrics JSON path (default: ARTIFACT/evaluation_<data>.json)"
    )


def _add_calibrate_parser(commands) -> None:
    parser = commands.add_parser(
        "calibrate",
        help="refit an artifact's temperature and uncertainty threshold on its run's validation split",
        description="Without retraining: loads ARTIFACT/model.keras, decodes the val, test and shift images "
        "listed in the run's splits.json (and --other-source), refits the temperature on val (the class bias stays), chooses the "
        "uncertainty threshold, and rewrites metrics.json, the manifest's training.calibration, "
        "benchmarks/reliability.png and the model card. A new temperature changes the weights and so "
        "model_version; runtimes converted from the old weights are then removed (run convert again).",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder with model.keras")
    parser.add_argument("data_dir", type=Path, help="the folder-per-class data set the run trained on")
    parser.add_argument(
        "--splits", type=Path, required=True, help="splits.json of the training run that made the artifact"
    )
    parser.add_argument(
        "--target-accuracy",
        type=float,
        default=None,
        help="accuracy validation answers at or above the threshold must reach (default: the run's "
        "uncertain_target_accuracy setting, else 0.8)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="folder for the confusion matrices and reliability.png (default: the artifact's parent, the run folder)",
    )
    parser.add_argument(
        "--flip-tta",
        nargs="?",
        const="both",
        choices=("both", "one-each"),
        default=None,
        help="serve mirror images too: alone, `both` gives a model without it flip averaging (the mean of the "
        "image and its two mirror images); with --ensemble-with, each member sees the image and `both` mirror "
        "images, or `one-each` (members take upside down and left to right in turn; half the forward passes)",
    )
    parser.add_argument(
        "--ensemble-with",
        type=Path,
        nargs="+",
        default=None,
        metavar="ARTIFACT",
        help="first make the model an ensemble with these artifacts' models (runs holding out the same images): "
        "it serves the mean of the members' logits under one fitted temperature",
    )
    parser.add_argument(
        "--perturbed-views",
        type=int,
        default=2,
        help="phone-like perturbed views of each validation image the temperature is fitted on beside the image "
        "(default 2; 0: the validation images alone)",
    )
    add_other_source_argument(parser)


def _add_predict_parser(commands) -> None:
    parser = commands.add_parser(
        "predict",
        help="classify image files with an artifact",
        description="Prints one JSON object per image, classes sorted by confidence.",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder")
    parser.add_argument("images", type=Path, nargs="+", help="image files")
    parser.add_argument("--runtime", default=AUTO, help=RUNTIME_HELP)


def _add_answer_graph_parser(commands) -> None:
    parser = commands.add_parser(
        "answer-graph",
        help="write an artifact's answer graph (answer.onnx) again",
        description="Builds ARTIFACT/answer.onnx from the head, the calibration and the image-kind check, as the "
        "service and the page run it after the model. Export, calibrate, convert, package and image-kind write it "
        "themselves; this command brings an artifact from before it (or edited by hand) up to date.",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder")


def _add_convert_parser(commands) -> None:
    parser = commands.add_parser(
        "convert",
        help="add TFLite and ONNX runtimes to an artifact",
        description="Converts ARTIFACT/model.keras and lists the files in manifest.json. "
        "Static int8 ONNX (onnx-int8) measures activation ranges on a sample "
        "of training images, given with --calibration-data.",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder")
    parser.add_argument(
        "--runtimes",
        nargs="+",
        default=None,
        choices=CONVERTIBLE_RUNTIMES,
        help="default: all of them (onnx-int8 only when --calibration-data is given)",
    )
    parser.add_argument(
        "--default", default=None, choices=list(RUNTIMES), help="make this the runtime that serving loads by default"
    )
    parser.add_argument(
        "--calibration-data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder-per-class data set to calibrate onnx-int8 on (the training data)",
    )
    parser.add_argument(
        "--calibration-splits",
        type=Path,
        default=None,
        metavar="SPLITS_JSON",
        help="splits.json of the training run: calibrate on its train split only (default: "
        "every image in --calibration-data, so give it training images only)",
    )
    parser.add_argument(
        "--calibration-count",
        type=int,
        default=200,
        help="images to calibrate on, classes taking turns, fixed seed (default 200)",
    )
    parser.add_argument(
        "--calibration-method",
        default="minmax",
        choices=("minmax", "percentile", "entropy"),
        help="how activation ranges are set from the calibration images (default minmax; "
        "percentile and entropy hold all their activations in memory: use ~40 images)",
    )


def _add_package_parser(commands) -> None:
    parser = commands.add_parser(
        "package",
        help="copy only what serving one runtime needs into a new folder",
        description="Metadata, model card, benchmark reports and one model file.",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder (after `convert`)")
    parser.add_argument("output", type=Path, help="new artifact folder (replaced if it exists)")
    parser.add_argument(
        "--runtime",
        required=True,
        choices=list(RUNTIMES),
        help="the runtime to keep: its model file becomes the new folder's only one and its default",
    )


def _add_image_kind_parser(commands) -> None:
    parser = commands.add_parser(
        "image-kind",
        help="train the check that tells dermoscopy from ordinary skin photos and from pictures of no skin",
        description="Fits a logistic regression on the artifact's pooled backbone features and the pictures' "
        "colour and texture statistics of three folders of images, sets its dermoscopy threshold so that at most 1% of validation dermoscopy images are called "
        "anything else, and writes ARTIFACT/image_kind.json (with its report) and the manifest's image_kind "
        "section.",
    )
    parser.add_argument("artifact", type=Path, help="artifact folder whose model gives the features")
    parser.add_argument(
        "--dermoscopy",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder-per-class dermoscopy set (the lesion data)",
    )
    parser.add_argument(
        "--splits",
        type=Path,
        default=None,
        metavar="SPLITS_JSON",
        help="splits.json of the lesion model's training run: its train, val, test and shift images are used "
        "as such (default: a seeded 60/20/20 split by lesion)",
    )
    parser.add_argument(
        "--skin-photos", type=Path, required=True, metavar="DIR", help="ordinary skin photos, one folder per condition"
    )
    parser.add_argument(
        "--not-skin",
        type=Path,
        required=True,
        metavar="DIR",
        help="flat folder of everyday photos (ImageNet file names showing bare skin are left out)",
    )
    parser.add_argument("--views", type=int, default=2, help="augmented views per training image (default 2)")
    parser.add_argument(
        "--max-dermoscopy",
        type=int,
        default=1500,
        help="dermoscopy training images, classes taking turns (default 1500)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the splits and augmentation (default 0)")
    parser.add_argument("--runtime", default=AUTO, help=RUNTIME_HELP)


def _add_synthetic_parser(commands) -> None:
    parser = commands.add_parser(
        "synthetic",
        help="write a small synthetic data set to try the pipeline on",
        description="Coloured blobs on a skin-toned background, one folder per class.",
    )
    parser.add_argument("output", type=Path, help="folder to create")
    parser.add_argument("--images-per-class", type=int, default=30, help="default 30")
    parser.add_argument("--image-size", type=int, default=48, help="default 48")
    parser.add_argument("--seed", type=int, default=0, help="default 0")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skin-classifier", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    add_train_parser(commands)
    _add_evaluate_parser(commands)
    _add_calibrate_parser(commands)
    _add_predict_parser(commands)
    _add_convert_parser(commands)
    _add_answer_graph_parser(commands)
    _add_package_parser(commands)
    _add_image_kind_parser(commands)
    _add_synthetic_parser(commands)
    return parser


def run_evaluate(args: argparse.Namespace) -> None:
    from .evaluate import evaluate_artifact

    scope = args.split if args.splits else "all"
    output = args.output or args.artifact / f"evaluation_{args.data_dir.name}_{scope}.json"
    report = evaluate_artifact(args.artifact, args.data_dir, output, args.splits, args.split, args.runtime)
    keys = ("samples", "balanced_accuracy", "accuracy", "macro_f1", "expected_calibration_error")
    summary = {key: report[key] for key in keys}
    if "image_kind" in report:
        summary["image_kind_called"] = report["image_kind"]["called"]
    print(json.dumps(summary))
    print(f"Full report: {output}")


def run_calibrate(args: argparse.Namespace) -> None:
    from .calibration import calibrate_artifact

    calibration = calibrate_artifact(
        args.artifact,
        args.data_dir,
        args.splits,
        args.output,
        args.target_accuracy,
        args.other_source,
        args.flip_tta,
        args.ensemble_with,
        args.perturbed_views,
    )
    print(json.dumps({key: calibration[key] for key in ("temperature", "uncertainty_threshold", "uncertainty")}))
    print(args.artifact)


def run_predict(args: argparse.Namespace) -> None:
    from .serving.classifier import load_classifier
    from .serving.preprocessing import ImageError

    classifier = load_classifier(args.artifact, args.runtime)
    failures = 0
    for path in args.images:
        try:
            (prediction,) = classifier.classify([path])
        except (ImageError, OSError) as error:
            failures += 1
            print(json.dumps({"file": str(path), "error": str(error)}))
            continue
        print(
            json.dumps(
                {
                    "file": str(path),
                    "predicted_class": prediction.predicted_class,
                    "confidence": round(prediction.confidence, 4),
                    "all_predictions": [
                        {"class_name": s.class_name, "confidence": round(s.confidence, 4)}
                        for s in prediction.all_predictions
                    ],
                    "quality_warnings": [warning.code for warning in prediction.quality_warnings],
                }
            )
        )
    if failures:
        sys.exit(1)


def run_convert(args: argparse.Namespace) -> None:
    from .convert import calibration_sample, convert_artifact
    from .serving.artifact import read_artifact_info

    images = None
    if args.calibration_data is not None:
        images = calibration_sample(
            args.calibration_data,
            read_artifact_info(args.artifact).image_size,
            args.calibration_splits,
            "train",
            args.calibration_count,
        )
    runtimes = tuple(args.runtimes) if args.runtimes else None
    convert_artifact(args.artifact, runtimes, args.default, images, args.calibration_method)
    print(args.artifact)


def run_answer_graph(args: argparse.Namespace) -> None:
    from .answer_graph import write_answer_graph

    print(write_answer_graph(args.artifact))


def run_package(args: argparse.Namespace) -> None:
    from .export import package_for_serving

    print(package_for_serving(args.artifact, args.output, args.runtime))


def run_image_kind(args: argparse.Namespace) -> None:
    from .image_kind import add_image_kind, artifact_feature_extractor, train_image_kind
    from .serving.artifact import read_artifact_info

    info = read_artifact_info(args.artifact)
    check, report = train_image_kind(
        artifact_feature_extractor(args.artifact, args.runtime),
        info.image_size,
        args.dermoscopy,
        args.skin_photos,
        args.not_skin,
        args.splits,
        views=args.views,
        seed=args.seed,
        max_dermoscopy=args.max_dermoscopy,
        model_version=info.model_version,
        with_picture_statistics=True,
    )
    path = add_image_kind(args.artifact, check, report)
    summary = {
        "dermoscopy_threshold": round(check.dermoscopy_threshold, 4),
        "validation_recall": report["validation"]["recall"],
        "test_recall": (report["test"] or {}).get("recall"),
        "dermoscopy_flagged": report["dermoscopy_flagged"],
    }
    print(json.dumps(summary))
    print(path)


def run_synthetic(args: argparse.Namespace) -> None:
    from .synthetic import make_synthetic_dataset

    print(make_synthetic_dataset(args.output, args.images_per_class, args.image_size, args.seed))


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format=LOG_FORMAT)
    commands = {
        "train": run_train,
        "evaluate": run_evaluate,
        "calibrate": run_calibrate,
        "predict": run_predict,
        "convert": run_convert,
        "answer-graph": run_answer_graph,
        "package": run_package,
        "image-kind": run_image_kind,
        "synthetic": run_synthetic,
    }
    commands[args.command](args)


if __name__ == "__main__":
    main()
