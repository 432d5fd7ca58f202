import numpy as np
import pytest

from skin_classifier.metrics import evaluate_probabilities, expected_calibration_error


def test_report_on_an_unequal_set_shows_what_plain_accuracy_hides():
    # 8 of class 0, 2 of class 1; the model always answers class 0.
    y_true = np.array([0] * 8 + [1] * 2)
    probabilities = np.tile([0.9, 0.1], (10, 1))
    report = evaluate_probabilities(y_true, probabilities, ["common", "rare"])
    assert report["accuracy"] == pytest.approx(0.8)
    assert report["balanced_accuracy"] == pytest.approx(0.5)
    assert report["per_class"]["rare"]["recall"] == 0.0
    assert report["per_class"]["common"]["precision"] == pytest.approx(0.8)
    assert report["confusion_matrix"] == [[8, 0], [2, 0]]
    assert report["majority_baseline"] == {
        "class_name": "common",
        "accuracy": pytest.approx(0.8),
        "balanced_accuracy": pytest.approx(0.5),
    }
    assert report["macro_f1"] == pytest.approx((2 * 0.8 * 1 / 1.8) / 2)


def test_expected_calibration_error():
    y_true = np.array([0, 0, 1, 1])
    confident_and_right = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert expected_calibration_error(confident_and_right, y_true) == pytest.approx(0.0)
    confident_and_wrong = confident_and_right[::-1]
    assert expected_calibration_error(confident_and_wrong, y_true) == pytest.approx(1.0)
