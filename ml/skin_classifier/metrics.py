"""Honest classification figures for unequal classes, from true labels and predicted probabilities."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def expected_calibration_error(probabilities: np.ndarray, y_true: np.ndarray, bins: int = 15) -> float:
    """Gap between confidence and accuracy, averaged over equal-width confidence bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


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
