"""Heat maps: the head's gradient in numpy, Grad-CAM, the PNG and its words, and the whole path on a real model."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from skin_classifier.answer_definitions import class_gradient, grad_cam
from skin_classifier.serving.artifact import ArtifactError
from skin_classifier.serving.classifier import load_classifier
from skin_classifier.serving.explain import HEAD_FILE, HEATMAP_SIZE, Head, describe, heatmap_png, upsample
from skin_classifier.synthetic import write_mean_colour_artifact


def random_head(rng: np.random.Generator, features: int = 6, hidden: int = 5, classes: int = 3) -> Head:
    def normal(*shape: int) -> np.ndarray:
        return rng.normal(size=shape).astype(np.float32)

    return Head(
        normal(features),
        normal(features),
        normal(hidden, classes),
        normal(classes),
        normal(features, hidden),
        normal(hidden),
    )


def head_logits(head: Head, pooled: np.ndarray) -> np.ndarray:
    hidden = pooled * head.norm_scale + head.norm_shift
    assert head.dense_kernel is not None and head.dense_bias is not None
    hidden = np.maximum(hidden @ head.dense_kernel + head.dense_bias, 0)
    return hidden @ head.logits_kernel + head.logits_bias


def test_the_class_gradient_is_the_heads_derivative():
    rng = np.random.default_rng(0)
    head = random_head(rng)
    pooled = rng.normal(size=6).astype(np.float64)
    step = 1e-4
    for class_index in range(3):
        numeric = [
            (
                head_logits(head, pooled + step * unit)[class_index]
                - head_logits(head, pooled - step * unit)[class_index]
            )
            / (2 * step)
            for unit in np.eye(6)
        ]
        np.testing.assert_allclose(class_gradient(head, pooled.astype(np.float32), class_index), numeric, atol=1e-3)


def test_grad_cam_is_hot_where_the_class_evidence_is_and_says_where():
    feature_map = np.zeros((3, 3, 2), np.float32)
    feature_map[0, 2, 0] = 4.0  # evidence for channel 0 in the upper right cell
    feature_map[2, 0, 1] = 9.0  # a channel that counts against the class
    cam = grad_cam(feature_map, np.array([1.0, -1.0], np.float32))
    assert cam.max() == 1.0 and np.unravel_index(cam.argmax(), cam.shape) == (0, 2) and cam[2, 0] == 0
    heat = upsample(cam, (300, 300))
    assert "upper right" in describe(heat)
    assert "No part" in describe(np.zeros((4, 4), np.float32))


def test_the_heat_map_keeps_the_pictures_aspect_ratio_and_is_transparent_where_cold():
    cam = np.zeros((4, 4), np.float32)
    cam[1:3, 1:3] = 1.0
    heat = upsample(cam, (400, 200), longest=224)
    assert heat.shape == (112, 224)
    picture = Image.open(io.BytesIO(heatmap_png(heat)))
    assert picture.mode == "RGBA" and picture.size == (224, 112)
    alpha = np.asarray(picture)[..., 3]
    assert alpha[0, 0] == 0 and alpha[56, 112] > 150


def test_the_head_file_round_trips_and_refuses_pickles_and_misfits(tmp_path):
    head = random_head(np.random.default_rng(1))
    head.save(tmp_path / HEAD_FILE)
    loaded = Head.load(tmp_path / HEAD_FILE)
    np.testing.assert_array_equal(
        class_gradient(loaded, np.ones(6, np.float32), 2), class_gradient(head, np.ones(6, np.float32), 2)
    )

    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, norm_scale=np.array([object()], dtype=object))
    with pytest.raises(ArtifactError, match="numpy"):
        Head.load(pickled)
    misfit = tmp_path / "misfit.npz"
    Head(
        head.norm_scale, head.norm_shift[:3], head.logits_kernel, head.logits_bias, head.dense_kernel, head.dense_bias
    ).save(misfit)
    with pytest.raises(ArtifactError, match="shapes"):
        Head.load(misfit)
    with pytest.raises(ArtifactError, match="missing"):
        Head.load(tmp_path / "absent.npz")


def test_a_served_answer_explains_the_top_class_on_the_uploads_shape(tmp_path):
    """The mean-colour model's "red" class: its heat map is hot over the red half of a wide picture."""
    classifier = load_classifier(write_mean_colour_artifact(tmp_path, ["red", "green", "blue"]))
    pixels = np.zeros((120, 240, 3), np.uint8)
    pixels[:, :120] = (250, 20, 20)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")

    (plain,) = classifier.classify([buffer.getvalue()])
    assert plain.predicted_class == "red" and plain.heatmap is None
    (explained,) = classifier.classify([buffer.getvalue()], explain_top=True)
    assert explained.heatmap is not None and explained.all_predictions == plain.all_predictions
    assert explained.heatmap.data_url.startswith("data:image/png;base64,")
    png = base64.b64decode(explained.heatmap.data_url.split(",", 1)[1])
    alpha = np.asarray(Image.open(io.BytesIO(png)))[..., 3]
    assert alpha.shape == (HEATMAP_SIZE // 2, HEATMAP_SIZE)
    assert alpha[:, :24].mean() > 150 and alpha[:, 42:].max() == 0  # bilinear blending between the cells
    assert "left" in explained.heatmap.description


def test_the_keras_head_weights_reproduce_the_models_logits():
    """`model.head_weights` and the served model's pooled output give the model's own probabilities."""
    from skin_classifier.model import head_weights, served_model
    from skin_classifier.synthetic import build_tiny_model

    model = build_tiny_model(3)
    pixels = np.random.default_rng(2).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    probabilities, pooled, feature_map = (np.asarray(output) for output in served_model(model)(pixels))
    np.testing.assert_allclose(probabilities, np.asarray(model(pixels)), atol=1e-6)
    assert feature_map.shape == (2, 2, 2, 512)  # VGG16's block5_conv3 at 32 px
    logits = head_logits(Head(**head_weights(model)), pooled)
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(1, keepdims=True), probabilities, atol=1e-5)


def test_a_flip_averaged_model_serves_its_own_probabilities_with_the_uploaded_views_features():
    from skin_classifier.model import served_model, with_flip_averaging
    from skin_classifier.synthetic import build_tiny_model

    plain = build_tiny_model(3)
    flipped = with_flip_averaging(plain)
    pixels = np.random.default_rng(3).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    probabilities, pooled, feature_map = (np.asarray(output) for output in served_model(flipped)(pixels))
    np.testing.assert_allclose(probabilities, np.asarray(flipped(pixels)), atol=1e-6)
    _, plain_pooled, plain_map = (np.asarray(output) for output in served_model(plain)(pixels))
    np.testing.assert_allclose(pooled, plain_pooled, atol=1e-5)
    np.testing.assert_allclose(feature_map, plain_map, atol=1e-5)
