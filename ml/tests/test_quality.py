"""The image quality check: each kind of poor photo earns its warning, a good one none, and cheaply."""

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from skin_classifier.answer_definitions import QualityMeasures, check_quality, judge, laplacian_variance, measure
from skin_classifier.hostile_images import encode
from skin_classifier.serving.preprocessing import decode
from skin_classifier.serving.quality import ANALYSIS_SIZE, MESSAGES, THRESHOLDS, analysis_picture
from skin_classifier.synthetic import textured_lesion_picture

REPORT = Path(__file__).resolve().parents[2] / "docs" / "quality-thresholds.json"


def codes(picture: Image.Image, image_size: int = 260) -> list[str]:
    """Warning codes for a picture sent as a JPEG upload, through the serving decode."""
    decoded = decode(encode(picture, "JPEG", quality=90), image_size)
    return [warning.code for warning in check_quality(decoded.picture, decoded.stored_size)]


def test_a_sharp_evenly_lit_lesion_passes():
    assert codes(textured_lesion_picture()) == []
    assert codes(textured_lesion_picture(1600)) == []  # a large photo is measured at the same scale


@pytest.mark.parametrize(
    ("picture", "expected"),
    [
        (Image.new("RGB", (320, 320)), ["too_dark"]),
        (Image.new("RGB", (320, 320), (255, 255, 255)), ["too_bright"]),
        (textured_lesion_picture().filter(ImageFilter.GaussianBlur(4)), ["blurred"]),
        (textured_lesion_picture(1600).filter(ImageFilter.GaussianBlur(16)), ["blurred"]),
        (textured_lesion_picture().resize((64, 64)), ["too_small"]),
        (Image.new("RGB", (64, 64)), ["too_dark", "too_small"]),
    ],
    ids=["black", "white", "blurred", "blurred-large", "64px", "black-64px"],
)
def test_each_problem_earns_its_warning(picture, expected):
    assert codes(picture) == expected


def test_dimmed_and_washed_out_photos_are_flagged():
    pixels = np.asarray(textured_lesion_picture(), dtype=np.float32)
    dim = Image.fromarray((pixels * 0.45).astype(np.uint8))
    washed = Image.fromarray((255 - (255 - pixels) * 0.3).astype(np.uint8))
    assert codes(dim) == ["too_dark"]
    assert codes(washed) == ["too_bright"]


def test_every_warning_has_a_reason_and_advice():
    measures = QualityMeasures(brightness=0.0, sharpness=0.0, short_side=10)
    (dark, small) = judge(measures)
    for warning in (dark, small):
        assert warning.message == MESSAGES[warning.code]
        assert warning.message.endswith(".") and len(warning.message.split(". ")) >= 2  # reason, then advice
    assert set(MESSAGES) == {"too_dark", "too_bright", "blurred", "too_small"}


def test_thresholds_are_the_ones_the_report_chose():
    """The committed report and the module agree, so the documented shares are the ones served."""
    report = json.loads(REPORT.read_text())
    assert report["thresholds"] == vars(THRESHOLDS)
    assert report["module_matches"] is True
    assert report["flagged"]["total"]["share"] <= 0.02


def test_the_measures():
    flat = np.full((50, 60), 100.0, np.float32)
    assert laplacian_variance(flat) == 0.0
    checker = (np.indices((50, 60)).sum(axis=0) % 2 * 255).astype(np.float32)
    assert laplacian_variance(checker) > 1e5
    assert measure(Image.new("RGB", (300, 200), (255, 0, 0)), (300, 200)) == QualityMeasures(
        pytest.approx(76, abs=1), 0.0, 200
    )


def test_the_check_measures_a_small_copy_whatever_the_upload_size():
    """Its cost is bounded: a phone-sized photo is measured at the analysis size, its stored size read as is."""
    decoded = decode(encode(textured_lesion_picture(2000), "JPEG", quality=90), 260)
    assert min(analysis_picture(decoded.picture).shape) == ANALYSIS_SIZE
    assert measure(decoded.picture, decoded.stored_size).short_side == 2000


class _Uniform:
    """A stand-in model: equal probabilities for two classes, whatever the pixels."""

    runtime = "stub"

    def predict(self, batch):
        from skin_classifier.serving.runtimes import ModelOutputs

        count = len(batch)
        return ModelOutputs(
            np.full((count, 2), 0.5, np.float32),
            np.zeros((count, 2), np.float32),
            np.zeros((count, 1, 1, 2), np.float32),
        )


@pytest.mark.parametrize("image_size", [260, 32], ids=["real-size", "tiny-model"])
@pytest.mark.parametrize("as_stream", [False, True], ids=["bytes", "stream"])
def test_the_classifier_gives_warnings_and_unchanged_model_pixels(tmp_path, image_size, as_stream):
    """Every model size gets the same warnings, and the model's pixels stay exactly what `preprocess` makes."""
    from skin_classifier.answer_graph import save_answer_graph
    from skin_classifier.serving.artifact import ArtifactInfo
    from skin_classifier.serving.classifier import Classifier
    from skin_classifier.serving.explain import HEAD_FILE, Head

    two = np.ones(2, np.float32)
    Head(two, 0 * two, np.eye(2, dtype=np.float32), 0 * two).save(tmp_path / HEAD_FILE)
    info = ArtifactInfo(tmp_path, ["A", "B"], image_size, "v", {"stub": "-"}, "stub")
    info = replace(info, manifest={"answer_graph": save_answer_graph(info)})
    classifier = Classifier(info, _Uniform())
    for picture, expected in (
        (textured_lesion_picture(900), ()),
        (textured_lesion_picture(900).filter(ImageFilter.GaussianBlur(12)), ("blurred",)),
        (Image.new("RGB", (500, 400), (5, 5, 5)), ("too_dark",)),
    ):
        data = encode(picture, "JPEG", quality=90)
        inspected = classifier.inspect(io.BytesIO(data) if as_stream else data)
        np.testing.assert_array_equal(inspected.pixels, classifier.preprocess(data))
        (prediction,) = classifier.classify([io.BytesIO(data) if as_stream else data])
        assert tuple(warning.code for warning in prediction.quality_warnings) == expected
