import numpy as np
import pytest

from skin_classifier.model import backbone, build_model, frozen_prefix, set_trainable_tail, trainable_suffix


@pytest.fixture(scope="module")
def model():
    return build_model(num_classes=3, image_size=32, weights="none", head_units=8)


def _trainable_convs(model):
    return sorted(layer.name for layer in backbone(model).layers if layer.trainable and layer.weights)


def test_phases_unfreeze_the_right_layers(model):
    set_trainable_tail(model, 0)
    assert _trainable_convs(model) == [] and len(model.trainable_weights) == 6  # head: norm + 2 dense
    set_trainable_tail(model, 4)
    assert _trainable_convs(model) == ["block5_conv1", "block5_conv2", "block5_conv3"]
    set_trainable_tail(model, 8)
    assert _trainable_convs(model) == ["block4_conv1", "block4_conv2", "block4_conv3",
                                       "block5_conv1", "block5_conv2", "block5_conv3"]


@pytest.mark.parametrize("depth", [0, 4, 8])
def test_cached_prefix_plus_suffix_equals_the_full_model(model, depth):
    """Training on cached activations is exact: prefix then suffix computes what the whole model does."""
    images = np.random.default_rng(depth).normal(0, 60, (4, 32, 32, 3)).astype(np.float32)
    (activations,) = [frozen_prefix(model, [depth])(images, training=False)]
    suffix = trainable_suffix(model, depth)
    np.testing.assert_allclose(suffix(activations), model(images), rtol=1e-4, atol=1e-6)


def test_suffix_shares_weights_with_the_full_model(model):
    suffix = trainable_suffix(model, 4)
    dense = model.get_layer("predictions")
    assert any(weight is dense.kernel for weight in suffix.weights)


def test_local_weights_file_is_loaded(tmp_path):
    source = build_model(3, image_size=32, weights="none", head_units=8)
    path = tmp_path / "vgg16_notop.weights.h5"
    backbone(source).save_weights(path)
    loaded = build_model(3, image_size=32, weights=str(path), head_units=8)
    np.testing.assert_array_equal(backbone(loaded).get_layer("block1_conv1").kernel,
                                  backbone(source).get_layer("block1_conv1").kernel)
    with pytest.raises(FileNotFoundError):
        build_model(3, image_size=32, weights=str(tmp_path / "missing.weights.h5"))
