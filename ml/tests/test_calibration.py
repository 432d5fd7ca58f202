"""Confidence that means what it says: the uncertainty threshold, reliability before and after temperature
scaling, the model card's calibration section, and `skin-classifier calibrate` on an existing artifact."""

import json
import shutil

import keras
import numpy as np
import pytest

from skin_classifier.calibration import (
    PERTURBED_VIEWS,
    fit_calibration,
    fit_temperature,
    lowest_reachable_error,
    perturbed_views,
)
from skin_classifier.cli import main
from skin_classifier.convert import convert_artifact
from skin_classifier.export import weights_fingerprint
from skin_classifier.metrics import (
    calibration_report,
    choose_uncertainty_threshold,
    evaluate_probabilities,
    expected_calibration_error,
    reliability_bins,
    softmax,
    uncertainty_report,
)
from skin_classifier.model import (
    CALIBRATION_LAYER,
    FLIP_CORE,
    CalibratedSoftmax,
    ensemble_members,
    logits_of,
    served_model,
)
from skin_classifier.model_card import write_model_card
from skin_classifier.serving.classifier import load_classifier

# Ten answers from most to least confident; the answered accuracy at each threshold is not monotonic.
CONFIDENCE = np.array([0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5])
RIGHT = np.array([1, 1, 1, 1, 0, 1, 0, 0, 1, 0], dtype=bool)


def _two_class(confidence: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 always predicted with `confidence`; the true class is 0 where the answer is right."""
    return np.stack([confidence, 1 - confidence], axis=1), np.where(right, 0, 1)


def test_threshold_is_the_lowest_confidence_reaching_the_target():
    probabilities, labels = _two_class(CONFIDENCE, RIGHT)
    # Answered accuracy, top 1..10 answered: 1, 1, 1, 1, .8, .83, .71, .63, .67, .6
    chosen = choose_uncertainty_threshold(probabilities, labels, target_accuracy=0.8)
    assert chosen["threshold"] == pytest.approx(0.7)  # 0.75 also reaches 0.8, but 0.7 is lower
    assert chosen["target_reached"] is True
    assert chosen["answered"] == 6
    assert chosen["coverage"] == pytest.approx(0.6)
    assert chosen["answered_accuracy"] == pytest.approx(5 / 6)
    assert chosen["uncertain_accuracy"] == pytest.approx(1 / 4)
    assert chosen["answered_balanced_accuracy"] == pytest.approx(0.5)  # class 1 answered once, wrongly
    assert chosen["target_accuracy"] == 0.8
    # Everything answered already reaches 60%: the lowest observed confidence.
    assert choose_uncertainty_threshold(probabilities, labels, 0.6)["threshold"] == pytest.approx(0.5)
    assert choose_uncertainty_threshold(probabilities, labels, 0.6)["uncertain_accuracy"] is None


def test_threshold_falls_back_to_the_highest_sensible_one():
    probabilities, labels = _two_class(CONFIDENCE, RIGHT)
    # 100% is reached only with 4 or fewer answered; at least half must be answered.
    chosen = choose_uncertainty_threshold(probabilities, labels, target_accuracy=1.0, min_coverage=0.5)
    assert chosen["target_reached"] is False
    assert chosen["threshold"] == pytest.approx(0.75)
    assert chosen["coverage"] == pytest.approx(0.5)
    assert chosen["answered_accuracy"] == pytest.approx(0.8)
    # Without that floor the same target is reached by the four most confident answers.
    assert choose_uncertainty_threshold(probabilities, labels, 1.0, min_coverage=0.0)["threshold"] == pytest.approx(0.8)


def test_threshold_keeps_the_image_it_was_read_from():
    """Thresholds are stored to 4 decimals, rounded down, so the answer that set one stays answered."""
    probabilities, labels = _two_class(np.array([0.93337, 0.61119]), np.array([True, False]))
    chosen = choose_uncertainty_threshold(probabilities, labels, target_accuracy=0.9)
    assert chosen["threshold"] == 0.9333
    assert chosen["answered"] == 1
    again = uncertainty_report(probabilities, labels, chosen["threshold"])
    assert {k: again[k] for k in again} == {k: chosen[k] for k in again}


def test_reliability_bins_add_up_to_the_calibration_error():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(4) * 0.5, size=300)
    labels = rng.integers(0, 4, 300)
    bins = reliability_bins(probabilities, labels)
    assert len(bins) == 10
    assert [(b["low"], b["high"]) for b in bins][:2] == [(0.0, 0.1), (0.1, 0.2)]
    assert sum(b["count"] for b in bins) == 300
    assert bins[0] == {"low": 0.0, "high": 0.1, "count": 0, "mean_confidence": None, "accuracy": None}
    weighted_gap = sum(b["count"] / 300 * abs(b["accuracy"] - b["mean_confidence"]) for b in bins if b["count"])
    assert weighted_gap == pytest.approx(expected_calibration_error(probabilities, labels, bins=10))


def test_temperature_scaling_lowers_the_error_of_an_over_confident_model():
    """Logits far too sure of themselves: 99% confident, 70% right."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 600)
    predicted = np.where(rng.random(600) < 0.7, labels, (labels + rng.integers(1, 3, 600)) % 3)
    logits = 6.0 * np.eye(3)[predicted] + rng.normal(0, 0.5, (600, 3))
    temperature = fit_temperature(logits, labels)
    assert temperature > 2
    report = calibration_report(logits, softmax(logits / temperature), labels)
    assert report["ece_before"] > 0.2
    assert report["ece_after"] < report["ece_before"] / 3
    assert sum(b["count"] for b in report["bins_before"]) == sum(b["count"] for b in report["bins_after"]) == 600
    # Before calibration nearly every answer sits in the top bin, at about 70% accuracy.
    assert report["bins_before"][-1]["count"] > 500
    assert report["bins_before"][-1]["accuracy"] == pytest.approx(0.7, abs=0.05)


def test_the_temperature_is_fitted_for_the_served_formula():
    """Answers drawn from softmax(z / 2 + b): with b given, the fit finds T = 2 for that very formula."""
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 3, (4000, 3))
    bias = np.array([1.0, -0.5, -0.5])
    probabilities = softmax(logits / 2.0 + bias)
    labels = np.array([rng.choice(3, p=row) for row in probabilities])
    assert fit_temperature(logits, labels, bias) == pytest.approx(2.0, rel=0.1)
    assert fit_temperature(logits, labels) != pytest.approx(2.0, rel=0.1)  # ignoring the bias misfits it


def _calibrated(temperature=1.0, bias=(0.0, 0.0, 0.0)):
    layer = CalibratedSoftmax(name=CALIBRATION_LAYER)
    layer.build((None, 3))
    layer.set_weights([np.float32(temperature), np.asarray(bias, np.float32)])
    return keras.Sequential([keras.Input((3,)), layer])


def test_calibration_also_fits_the_perturbed_views():
    """Perturbed views answered worse than the clean images ask for a higher temperature; the manifest says
    how many views per image were used."""
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 300)
    clean = 5.0 * np.eye(3)[labels] + rng.normal(0, 0.5, (300, 3))  # nearly always right
    wrong = np.where(rng.random(600) < 0.5, np.repeat(labels, 2), (np.repeat(labels, 2) + 1) % 3)
    drifted = 5.0 * np.eye(3)[wrong] + rng.normal(0, 0.5, (600, 3))  # half wrong, as sure of itself
    alone = fit_calibration(_calibrated(), clean, clean[:0], labels, np.zeros(3))
    both = fit_calibration(_calibrated(), clean, drifted, labels, np.zeros(3))
    assert alone["perturbed_views"] == 0 and both["perturbed_views"] == 2
    assert both["temperature"] > 2 * alone["temperature"]


def test_a_fitted_class_bias_is_stored_so_that_the_served_answers_are_the_fitted_ones():
    """The bias is searched in logit units (argmax(z + b)); the softmax adds it after dividing by T."""
    rng = np.random.default_rng(5)
    labels = np.r_[np.zeros(270, int), np.ones(20, int), np.full(10, 2)]
    logits = rng.normal(0, 1, (300, 3)) + 1.5 * np.eye(3)[labels] + np.array([2.0, 0.0, 0.0])
    model = _calibrated()
    fitted = fit_calibration(model, logits, logits[:0], labels, None)
    temperature, stored = model.layers[-1].get_weights()
    assert fitted["temperature"] == pytest.approx(float(temperature), abs=1e-4) and fitted["temperature"] != 1
    in_logit_units = stored * temperature
    served = np.asarray(model(logits.astype(np.float32)))
    np.testing.assert_array_equal(served.argmax(1), (logits + in_logit_units).argmax(1))
    assert (served.argmax(1) == 1).sum() > (logits.argmax(1) == 1).sum()  # the bias moved rare answers up


def test_perturbed_views_depend_on_the_image_position_only():
    """Batched or not, image i gets the same views; and they differ from the image itself."""
    rng = np.random.default_rng(6)
    images = rng.integers(0, 256, (5, 40, 40, 3), dtype=np.uint8)
    whole = perturbed_views(images)
    assert whole.shape == (5 * PERTURBED_VIEWS, 40, 40, 3) and whole.dtype == np.uint8
    np.testing.assert_array_equal(
        perturbed_views(images[2:4], first_index=2), whole[2 * PERTURBED_VIEWS : 4 * PERTURBED_VIEWS]
    )
    assert not np.array_equal(whole[0], images[0])
    assert perturbed_views(images[:0]).shape == (0, 40, 40, 3)


def test_the_lowest_reachable_error_is_a_floor_for_every_temperature():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 3, 400)
    logits = 4.0 * np.eye(3)[np.where(rng.random(400) < 0.6, labels, (labels + 1) % 3)] + rng.normal(0, 1, (400, 3))
    lowest = lowest_reachable_error(logits, labels, np.zeros(3))
    for temperature in (0.5, 1.0, 2.0, lowest["temperature"], 5.0):
        assert lowest["ece"] <= expected_calibration_error(softmax(logits / temperature), labels) + 1e-12
    assert lowest["ece"] == pytest.approx(expected_calibration_error(softmax(logits / lowest["temperature"]), labels))


def _write_artifact(folder, uncertainty, with_plot=True):
    """An artifact's JSON files (no model) with calibrated metrics on val, test and shift."""
    rng = np.random.default_rng(2)
    names = ["common", "rare"]
    metrics = {}
    for split in ("val", "test", "shift"):
        labels = rng.integers(0, 2, 50)
        logits = 4 * np.eye(2)[np.where(rng.random(50) < 0.75, labels, 1 - labels)]
        probabilities = softmax(logits / 2.5)
        metrics[split] = evaluate_probabilities(labels, probabilities, names)
        metrics[split]["calibration"] = calibration_report(logits, probabilities, labels)
        if split == "shift":
            metrics[split]["calibration"]["lowest_reachable"] = {"ece": 0.0612, "temperature": 3.0844}
        metrics[split]["uncertainty"] = uncertainty_report(probabilities, labels, 0.6)
    training = {
        "backbone": "vgg16",
        "calibration": {
            "temperature": 2.5,
            "class_bias": [0.0, 0.0],
            "fitted_on": "val",
            "perturbed_views": 2,
            "uncertainty_threshold": 0.6,
            "uncertainty": uncertainty,
        },
    }
    manifest = {
        "model_version": "abc",
        "created_at": "now",
        "runtimes": {"onnx": "model.onnx"},
        "default_runtime": "onnx",
        "training": training,
    }
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "class_index.json").write_text(json.dumps({"common": 0, "rare": 1}))
    (folder / "metrics.json").write_text(json.dumps(metrics))
    if with_plot:
        (folder / "benchmarks").mkdir()
        (folder / "benchmarks" / "reliability.png").write_bytes(b"png")
    write_model_card(folder)
    return (folder / "README.md").read_text(), metrics


def test_model_card_shows_the_calibration_section(tmp_path):
    uncertainty = {"target_accuracy": 0.8, "target_reached": True, "min_coverage": 0.05}
    card, metrics = _write_artifact(tmp_path / "artifact", uncertainty)
    section = card.split("## Calibration", 1)[1].split("## Limits", 1)[0]
    assert "temperature T = 2.5 fitted on the `val` split and 2 phone-like perturbed views of each" in section
    assert "| shift | 50 |" in section and section.count("| 0.061 (T = 3.08) |") == 1
    assert "| val | 50 |" in section and "| - |" in section  # metrics without the figure show a dash
    assert "| split | images | ECE before | ECE after |" in section
    for split in ("val", "test", "shift"):
        figures = metrics[split]["calibration"]
        assert f"| {split} | 50 | {figures['ece_before']:.3f} | {figures['ece_after']:.3f} |" in section
        assert f"| {split} | {100 * metrics[split]['uncertainty']['coverage']:.1f}% (" in section
    assert "The `shift` split's ECE (body sites never trained on) is the estimate for images from elsewhere" in section
    assert "below **0.6**" in section and "at least 80.0% of the time" in section
    assert "No threshold reached" not in section
    # Held-out splits answered well below the target are named (val, where it was chosen, is not).
    assert "fall well short of 80.0% on `test` (68.0%), `shift` (72.0%)" in section
    assert "[benchmarks/reliability.png](benchmarks/reliability.png)" in section
    assert "Reliability on the `test` split" in section
    assert "| 0.9–1.0 |" in section and "| 0.0–0.1 | 0 | - | - | 0 | - | - |" in section


def test_model_card_says_when_no_threshold_reached_the_target(tmp_path):
    uncertainty = {"target_accuracy": 0.95, "target_reached": False, "min_coverage": 0.05}
    card, _ = _write_artifact(tmp_path / "artifact", uncertainty, with_plot=False)
    assert "**No threshold reached 95.0% on validation**" in card
    assert "reliability.png" not in card


def test_training_records_the_threshold_and_reliability(trained_run):
    output, artifact = trained_run
    calibration = json.loads((artifact / "manifest.json").read_text())["training"]["calibration"]
    threshold = calibration["uncertainty_threshold"]
    assert isinstance(threshold, float) and threshold == round(threshold, 4) and 0 < threshold <= 1
    assert calibration["uncertainty"]["target_accuracy"] == 0.8
    assert calibration["perturbed_views"] == PERTURBED_VIEWS
    metrics = json.loads((artifact / "metrics.json").read_text())
    assert set(metrics) == {"val", "test"}
    for report in metrics.values():
        assert {"ece_before", "ece_after", "bins_before", "bins_after"} <= set(report["calibration"])
        assert len(report["calibration"]["bins_after"]) == 10
        assert report["uncertainty"]["threshold"] == threshold
        bins = report["calibration"]["bins_after"]
        gap = sum(b["count"] * abs(b["accuracy"] - b["mean_confidence"]) for b in bins if b["count"])
        assert gap / report["samples"] == pytest.approx(report["calibration"]["ece_after"])
        # The served temperature is one of those searched, so the floor is never above what is served (up to
        # float32, in which the model computes its softmax).
        assert report["calibration"]["lowest_reachable"]["ece"] <= report["calibration"]["ece_after"] + 1e-6
        assert report["expected_calibration_error"] == pytest.approx(report["calibration"]["ece_after"])
    assert metrics["val"]["uncertainty"]["coverage"] == pytest.approx(calibration["uncertainty"]["coverage"], abs=1e-4)
    assert (output / "reliability.png").stat().st_size > 0
    assert (artifact / "benchmarks" / "reliability.png").stat().st_size > 0
    card = (artifact / "README.md").read_text()
    assert "## Calibration" in card and "[benchmarks/reliability.png]" in card


def test_calibrate_command_refits_an_existing_artifact(trained_run, synthetic_dir, tmp_path, capsys):
    """Same weights and data: the same temperature, version and figures. A temperature knocked off by hand is
    fitted back, which changes the weights back, and runtimes converted from the knocked-off weights go."""
    output, artifact = trained_run
    copy = shutil.copytree(artifact, tmp_path / "artifact")
    before = json.loads((artifact / "manifest.json").read_text())
    model = keras.saving.load_model(copy / "model.keras", compile=False)
    temperature, bias = model.get_layer(CALIBRATION_LAYER).get_weights()
    model.get_layer(CALIBRATION_LAYER).set_weights([np.float32(temperature * 3), bias])
    model.save(copy / "model.keras")
    knocked_off = {
        **before,
        "model_version": weights_fingerprint(model),
        "runtimes": {"keras": "model.keras", "onnx": "model.onnx"},
    }
    (copy / "manifest.json").write_text(json.dumps(knocked_off))
    (copy / "model.onnx").write_bytes(b"converted from the knocked-off weights")
    shutil.rmtree(copy / "benchmarks")

    main(
        ["calibrate", str(copy), str(synthetic_dir), "--splits", str(output / "splits.json"), "--output", str(tmp_path)]
    )
    printed = json.loads(capsys.readouterr().out.splitlines()[0])
    after = json.loads((copy / "manifest.json").read_text())
    assert after["model_version"] == before["model_version"] != knocked_off["model_version"]
    assert after["training"]["calibration"] == before["training"]["calibration"]
    assert printed["temperature"] == before["training"]["calibration"]["temperature"]
    assert after["runtimes"] == {"keras": "model.keras"} and not (copy / "model.onnx").exists()
    assert after["training"]["settings"] == before["training"]["settings"]
    metrics, expected = (json.loads((folder / "metrics.json").read_text()) for folder in (copy, artifact))
    for split in ("val", "test"):
        assert metrics[split]["balanced_accuracy"] == pytest.approx(expected[split]["balanced_accuracy"])
        assert metrics[split]["calibration"]["ece_after"] == pytest.approx(expected[split]["calibration"]["ece_after"])
        assert metrics[split]["uncertainty"] == pytest.approx(expected[split]["uncertainty"])
    assert (copy / "benchmarks" / "reliability.png").exists() and (tmp_path / "reliability.png").exists()
    assert "## Calibration" in (copy / "README.md").read_text()

    # Unchanged weights keep the version; a stricter target only moves the threshold.
    main(
        ["calibrate", str(copy), str(synthetic_dir), "--splits", str(output / "splits.json"), "--target-accuracy", "1"]
    )
    strict = json.loads((copy / "manifest.json").read_text())
    assert strict["model_version"] == before["model_version"]
    assert strict["training"]["calibration"]["uncertainty"]["target_accuracy"] == 1.0
    assert (
        strict["training"]["calibration"]["uncertainty_threshold"]
        >= after["training"]["calibration"]["uncertainty_threshold"]
    )


def test_calibrate_with_flip_tta_serves_the_mean_of_the_mirror_images(trained_run, synthetic_dir, tmp_path):
    """An artifact trained without flip averaging gains it after training: its probabilities become those of
    the averaged logits under a temperature fitted to them, and the settings say so."""
    output, artifact = trained_run
    copy = shutil.copytree(artifact, tmp_path / "artifact")
    main(["calibrate", str(copy), str(synthetic_dir), "--splits", str(output / "splits.json"), "--flip-tta"])
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["training"]["settings"]["flip_tta"] is True
    flipped = keras.saving.load_model(copy / "model.keras", compile=False)
    assert FLIP_CORE in {layer.name for layer in flipped.layers}
    core = flipped.get_layer(FLIP_CORE)
    temperature, bias = flipped.get_layer(CALIBRATION_LAYER).get_weights()
    images = np.random.default_rng(0).uniform(0, 255, (3, *flipped.input.shape[1:])).astype(np.float32)
    logits = np.mean([np.asarray(core(view)) for view in (images, images[:, :, ::-1], images[:, ::-1])], axis=0)
    expected = np.asarray(keras.ops.softmax(logits / temperature + bias))
    np.testing.assert_allclose(np.asarray(flipped(images)), expected, atol=1e-5)


def test_one_mirror_image_each_is_refused_without_an_ensemble(trained_run, synthetic_dir, tmp_path):
    output, artifact = trained_run
    copy = shutil.copytree(artifact, tmp_path / "artifact")
    with pytest.raises(ValueError, match="needs an ensemble"):
        main(
            [
                "calibrate",
                str(copy),
                str(synthetic_dir),
                "--splits",
                str(output / "splits.json"),
                "--flip-tta",
                "one-each",
            ]
        )
    assert (copy / "manifest.json").read_text() == (artifact / "manifest.json").read_text()  # nothing rewritten


def test_calibrate_with_an_ensemble_serves_the_mean_of_the_members_calibrated_logits(
    trained_run, synthetic_dir, tmp_path
):
    """The ensemble answers with the members' mean logits under a temperature fitted to them (a member's own
    temperature plays no part), the manifest names every member, and the served model answers as the ensemble
    with the first member's features."""
    output, artifact = trained_run
    first = shutil.copytree(artifact, tmp_path / "first")
    second_run = tmp_path / "second-run"
    second_run.mkdir()
    shutil.copy(output / "splits.json", second_run / "splits.json")
    second = shutil.copytree(artifact, second_run / "artifact")
    other = keras.saving.load_model(second / "model.keras", compile=False)
    kernel, logits_bias = other.get_layer("logits").get_weights()
    other.get_layer("logits").set_weights([kernel[:, ::-1].copy(), logits_bias[::-1].copy()])  # another member
    other.get_layer(CALIBRATION_LAYER).set_weights([np.float32(2.0), np.zeros_like(logits_bias)])
    other.save(second / "model.keras")

    splits = str(output / "splits.json")
    ensemble_arguments = ["--ensemble-with", str(second), "--perturbed-views", "0"]
    main(["calibrate", str(first), str(synthetic_dir), "--splits", splits, *ensemble_arguments])
    manifest = json.loads((first / "manifest.json").read_text())
    assert len(manifest["training"]["ensemble"]["members"]) == 2
    assert manifest["training"]["ensemble"]["views"] == [["image"], ["image"]]  # no --flip-tta
    assert manifest["training"]["calibration"]["perturbed_views"] == 0  # the temperature saw val images alone
    assert manifest["runtimes"] == {"keras": "model.keras"}  # converted from the single model: stale, removed
    assert "ensemble of 2 models" in (first / "README.md").read_text()
    ensemble = keras.saving.load_model(first / "model.keras", compile=False)
    assert len(ensemble_members(ensemble)) == 2
    original = keras.saving.load_model(artifact / "model.keras", compile=False)
    images = np.random.default_rng(0).uniform(0, 255, (3, *ensemble.input.shape[1:])).astype(np.float32)
    mean_logits = (np.asarray(logits_of(original)(images)) + np.asarray(logits_of(other)(images))) / 2
    temperature, bias = ensemble.get_layer(CALIBRATION_LAYER).get_weights()
    expected = np.asarray(keras.ops.softmax(mean_logits / temperature + bias))
    np.testing.assert_allclose(np.asarray(ensemble(images)), expected, atol=1e-5)
    probabilities, pooled, _ = (np.asarray(output) for output in served_model(ensemble)(images))
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    np.testing.assert_allclose(pooled, np.asarray(served_model(original)(images)[1]), atol=1e-4)
    assert convert_artifact(first, ("onnx",)) == ["onnx"]  # the whole ensemble is one ONNX graph
    onnx_answer = load_classifier(first, runtime="onnx").predict_probabilities(images)
    np.testing.assert_allclose(onnx_answer, expected, atol=1e-4)

    (second_run / "splits.json").write_text(json.dumps({"train": [], "val": [], "test": []}))
    refused = shutil.copytree(artifact, tmp_path / "refused")
    with pytest.raises(ValueError, match="splits"):
        main(["calibrate", str(refused), str(synthetic_dir), "--splits", splits, "--ensemble-with", str(second)])
