"""Honest classification figures for unequal classes, from true labels and predicted probabilities."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np

# Equal-width confidence bins of the reliability tables and diagram, and of the ECE before/after beside them.
RELIABILITY_BINS = 10
# Validation answers at or above the uncertainty threshold must be right this often (TrainConfig's default).
UNCERTAIN_TARGET_ACCURACY = 0.80
# No threshold may leave fewer than this share of validation answered: above it, accuracy is a few images' luck.
UNCERTAIN_MIN_COVERAGE = 0.05


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def balanced_accuracy(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> float:
    """Mean recall over the classes present in `labels`."""
    recalls = [np.mean(predicted[labels == c] == c) for c in range(num_classes) if np.any(labels == c)]
    return float(np.mean(recalls))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def expected_calibration_error(probabilities: np.ndarray, y_true: np.ndarray, bins: int = RELIABILITY_BINS) -> float:
    """Gap between top confidence and accuracy, averaged over equal-width confidence bins (the reliability
    diagram's, so that one figure is quoted everywhere)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def reliability_bins(
    probabilities: np.ndarray, y_true: np.ndarray, bins: int = RELIABILITY_BINS
) -> list[dict[str, Any]]:
    """Per equal-width bin of top confidence (low, high]: images, their mean confidence and their accuracy
    (None for an empty bin). The same bins as `expected_calibration_error`, which is their count-weighted gap."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    rows = []
    for low, high in itertools.pairwise(np.linspace(0.0, 1.0, bins + 1)):
        in_bin = (confidence > low) & (confidence <= high)
        rows.append(
            {
                "low": round(float(low), 4),
                "high": round(float(high), 4),
                "count": int(in_bin.sum()),
                "mean_confidence": float(confidence[in_bin].mean()) if in_bin.any() else None,
                "accuracy": float(correct[in_bin].mean()) if in_bin.any() else None,
            }
        )
    return rows


def calibration_report(
    logits: np.ndarray, probabilities: np.ndarray, y_true: np.ndarray, bins: int = RELIABILITY_BINS
) -> dict[str, Any]:
    """ECE and reliability bins before calibration (softmax of the raw logits: temperature 1, no class bias)
    and after (`probabilities`, the served ones)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    before = softmax(np.asarray(logits, dtype=np.float64))
    return {
        "ece_before": expected_calibration_error(before, y_true, bins),
        "ece_after": expected_calibration_error(probabilities, y_true, bins),
        "bins_before": reliability_bins(before, y_true, bins),
        "bins_after": reliability_bins(probabilities, y_true, bins),
    }


def uncertainty_report(probabilities: np.ndarray, y_true: np.ndarray, threshold: float) -> dict[str, Any]:
    """What flagging answers with a top confidence below `threshold` as uncertain means on one set: the share
    answered (confidence >= threshold), accuracy and balanced accuracy of those, and accuracy of the uncertain
    rest (None where a part is empty)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    confidence = probabilities.max(axis=1)
    predicted = probabilities.argmax(axis=1)
    correct = predicted == y_true
    answered = confidence >= threshold
    return {
        "threshold": round(float(threshold), 4),
        "samples": len(y_true),
        "answered": int(answered.sum()),
        "coverage": float(answered.mean()) if len(y_true) else 0.0,
        "answered_accuracy": float(correct[answered].mean()) if answered.any() else None,
        "answered_balanced_accuracy": (
            balanced_accuracy(y_true[answered], predicted[answered], probabilities.shape[1]) if answered.any() else None
        ),
        "uncertain_accuracy": float(correct[~answered].mean()) if (~answered).any() else None,
    }


def choose_uncertainty_threshold(
    probabilities: np.ndarray,
    y_true: np.ndarray,
    target_accuracy: float = UNCERTAIN_TARGET_ACCURACY,
    min_coverage: float = UNCERTAIN_MIN_COVERAGE,
) -> dict[str, Any]:
    """The lowest top-confidence threshold at which the answers at or above it are right at least
    `target_accuracy` of the time, with what it means on this set (`uncertainty_report`).

    Candidates are the observed confidences (to 4 decimals, rounded down so each keeps its own image), among
    those leaving at least `min_coverage` of the set answered. When none reaches the target, the highest
    candidate is used and `target_reached` is False: most answers are then flagged as uncertain.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    if not len(y_true):
        raise ValueError("Choosing an uncertainty threshold needs at least one image")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    candidates = np.unique(np.floor(confidence * 10_000) / 10_000)  # ascending
    answered = np.array([(confidence >= t).sum() for t in candidates])
    right = np.array([correct[confidence >= t].sum() for t in candidates])
    sensible = answered >= max(1, math.ceil(min_coverage * len(y_true)))
    reaching = np.flatnonzero(sensible & (right >= target_accuracy * answered - 1e-9))
    reached = len(reaching) > 0
    threshold = candidates[reaching[0]] if reached else candidates[np.flatnonzero(sensible)[-1]]
    return {
        **uncertainty_report(probabilities, y_true, float(threshold)),
        "target_accuracy": target_accuracy,
        "target_reached": reached,
        "min_coverage": min_coverage,
    }


def evaluate_probabilities(y_true: np.ndarray, probabilities: np.ndarray, class_names: list[str]) -> dict[str, Any]:
    """Accuracy beside balanced accuracy, macro and per-class scores, confusion matrix, calibration and
    the majority-class baseline (always answering the most frequent true class of this very set)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    num_classes = len(class_names)
    y_pred = probabilities.argmax(axis=1)
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    support = matrix.sum(axis=1)
    predicted = matrix.sum(axis=0)
    true_positive = np.diag(matrix)
    recall = _safe_divide(true_positive, support)
    precision = _safe_divide(true_positive, predicted)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    present = support > 0  # classes absent from this set do not drag the macro averages to zero
    majority = int(np.argmax(support))
    return {
        "samples": len(y_true),
        "accuracy": float((y_pred == y_true).mean()) if len(y_true) else 0.0,
        "balanced_accuracy": float(recall[present].mean()) if present.any() else 0.0,
        "macro_precision": float(precision[present].mean()) if present.any() else 0.0,
        "macro_recall": float(recall[present].mean()) if present.any() else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "expected_calibration_error": expected_calibration_error(probabilities, y_true) if len(y_true) else 0.0,
        "majority_baseline": {
            "class_name": class_names[majority],
            "accuracy": float(support[majority] / max(support.sum(), 1)),
            "balanced_accuracy": float(1.0 / max(present.sum(), 1)),
        },
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(class_names)
        },
        "confusion_matrix": matrix.tolist(),
    }


def plot_confusion_matrix(report: dict[str, Any], path: str | Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["per_class"])
    matrix = np.array(report["confusion_matrix"])
    row_share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    figure, axes = plt.subplots(figsize=(1.1 * len(names) + 3, 1.0 * len(names) + 2.5))
    axes.imshow(row_share, cmap="Blues", vmin=0, vmax=1)
    for (row, column), count in np.ndenumerate(matrix):
        axes.text(
            column,
            row,
            f"{count}\n{row_share[row, column]:.0%}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if row_share[row, column] > 0.5 else "black",
        )
    axes.set_xticks(range(len(names)), names, rotation=40, ha="right")
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"{title}\nbalanced accuracy {report['balanced_accuracy']:.1%}, accuracy {report['accuracy']:.1%}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_training_curves(history: list[dict[str, Any]], path: str | Path) -> None:
    """Loss and balanced accuracy per epoch, all phases on one time axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (loss_axes, score_axes) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, len(history) + 1)
    for key, axes in (("loss", loss_axes), ("balanced_accuracy", score_axes)):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = [row.get(prefix + key, np.nan) for row in history]
            axes.plot(epochs, values, style, label=(prefix or "train_") + key)
        axes.set_xlabel("epoch (all phases)")
        axes.set_title(key.replace("_", " "))
    for axes in (loss_axes, score_axes):
        for boundary in [i + 0.5 for i in range(1, len(history)) if history[i]["phase"] != history[i - 1]["phase"]]:
            axes.axvline(boundary, color="grey", linewidth=0.8)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_reliability(reports: dict[str, dict[str, Any]], path: str | Path, temperature: float) -> None:
    """Reliability diagrams, before (top row) and after (bottom row) temperature scaling, one column per split.

    `reports` maps split names to `calibration_report`s. Bars span their confidence bin up to its accuracy;
    the hatched part is the gap to the bin's mean confidence; the dashed diagonal is perfect calibration.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, len(reports), figsize=(5.2 * len(reports), 10), squeeze=False)
    stages = (
        ("before", "before temperature scaling (T = 1)"),
        ("after", f"after temperature scaling (T = {temperature:g})"),
    )
    for column, (split, report) in enumerate(reports.items()):
        for row, (stage, words) in enumerate(stages):
            plot = axes[row, column]
            for entry in report[f"bins_{stage}"]:
                if not entry["count"]:
                    continue
                width = entry["high"] - entry["low"]
                accuracy, confidence = entry["accuracy"], entry["mean_confidence"]
                plot.bar(
                    entry["low"], accuracy, width, align="edge", color="tab:blue", edgecolor="black", linewidth=0.6
                )
                plot.bar(
                    entry["low"],
                    confidence - accuracy,
                    width,
                    bottom=accuracy,
                    align="edge",
                    color="none",
                    edgecolor="tab:red",
                    hatch="//",
                    linewidth=0.6,
                )
                plot.text(
                    entry["low"] + width / 2,
                    max(accuracy, confidence) + 0.015,
                    str(entry["count"]),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
            plot.plot([0, 1], [0, 1], "--", color="grey", linewidth=1)
            plot.set_xlim(0, 1)
            plot.set_ylim(0, 1.1)
            plot.set_xlabel("confidence (top class)")
            plot.set_ylabel("accuracy")
            samples = sum(entry["count"] for entry in report[f"bins_{stage}"])
            plot.set_title(f"{split} ({samples} images), {words}\nECE {report[f'ece_{stage}']:.3f}", fontsize=10)
    figure.suptitle("Reliability: bars are accuracy per confidence bin (images above), hatched the gap to confidence")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
