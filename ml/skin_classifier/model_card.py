"""The model card (README.md) of an artifact, written from the artifact's own JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .serving.artifact import CLASS_INDEX_FILE, INTENDED_USE, MANIFEST_FILE, METRICS_FILE, NOT_A_MEDICAL_DEVICE
from .serving.machine import package_versions, packages_text
from .source_card import data_sources_lines, held_out_sources_lines

# The split of labelled images from another source (calibration.OTHER_SOURCE; no TensorFlow import here).
OTHER_SOURCE = "other-source"
# Benchmark reports stored with the artifact, each as JSON and Markdown.
BENCHMARKS_DIR = "benchmarks"
# The reliability diagram, before and after temperature scaling (see `calibration`).
RELIABILITY_PLOT = "reliability.png"
# A held-out split whose accuracy above the uncertainty threshold is this far below the target is called out.
SHORTFALL = 0.05
# Markdown reports shown in the card, in this order: ml/benchmarks/levers.py, recipe_search.py,
# compare_backbones.py and runtime_benchmark.py.
REPORT_SECTIONS = {
    "levers.md": "What each lever gave",
    "recipe_search.md": "How the recipe was chosen",
    "backbones.md": "Backbones compared",
    "runtimes.md": "Serving runtimes",
}

LIMITS = """\
- It recognises only the classes listed above. A photo of anything else (another skin disease, healthy
  skin, a non-skin object) still gets one of these labels, often with high confidence.
- Accuracy was measured on held-out splits of the same data set (`test`: random lesions; `shift`, where
  present: body sites never trained on) and, where present, on dermoscopy from other clinics (`Other
  clinics`). Photos from other cameras, lighting or skin tones, and phone photos, can do worse than any.
- Confidences are the model's temperature-scaled softmax outputs; see the calibration figures above before
  reading them as probabilities.
- This is not a medical device and gives no diagnosis. Anyone worried about a skin lesion should see a
  doctor or dermatologist."""


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _metrics_section(name: str, report: dict[str, Any], title: str = "") -> list[str]:
    lines = [
        f"### {title or name + ' split'} ({report['samples']} images)",
        "",
        "| metric | value |",
        "|---|---|",
        f"| balanced accuracy (mean per-class recall) | {_percent(report['balanced_accuracy'])} |",
        f"| macro F1 | {_percent(report['macro_f1'])} |",
        f"| plain accuracy | {_percent(report['accuracy'])} |",
        (
            f"| majority-class baseline accuracy ({report['majority_baseline']['class_name']}) "
            f"| {_percent(report['majority_baseline']['accuracy'])} |"
        ),
        (
            f"| majority-class baseline balanced accuracy | "
            f"{_percent(report['majority_baseline']['balanced_accuracy'])} |"
        ),
        f"| expected calibration error (10 bins) | {report['expected_calibration_error']:.3f} |",
        "",
        "| class | recall | precision | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for class_name, scores in report["per_class"].items():
        lines.append(
            f"| {class_name} | {_percent(scores['recall'])} | {_percent(scores['precision'])} "
            f"| {_percent(scores['f1'])} | {scores['support']} |"
        )
    names = list(report["per_class"])
    lines += ["", "Confusion matrix (rows: true class, columns: predicted, same order as above):", "", "```"]
    lines += [
        " ".join(f"{count:5d}" for count in row) + f"   {names[i]}" for i, row in enumerate(report["confusion_matrix"])
    ]
    lines += ["```", ""]
    return lines


def _other_source_section(report: dict[str, Any] | None, source: dict[str, Any]) -> list[str]:
    """The `other-source` split: dermoscopy from clinics and devices the training data never came from."""
    if not report:
        return []
    uncertainty = report.get("uncertainty", {})
    answered, rest = uncertainty.get("answered_accuracy"), uncertainty.get("uncertain_accuracy")
    lines = [
        "## Other clinics",
        "",
        (
            f"`{source.get('source', 'other-source')}`: labelled dermoscopy images from clinics and devices beyond "
            "the training data's, never trained on. Recipes and backbones were chosen by these figures, so they "
            "are a little optimistic for images from elsewhere again; the calibration section below gives their "
            "calibration error before and after temperature scaling."
        ),
        "",
    ]
    if answered is not None:
        lines += [
            (
                f"Answers at or above the uncertainty threshold: {_percent(uncertainty.get('coverage'))} of these "
                f"images, {_percent(answered)} of them right; the answers flagged uncertain are right "
                f"{_percent(rest)} of the time."
            ),
            "",
        ]
    return lines + _metrics_section(OTHER_SOURCE, report, title=source.get("source", OTHER_SOURCE))


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _lowest_reachable(calibration: dict[str, Any]) -> str:
    """'0.041 (T = 2.30)' from a split's `lowest_reachable`, or '-' for metrics written before it existed."""
    lowest = calibration.get("lowest_reachable")
    return f"{lowest['ece']:.3f} (T = {lowest['temperature']:.2f})" if lowest else "-"


def _calibration_section(artifact_dir: Path, calibration: dict[str, Any], metrics: dict[str, Any]) -> list[str]:
    """Temperature, ECE before and after, the uncertainty threshold per split, and a reliability table."""
    splits = {name: report for name, report in metrics.items() if isinstance(report, dict) and "calibration" in report}
    if not splits:
        return []
    bias = calibration.get("class_bias") or []
    lines = [
        "## Calibration",
        "",
        (
            "Confidences are softmax(logits / T + class bias), with the temperature T = "
            f"{calibration.get('temperature')} fitted on the `{calibration.get('fitted_on', 'val')}` split "
            + (
                f"and {views} phone-like perturbed views of each of its images (crops, blur, colour, JPEG), "
                "so that it allows for some of the drift of images from elsewhere "
                if (views := calibration.get("perturbed_views"))
                else ""
            )
            + "(the value minimising their negative log-likelihood)"
            + (f" and the per-class bias {bias}." if any(bias) else "; the per-class bias is zero.")
            + " ECE is the expected calibration error: the gap between mean confidence and accuracy in 10 "
            "equal-width confidence bins, weighted by their images. Before: the softmax of the raw logits "
            "(T = 1, no bias); after: the confidences the model serves."
        ),
        "",
        "| split | images | ECE before | ECE after | lowest any temperature reaches (at T) |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {report['samples']} | {report['calibration']['ece_before']:.3f} "
            f"| {report['calibration']['ece_after']:.3f} | {_lowest_reachable(report['calibration'])} |"
            for name, report in splits.items()
        ],
        "",
        (
            "The `val` figure is measured on the images the temperature was fitted on, so it flatters. `test` "
            "(lesions never trained on) estimates calibration on images like the training data."
            + (
                " The `shift` split's ECE (body sites never trained on) is the estimate for images from "
                "elsewhere, and even that may be optimistic for photos from other clinics, cameras or skin tones."
                " The last column is a diagnostic, never used to fit: the lowest ECE a temperature fitted on that "
                "split itself would reach. Where it stays high, the gap is the model's (which answers it gets "
                "wrong), not the calibration's, and only a better model closes it."
                if "shift" in splits
                else " No split here comes from elsewhere: expect confidences on other images to be less "
                "well calibrated than these figures say."
            )
        ),
        "",
    ]
    threshold = calibration.get("uncertainty_threshold")
    uncertainty = calibration.get("uncertainty", {})
    if threshold is not None:
        target = _percent(uncertainty.get("target_accuracy"))
        lines += [
            "### Uncertainty threshold",
            "",
            (
                f"Answers whose top confidence is below **{threshold}** are to be flagged as uncertain. It is the "
                f"lowest confidence at which the validation answers at or above it were right at least {target} "
                f"of the time (leaving at least {_percent(uncertainty.get('min_coverage'))} of them answered)."
            ),
            "",
        ]
        if uncertainty.get("target_reached") is False:
            lines += [
                (
                    f"**No threshold reached {target} on validation**, so this is the highest one that still "
                    "answers that share: most answers are flagged as uncertain, and those answered still fall "
                    "short of the target."
                ),
                "",
            ]
        lines += [
            (
                "| split | answered (confidence ≥ threshold) | accuracy of answered | balanced accuracy of answered "
                "| accuracy of uncertain |"
            ),
            "|---|---|---|---|---|",
        ]
        for name, report in splits.items():
            figures = report.get("uncertainty")
            if figures:
                lines.append(
                    f"| {name} | {_percent(figures['coverage'])} ({figures['answered']} of {figures['samples']}) "
                    f"| {_percent(figures['answered_accuracy'])} | {_percent(figures['answered_balanced_accuracy'])} "
                    f"| {_percent(figures['uncertain_accuracy'])} |"
                )
        lines.append("")
        short = [
            f"`{name}` ({_percent(report['uncertainty']['answered_accuracy'])})"
            for name, report in splits.items()
            if name != "val"
            and report.get("uncertainty", {}).get("answered_accuracy") is not None
            and report["uncertainty"]["answered_accuracy"] < uncertainty.get("target_accuracy", 0) - SHORTFALL
        ]
        if short:
            lines += [
                (
                    f"Answers at or above the threshold fall well short of {target} on {', '.join(short)}: the "
                    "threshold was chosen on validation and does not carry its accuracy over to such images."
                ),
                "",
            ]
    if (artifact_dir / BENCHMARKS_DIR / RELIABILITY_PLOT).exists():
        lines += [
            (
                f"Reliability diagram, before and after temperature scaling: [{BENCHMARKS_DIR}/{RELIABILITY_PLOT}]"
                f"({BENCHMARKS_DIR}/{RELIABILITY_PLOT})."
            ),
            "",
        ]
    table_split = next(name for name in ("test", "shift", "val", *splits) if name in splits)
    report = splits[table_split]["calibration"]
    lines += [
        (
            f"Reliability on the `{table_split}` split, by top confidence (a calibrated model's accuracy matches its "
            "mean confidence in every bin):"
        ),
        "",
        (
            "| confidence | images before | mean confidence before | accuracy before | images after "
            "| mean confidence after | accuracy after |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for before, after in zip(report["bins_before"], report["bins_after"], strict=True):
        lines.append(
            f"| {before['low']:.1f}–{before['high']:.1f} | {before['count']} | {_number(before['mean_confidence'])} "
            f"| {_number(before['accuracy'])} | {after['count']} | {_number(after['mean_confidence'])} "
            f"| {_number(after['accuracy'])} |"
        )
    return [*lines, ""]


def _compute_lines(training: dict[str, Any]) -> list[str]:
    """Where and how long it trained, so a reader can judge the epoch budget."""
    timings, machine = training.get("timings_s", {}), training.get("machine")
    if not timings:
        return []
    parts = [
        f"{name.removesuffix('_s').replace('_', ' ')} {seconds / 60:.1f} min"
        for name, seconds in timings.items()
        if name != "total_s"
    ]
    where = f" on {machine['cpu']} ({machine['cores']} cores, no GPU)" if machine else ""
    return [
        (
            f"Trained in {timings.get('total_s', 0) / 60:.0f} min{where}: {', '.join(parts)}. Epochs per phase "
            f"were capped to fit that budget; see `epochs_run` below."
        ),
        "",
    ]


def _serving_section(report: dict[str, Any]) -> list[str]:
    """The API measured end to end by backend/benchmarks/serve_benchmark.py."""
    server, machine = report["server"], report["machine"]
    cpu = machine.get("cpu") or machine["cpu_model"]  # reports written before machine_facts say cpu_model
    lines = [
        "## Serving through the API",
        "",
        f"Runtime `{server['runtime']}` on {cpu} ({machine['usable_cores']} "
        f"cores): {server['time_to_healthy_s']} s from start to healthy, {server['rss_after_warmup_mb']} MB "
        f"resident after warm-up, model forward pass {report['model_forward']['forward_median_ms']} ms (median, "
        "batch 1). Command: `" + report["command"] + "`",
        "",
        (
            "Each client sends its next request as soon as its answer arrives. Requests queue while their expected "
            "wait is within `MAX_QUEUE_WAIT_S` and go through the model in batches of up to `MAX_BATCH_SIZE`; "
            "beyond that wait the API sheds them with 503 and `Retry-After` at once, counted apart."
        ),
        "",
        "| clients | requests | answered 200 | shed (503) | p50 ms | p95 ms | p99 ms | 200s per second | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [(str(level["concurrency"]), level) for level in report["levels"]]
    rows += [(f"{level['concurrency']}, with `explain=true`", level) for level in report.get("explain_levels", [])]
    lines += [
        f"| {clients} | {level['requests']} | {level.get('ok', level['requests'])} "
        f"| {level.get('failures', {}).get('503', 0)} | {level['p50_ms']} | {level['p95_ms']} "
        f"| {level['p99_ms']} | {level['throughput_rps']} | {level.get('peak_rss_mb') or '-'} |"
        for clients, level in rows
    ]
    if report.get("plot"):  # written beside the report by the benchmark
        lines += ["", f"![Answers per second and p99 latency against clients]({BENCHMARKS_DIR}/{report['plot']})"]
    forward = report["model_forward"]
    if "answer_with_heatmap_median_ms" in forward:
        lines += [
            "",
            (
                f"In-process medians: decoding (with the quality check's grey picture) "
                f"{forward['preprocess_median_ms']} ms, the forward pass {forward['forward_median_ms']} ms, the answer "
                f"from its outputs (the answer graph, ranking) {forward['answer_median_ms']} ms, and with the heat map "
                f"{forward['answer_with_heatmap_median_ms']} ms."
            ),
        ]
    return [*lines, ""]


def _phase_text(phase: str, settings: dict[str, Any]) -> str:
    """'2-from-block7a' -> 'the base from `block7a` on at 0.0001', from the phase names training records."""
    if "-from-" not in phase:
        return f"the head on a frozen base at {settings.get('head_learning_rate')}"
    block = phase.split("-from-", 1)[1]
    schedule = " under a cosine schedule" if phase.startswith("3") else ""
    return f"the base from `{block}` on at {settings.get('fine_tune_learning_rate')}{schedule}"


VIEW_NAMES = {"image": "the image", "flip_left_right": "mirrored left to right", "flip_up_down": "upside down"}


def _member_views_text(ensemble: dict[str, Any], settings: dict[str, Any]) -> str:
    """What each ensemble member sees, and so how many forward passes an answer costs."""
    views = ensemble.get("views") or [
        ["image", *(["flip_left_right", "flip_up_down"] if settings.get("flip_tta") else [])]
    ] * len(ensemble["members"])
    passes = sum(len(seen) for seen in views)
    if all(seen == views[0] for seen in views):
        if len(views[0]) == 1:
            return f"one forward pass each ({passes} in all)"
        return f"each member seeing the same {len(views[0])} images ({passes} forward passes)"
    described = "; ".join(
        f"member {index + 1}: " + ", ".join(VIEW_NAMES.get(view, view) for view in seen)
        for index, seen in enumerate(views)
    )
    return f"each member seeing the image and other mirror images ({described}; {passes} forward passes)"


def _architecture_text(training: dict[str, Any]) -> str:
    backbone = training.get("backbone", "vgg16")
    settings = training.get("settings", {})
    calibration = training.get("calibration", {})
    epochs_run = training.get("epochs_run", {})
    ran = [name for name, epochs in epochs_run.items() if epochs]
    skipped = [f"`{name}`" for name, epochs in epochs_run.items() if not epochs]
    parts = [
        f"`{backbone}` convolutional base (see `skin_classifier/backbones/registry.py`) behind the model's own "
        "pixel normalisation layer, with a head of global average pooling, batch normalisation, "
        + ("one dense layer, " if settings.get("head_units", 1) else "")
        + "dropout and a calibrated softmax. Fine-tuned in "
        + ("three phases" if len(ran) == 3 else f"{len(ran)} of the three phases")
        + " ("
        + (f"AdamW, weight decay {settings['weight_decay']}" if settings.get("weight_decay") else "Adam")
        + (f", label smoothing {settings['label_smoothing']}" if settings.get("label_smoothing") else "")
        + "): "
        + "; ".join(_phase_text(name, settings) for name in ran)
        + (f" ({', '.join(skipped)}: 0 epochs, skipped)" if skipped else "")
        + ". Each phase keeps its best epoch by validation balanced accuracy, and the best phase is kept "
        f"(here `{training.get('selected_phase', 'n/a')}`).",
    ]
    if settings.get("colour_constancy"):
        parts.append("Shades-of-Gray colour constancy is the model's first layer.")
    if settings.get("train_batchnorm"):
        parts.append("The unfrozen blocks' batch normalisation learned the training images' statistics.")
    if settings.get("flip_tta"):
        parts.append("Served as the mean of the image and its two mirror images (three forward passes).")
    members = training.get("ensemble", {}).get("members", [])
    if members:
        seeds = ", ".join(str(member.get("seed")) for member in members)
        parts.append(
            f"Served as an ensemble of {len(members)} models trained this way on the same splits (seeds {seeds}): "
            f"the mean of their logits under one temperature, {_member_views_text(training['ensemble'], settings)}"
            "; the settings above are the first "
            "member's, and heat maps and the image-kind check read the first member's features."
        )
        minutes = [member.get("training_s") for member in members]
        if all(minutes):
            parts.append(
                "Training took "
                + " and ".join(f"{seconds / 60:.0f} min" for seconds in minutes)
                + " for the members (the time below is the first member's)."
            )
    if calibration:
        parts.append(
            f"Calibration fitted on the {calibration.get('fitted_on', 'validation')} split: temperature "
            f"{calibration.get('temperature')}, per-class logit bias {calibration.get('class_bias')}."
        )
    return " ".join(parts)


def _image_kind_section(artifact_dir: Path, summary: dict[str, Any] | None) -> list[str]:
    """The image-kind check: its rule, images per split and confusion matrices, from image_kind.json's report."""
    if not summary:
        return []
    report = json.loads((artifact_dir / summary["file"]).read_text(encoding="utf-8")).get("report", {})
    kinds = summary["kinds"]
    flagged = report.get("dermoscopy_flagged", {})
    lines = [
        "## Image kind: dermoscopy, skin photo or not skin",
        "",
        (
            "Before the lesion answer, a logistic regression on the model's pooled features (with the picture's "
            "colour and texture statistics, where the check was trained with them) says what kind of "
            f"image arrived (version `{summary['version']}`). An image is `dermoscopy` when its dermoscopy "
            f"probability is at least {summary['dermoscopy_threshold']:.3f}, otherwise the likelier of `not-skin` "
            "and `skin-photo`. The threshold was chosen on validation: never above the value that calls 1% of "
            "validation dermoscopy images something else, and below it as low as keeps 90% of validation skin "
            "photos and 97% of everyday photos told right. Trained on the lesion training split (dermoscopy), "
            "ordinary clinical photos of 27 skin conditions and everyday photos, with augmented views (crops, "
            "blur, phone-like colour, JPEG quality)."
        ),
        "",
        "Dermoscopy images called something else: "
        + ", ".join(f"{split} {_percent(share)}" for split, share in flagged.items() if share is not None)
        + " (the shift split holds body sites the lesion model never trained on).",
        "",
    ]
    for split in ("validation", "test"):
        if not report.get(split):
            continue
        matrix = report[split]["confusion_matrix"]
        lines += [
            f"{split.capitalize()} confusion matrix (rows: true kind, columns: called):",
            "",
            "| true kind | " + " | ".join(kinds) + " | recall |",
            "|---" * (len(kinds) + 2) + "|",
        ]
        for kind, row in zip(kinds, matrix, strict=True):
            recall = report[split]["recall"].get(kind)
            lines.append(f"| {kind} | " + " | ".join(str(n) for n in row) + f" | {_percent(recall)} |")
        lines.append("")
    return lines


def write_model_card(artifact_dir: Path) -> None:
    manifest = json.loads((artifact_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    class_index = json.loads((artifact_dir / CLASS_INDEX_FILE).read_text(encoding="utf-8"))
    metrics_path = artifact_dir / METRICS_FILE
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    training = manifest.get("training", {})
    data = training.get("data", {})
    lines = [
        f"# Model card: skin lesion classifier ({training.get('backbone', 'vgg16')} transfer learning)",
        "",
        f"Model version `{manifest['model_version']}`, created {manifest.get('created_at', 'n/a')}.",
        (
            f"Runtimes in this folder: {', '.join(f'`{name}`' for name in manifest['runtimes'])} "
            f"(default `{manifest['default_runtime']}`)."
        ),
        f"Packages installed where this card was written (export, calibration): {packages_text(package_versions())}.",
        "",
        "## Intended use",
        "",
        str(manifest.get("intended_use") or INTENDED_USE).replace(NOT_A_MEDICAL_DEVICE, f"**{NOT_A_MEDICAL_DEVICE}**"),
        "",
        "## Classes",
        "",
        *[f"- {name}" for name in class_index],
        "",
        "## Data",
        "",
        data.get("description", "Folder-per-class image data set."),
        "",
        f"- Source folder: `{data.get('source', 'n/a')}`; licence: {data.get('licence', 'see the data set')}",
        f"- Split: {data.get('split', 'n/a')}",
        f"- Images per split: {json.dumps(data.get('split_sizes', {}))}",
        f"- Unreadable files skipped: {data.get('skipped_files', 0)}",
        *data_sources_lines(data),
        "",
        "## Training",
        "",
        _architecture_text(training),
        "",
        *_compute_lines(training),
        "```json",
        json.dumps({key: value for key, value in training.items() if key != "data"}, indent=2),
        "```",
        "",
        "## Evaluation",
        "",
        "Measured on images of lesions that never appeared in training.",
        "",
    ]
    for split_name, report in metrics.items():
        if isinstance(report, dict) and "balanced_accuracy" in report and split_name != OTHER_SOURCE:
            lines += _metrics_section(split_name, report)
    if not any(isinstance(r, dict) and "balanced_accuracy" in r for r in metrics.values()):
        lines += ["No evaluation figures were recorded for this artifact.", ""]
    lines += _other_source_section(metrics.get(OTHER_SOURCE), data.get("other_source", {}))
    lines += held_out_sources_lines(metrics.get("sources"))
    lines += _calibration_section(artifact_dir, training.get("calibration", {}), metrics)
    lines += _image_kind_section(artifact_dir, manifest.get("image_kind"))
    for report_name, title in REPORT_SECTIONS.items():
        report = artifact_dir / BENCHMARKS_DIR / report_name
        if report.exists():
            body = report.read_text(encoding="utf-8").split("\n", 2)[2]  # drop the report's own title
            lines += [f"## {title}", "", body.strip(), ""]
    serving_report = artifact_dir / BENCHMARKS_DIR / "serving.json"
    if serving_report.exists():
        lines += _serving_section(json.loads(serving_report.read_text(encoding="utf-8")))
    lines += ["## Limits", "", LIMITS, ""]
    (artifact_dir / "README.md").write_text("\n".join(lines), encoding="utf-8")
