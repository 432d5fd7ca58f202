import keras
import numpy as np
import pytest

from skin_classifier.model import (
    CalibratedSoftmax,
    ShadesOfGray,
    base_of,
    build_model,
    ensemble_of,
    ensemble_views,
    frozen_prefix,
    logits_of,
    served_model,
    set_trainable_from,
    trainable_suffix,
    with_flip_averaging,
)


@pytest.fixture(scope="module")
def model():
    return build_model(num_classes=3, backbone="vgg16", image_size=32, weights="none", head_units=8)


def _trainable_convs(model):
    return sorted(layer.name for layer in base_of(model).layers if layer.trainable and layer.weights)


def test_phases_unfreeze_the_original_recipes_layers(model):
    """VGG16's phases by block name are the seed recipe's: last 4 layers (block5), then last 8 (block4 on)."""
    set_trainable_from(model, None)
    assert _trainable_convs(model) == [] and len(model.trainable_weights) == 6  # head: norm + 2 dense
    set_trainable_from(model, "block5")
    assert _trainable_convs(model) == ["block5_conv1", "block5_conv2", "block5_conv3"]
    set_trainable_from(model, "block4")
    assert _trainable_convs(model) == [
        "block4_conv1",
        "block4_conv2",
        "block4_conv3",
        "block5_conv1",
        "block5_conv2",
        "block5_conv3",
    ]
    with pytest.raises(ValueError, match="no block"):
        set_trainable_from(model, "block9")


@pytest.mark.parametrize("backbone", ["vgg16", "efficientnet-lite0"])
def test_cached_prefix_plus_suffix_equals_the_full_model(backbone):
    """Training on cached activations is exact: prefix then suffix computes what the whole model does."""
    from skin_classifier.backbones.registry import get_backbone

    net = build_model(3, backbone, image_size=64, weights="none", head_units=8)
    blocks = [None, *get_backbone(backbone).phase_blocks]
    images = np.random.default_rng(0).uniform(0, 255, (4, 64, 64, 3)).astype(np.float32)
    activations = frozen_prefix(net, blocks)(images, training=False)
    for block, cached in zip(blocks, activations, strict=True):
        np.testing.assert_allclose(
            trainable_suffix(net, block)(cached), net(images), rtol=1e-4, atol=1e-5, err_msg=str(block)
        )


def test_suffix_shares_weights_with_the_full_model(model):
    suffix = trainable_suffix(model, "block5")
    dense = model.get_layer("logits")
    assert any(weight is dense.kernel for weight in suffix.weights)


def test_local_weights_file_is_loaded(tmp_path):
    source = build_model(3, "vgg16", image_size=32, weights="none", head_units=8)
    path = tmp_path / "vgg16_notop.weights.h5"
    base_of(source).save_weights(path)
    loaded = build_model(3, "vgg16", image_size=32, weights=str(path), head_units=8)
    np.testing.assert_array_equal(
        base_of(loaded).get_layer("block1_conv1").kernel, base_of(source).get_layer("block1_conv1").kernel
    )
    with pytest.raises(FileNotFoundError):
        build_model(3, "vgg16", image_size=32, weights=str(tmp_path / "missing.weights.h5"))


def test_model_normalises_pixels_as_its_backbone_expects(model):
    pixels = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    expected = keras.applications.vgg16.preprocess_input(pixels.copy())
    np.testing.assert_allclose(model.get_layer("normalization")(pixels), expected, rtol=1e-6, atol=1e-4)


def test_shades_of_gray_removes_a_colour_cast():
    rng = np.random.default_rng(2)
    grey_scene = rng.uniform(40, 160, (1, 16, 16, 1)).repeat(3, axis=-1)
    tinted = (grey_scene * np.array([1.3, 1.0, 0.7])).astype(np.float32)
    balanced = np.asarray(ShadesOfGray()(tinted))
    channel_means = balanced.mean(axis=(0, 1, 2))
    assert channel_means.max() / channel_means.min() < 1.01
    assert tinted.mean(axis=(0, 1, 2)).max() / tinted.mean(axis=(0, 1, 2)).min() > 1.8


def test_calibrated_softmax_applies_temperature_and_bias():
    layer = CalibratedSoftmax()
    logits = np.array([[2.0, 0.0, -1.0]], np.float32)
    np.testing.assert_allclose(layer(logits), keras.ops.softmax(logits), atol=1e-6)  # identity until fitted
    layer.set_weights([np.float32(2.0), np.array([0.0, 1.0, 0.0], np.float32)])
    np.testing.assert_allclose(layer(logits), keras.ops.softmax(logits / 2 + np.array([0.0, 1.0, 0.0])), atol=1e-6)


def test_flip_averaging_averages_the_logits_of_three_views(model):
    pixels = np.random.default_rng(3).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    logits = logits_of(model)
    views = [logits(pixels), logits(pixels[:, :, ::-1]), logits(pixels[:, ::-1])]
    expected = keras.ops.softmax(np.mean(views, axis=0))
    np.testing.assert_allclose(with_flip_averaging(model)(pixels), expected, atol=1e-5)


def test_an_ensemble_takes_only_single_view_members_of_one_input_size_and_class_list(model):
    with pytest.raises(ValueError, match="at least two"):
        ensemble_of([model])
    other_size = build_model(num_classes=3, backbone="vgg16", image_size=48, weights="none", head_units=8)
    other_classes = build_model(num_classes=4, backbone="vgg16", image_size=32, weights="none", head_units=8)
    for member in (other_size, other_classes):
        with pytest.raises(ValueError, match="input size"):
            ensemble_of([model, member])
    with pytest.raises(ValueError, match="single-view"):
        ensemble_of([model, with_flip_averaging(model)])


def test_an_ensemble_with_flips_averages_every_member_over_the_three_views(model):
    other = build_model(num_classes=3, backbone="vgg16", image_size=32, weights="none", head_units=8)
    pixels = np.random.default_rng(4).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    views = (pixels, pixels[:, :, ::-1], pixels[:, ::-1])
    mean_logits = np.mean([logits_of(member)(view) for member in (model, other) for view in views], axis=0)
    joined = ensemble_of([model, other], mirrors="both")
    np.testing.assert_allclose(joined(pixels), keras.ops.softmax(mean_logits), atol=1e-5)
    probabilities, pooled, _ = served_model(joined)(pixels)
    np.testing.assert_allclose(probabilities, keras.ops.softmax(mean_logits), atol=1e-5)
    np.testing.assert_allclose(pooled, served_model(model)(pixels)[1], atol=1e-4)  # the image as uploaded


def test_an_ensemble_with_one_mirror_image_each_gives_the_members_the_mirrors_in_turn(model, tmp_path):
    """Member 1 sees the image and it upside down, member 2 the image and it mirrored left to right: four
    forward passes, not six. Saved and loaded, the model still knows, and serves the same answer."""
    other = build_model(num_classes=3, backbone="vgg16", image_size=32, weights="none", head_units=8)
    pixels = np.random.default_rng(5).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)
    seen = [logits_of(model)(pixels), logits_of(model)(pixels[:, ::-1])]
    seen += [logits_of(other)(pixels), logits_of(other)(pixels[:, :, ::-1])]
    expected = keras.ops.softmax(np.mean(seen, axis=0))
    joined = ensemble_of([model, other], mirrors="one-each")
    assert ensemble_views(joined) == [["image", "flip_up_down"], ["image", "flip_left_right"]]
    np.testing.assert_allclose(joined(pixels), expected, atol=1e-5)
    joined.save(tmp_path / "ensemble.keras")
    loaded = keras.saving.load_model(tmp_path / "ensemble.keras", compile=False, safe_mode=True)
    assert ensemble_views(loaded) == ensemble_views(joined)
    probabilities, pooled, _ = served_model(loaded)(pixels)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    np.testing.assert_allclose(pooled, served_model(model)(pixels)[1], atol=1e-4)  # the image as uploaded
    with pytest.raises(ValueError, match="mirrors must be one of"):
        ensemble_of([model, other], mirrors="three")
