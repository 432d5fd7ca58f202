"""Shared fixtures: small synthetic data sets and one real (tiny) training run for the whole session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import pytest
import tensorflow as tf

from skin_classifier.synthetic import TINY_TRAINING, make_synthetic_dataset
from skin_classifier.train import TrainConfig, train

# The tiny recipe, with a test split to report on.
TINY = {**TINY_TRAINING, "test_fraction": 0.25}
# Where each test's random numbers start (training runs seed themselves from `TrainConfig.seed` too).
TEST_SEED = 0

# TensorFlow's deterministic kernels: the same sums in the same order on every run, on 1 thread or 2, so a model
# trained here comes out the same each time rather than only usually above a test's bar.
tf.config.experimental.enable_op_determinism()


@pytest.fixture(autouse=True)
def seeded_random_numbers():
    """Python's, NumPy's and TensorFlow's generators start from one seed in every test: no test's random weights
    or draws depend on which tests ran before it (in random order too)."""
    keras.utils.set_random_seed(TEST_SEED)


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
