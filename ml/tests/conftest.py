"""Shared fixtures: small synthetic data sets and one real (tiny) training run for the whole session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from skin_classifier.synthetic import TINY_TRAINING, make_synthetic_dataset
from skin_classifier.train import TrainConfig, train

# The tiny recipe, with a test split to report on.
TINY = {**TINY_TRAINING, "test_fraction": 0.25}


@pytest.fixture(scope="session")
def tiny_training():
    """`TrainConfig` fields of the tiny recipe used by the session's training run."""
    return dict(TINY)


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    return make_synthetic_dataset(tmp_path_factory.mktemp("synthetic"), images_per_class=30)


@pytest.fixture(scope="session")
def trained_run(synthetic_dir, tmp_path_factory):
    """Streaming tf.data training, all three phases, ending in an exported artifact."""
    output = tmp_path_factory.mktemp("run")
    artifact = train(TrainConfig(data_dir=synthetic_dir, output_dir=output, epochs=(8, 1, 1), **TINY))
    return output, artifact
