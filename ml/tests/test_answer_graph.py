"""The answer graph computes what the numpy definitions do: uncertainty, image kind, Grad-CAM maps, quality."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from skin_classifier.answer_definitions import class_gradient, grad_cam, judge, measure
from skin_classifier.answer_graph import build_answer_graph, write_answer_graph
from skin_classifier.picture_statistics import picture_statistics
from skin_classifier.serving.answers import ANSWER_INPUTS
from skin_classifier.serving.artifact import ArtifactError
from skin_classifier.serving.classifier import load_classifier
from skin_classifier.serving.explain import Head
from skin_classifier.serving.image_kind import IMAGE_KINDS, ImageKindCheck
from skin_classifier.serving.quality import QUALITY_CODES, THRESHOLDS, analysis_picture
from skin_classifier.synthetic import textured_lesion_picture, write_mean_colour_artifact

SIZE = 96
FEATURES, CLASSES, MAP = 12, 4, 3


def _session(model):
    import onnxruntime

    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _run(session, pixels, probabilities, pooled, feature_map, analysis, short_side):
    values = (pixels, probabilities, pooled, feature_map, analysis, short_side)
    feeds = {name: np.asarray(value, np.float32) for name, value in zip(ANSWER_INPUTS, values, strict=True)}
    names = [output.name for output in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds), strict=True))


def _head(rng, dense: bool) -> Head:
    hidden = 5 if dense else FEATURES
    return Head(
        norm_scale=rng.uniform(0.5, 1.5, FEATURES).astype(np.float32),
        norm_shift=rng.normal(0, 0.5, FEATURES).astype(np.float32),
        logits_kernel=rng.normal(0, 1, (hidden, CLASSES)).astype(np.float32),
        logits_bias=np.zeros(CLASSES, np.float32),
        dense_kernel=rng.normal(0, 1, (FEATURES, hidden)).astype(np.float32) if dense else None,
        dense_bias=rng.normal(0, 0.5, hidden).astype(np.float32) if dense else None,
    )


def _pictures(rng, count: int) -> np.ndarray:
    """Noise, flat colours, dark-rimmed discs and a grey picture: every branch of the hue arithmetic."""
    pictures = [rng.integers(0, 256, (SIZE, SIZE, 3)) for _ in range(count - 3)]
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE - 0.5
    disc = np.where((yy**2 + xx**2 < 0.16)[..., None], [150, 90, 60], [10, 10, 10])
    pictures += [disc, np.full((SIZE, SIZE, 3), 128), np.tile([200, 40, 120], (SIZE, SIZE, 1))]
    return np.stack(pictures).astype(np.float32)


@pytest.mark.parametrize("dense", [False, True], ids=["linear-head", "dense-head"])
def test_class_maps_are_grad_cam_of_every_class(dense):
    rng = np.random.default_rng(1)
    head = _head(rng, dense)
    session = _session(build_answer_graph(head, SIZE, None, None))
    pooled = rng.normal(0, 1, (3, FEATURES)).astype(np.float32)
    feature_map = rng.normal(0, 1, (3, MAP, MAP + 1, FEATURES)).astype(np.float32)
    feature_map[2] = -np.abs(feature_map[2]) * np.sign(class_gradient(head, pooled[2], 0))  # class 0 sees nothing
    outputs = _run(
        session,
        np.zeros((3, SIZE, SIZE, 3)),
        np.full((3, CLASSES), 1 / CLASSES),
        pooled,
        feature_map,
        np.zeros((3, 8, 8)),
        np.full(3, 500),
    )
    assert outputs["class_maps"].shape == (3, MAP, MAP + 1, CLASSES)
    for image in range(3):
        for class_index in range(CLASSES):
            expected = grad_cam(feature_map[image], class_gradient(head, pooled[image], class_index))
            np.testing.assert_allclose(outputs["class_maps"][image, ..., class_index], expected, atol=1e-5)
    assert not outputs["class_maps"][2, ..., 0].any()


def test_image_kind_equals_the_check_on_pooled_features_and_picture_statistics():
    rng = np.random.default_rng(2)
    pixels = _pictures(rng, 12)
    pooled = rng.normal(0, 1, (len(pixels), FEATURES)).astype(np.float32)
    features = np.concatenate([pooled, picture_statistics(pixels)], axis=1)
    check = ImageKindCheck(
        mean=features.mean(axis=0),
        scale=features.std(axis=0) + 0.1,
        weights=rng.normal(0, 1, (features.shape[1], 3)),
        bias=rng.normal(0, 1, 3),
        dermoscopy_threshold=0.3,
        with_picture_statistics=True,
    )
    session = _session(build_answer_graph(_head(rng, False), SIZE, None, check))
    count = len(pixels)
    outputs = _run(
        session,
        pixels,
        np.full((count, CLASSES), 1 / CLASSES),
        pooled,
        np.zeros((count, MAP, MAP, FEATURES)),
        np.zeros((count, 8, 8)),
        np.full(count, 500),
    )
    np.testing.assert_allclose(outputs["image_kind_probabilities"], check.probabilities(features), atol=1e-4)
    assert [IMAGE_KINDS[index] for index in outputs["image_kind"]] == [kind.kind for kind in check.judge(features)]


def test_quality_flags_and_uncertainty_equal_the_numpy_rules():
    rng = np.random.default_rng(3)
    session = _session(build_answer_graph(_head(rng, False), SIZE, 0.5, None))
    sharp = textured_lesion_picture(400)
    cases = [
        (sharp, (400, 400)),
        (sharp.filter(ImageFilter.GaussianBlur(6)), (400, 400)),
        (sharp.filter(ImageFilter.GaussianBlur(6)), (150, 150)),  # small: blur is not judged
        (Image.new("RGB", (300, 240), (20, 20, 20)), (300, 240)),
        (Image.new("RGB", (300, 240), (250, 250, 250)), (3000, 2400)),
        (sharp.resize((200, 300)), (200, 300)),
    ]
    probabilities = np.array([[0.4, 0.3, 0.2, 0.1], [0.7, 0.1, 0.1, 0.1]], np.float32)
    for picture, stored in cases:
        grey = analysis_picture(picture)
        outputs = _run(
            session,
            np.zeros((2, SIZE, SIZE, 3)),
            probabilities,
            np.zeros((2, FEATURES)),
            np.zeros((2, MAP, MAP, FEATURES)),
            np.stack([grey, grey]),
            np.full(2, min(stored)),
        )
        measures = measure(picture, stored)
        expected = {warning.code for warning in judge(measures)}
        assert {code for code, flag in zip(QUALITY_CODES, outputs["quality"][0], strict=True) if flag} == expected
        assert outputs["brightness"][0] == pytest.approx(measures.brightness, rel=1e-5)
        assert outputs["sharpness"][0] == pytest.approx(measures.sharpness, rel=1e-3)
        assert outputs["uncertain"].tolist() == [True, False]
    assert THRESHOLDS.min_short_side > 150


def test_a_stale_answer_graph_is_refused_until_written_again(tmp_path):
    artifact = write_mean_colour_artifact(tmp_path / "artifact", ["red", "green", "blue"])
    load_classifier(artifact)
    manifest_path = artifact / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["training"] = {"calibration": {"uncertainty_threshold": 0.9}}
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="answer-graph"):
        load_classifier(artifact)
    write_answer_graph(artifact)
    (prediction,) = load_classifier(artifact).classify([_png(tmp_path)])
    assert prediction.uncertain  # the mean-colour model is never 90% sure of a grey picture
    (artifact / "answer.onnx").unlink()
    with pytest.raises(ArtifactError, match="missing"):
        load_classifier(artifact)


def _png(folder):
    path = folder / "grey.png"
    Image.new("RGB", (64, 64), (120, 120, 120)).save(path)
    return path
