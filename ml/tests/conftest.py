"""Shared fixtures: small synthetic data sets and one real (tiny) training run for the whole session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from skin_classifier.synthetic import make_synthetic_dataset
from skin_classifier.train import TrainConfig, train

# Small enough for a 2-core CPU in seconds, large enough to learn the synthetic colours.
TINY = dict(backbone="vgg16", weights="none", image_size=32, batch_size=8, head_units=32, head_learning_rate=1e-2,
            patience=10, test_fraction=0.25)


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    return make_synthetic_dataset(tmp_path_factory.mktemp("synthetic"), images_per_class=30)


@pytest.fixture(scope="session")
def trained_run(synthetic_dir, tmp_path_factory):
    """Streaming tf.data training, all three phases, ending in an exported artifact."""
    output = tmp_path_factory.mktemp("run")
    artifact = train(TrainConfig(data_dir=synthetic_dir, output_dir=output, epochs=(8, 1, 1), **TINY))
    return output, artifact
