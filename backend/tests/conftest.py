"""Fixtures: a tiny real artifact built once per session, and clients whose lifespan really runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.services.classifier import ModelService
from tests.utils import CLASS_NAMES, LOAD_TIMEOUT_S, ClientFactory, SettingsFactory

# The seed of every model the fixtures build: the same tiny model (and so the same answers) on every run.
MODEL_SEED = 0


def seed_keras(seed: int = MODEL_SEED) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's ops deterministic, before building a model: its
    weights, and the features the image-kind check learns from, then do not depend on the run or the threads."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


@pytest.fixture(scope="session")
def artifact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real exported Keras artifact (the tiny model, seeded random weights) so tests run true inference."""
    from skin_classifier.export import export_artifact
    from skin_classifier.synthetic import TINY_MODEL, build_tiny_model

    seed_keras()
    return export_artifact(
        build_tiny_model(len(CLASS_NAMES)),
        CLASS_NAMES,
        tmp_path_factory.mktemp("artifact"),
        image_size=TINY_MODEL["image_size"],
    )


@pytest.fixture(scope="session")
def onnx_artifact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ONNX artifact (the mean-colour model): the runtime the serving image runs, and it starts in a
    fraction of the time Keras takes."""
    from skin_classifier.synthetic import write_mean_colour_artifact

    return write_mean_colour_artifact(tmp_path_factory.mktemp("onnx-artifact"), CLASS_NAMES)


@pytest.fixture(scope="session")
def synthetic_kinds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic dermoscopy images, ordinary skin photos and everyday scenes (`synthetic.make_synthetic_image_kinds`).

    90 of each kind: on the random tiny model's features, a check trained on 45 told 60-97% of unseen everyday
    scenes from the rest depending on the weights' seed (0-9); on 90, at least 8 of the 9 that
    `test_image_kind.py` uploads, at every one of those seeds.
    """
    from skin_classifier.synthetic import make_synthetic_image_kinds

    return make_synthetic_image_kinds(tmp_path_factory.mktemp("kinds"), images_per_kind=90, image_size=64, seed=3)


@pytest.fixture(scope="session")
def kind_artifact_dir(artifact_dir: Path, synthetic_kinds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Keras artifact plus an image-kind check really trained on its pooled features."""
    import shutil

    from skin_classifier.image_kind import add_image_kind, artifact_feature_extractor, train_image_kind

    artifact = Path(shutil.copytree(artifact_dir, tmp_path_factory.mktemp("kind") / "artifact"))
    check, report = train_image_kind(
        artifact_feature_extractor(artifact),
        32,
        synthetic_kinds_dir / "dermoscopy",
        synthetic_kinds_dir / "skin-photos",
        synthetic_kinds_dir / "not-skin",
        views=1,
    )
    add_image_kind(artifact, check, report)
    return artifact


@pytest.fixture(scope="session")
def make_settings(artifact_dir: Path) -> SettingsFactory:
    """Settings with every field given explicitly, so the test machine's environment cannot leak in."""

    def factory(**overrides: Any) -> Settings:
        values = {name: field.get_default(call_default_factory=True) for name, field in Settings.model_fields.items()}
        values["model_dir"] = artifact_dir
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture(scope="session")
def make_client() -> ClientFactory:
    """Start an app (lifespan included) and, unless told not to, wait until the model finished loading."""

    @contextmanager
    def factory(
        settings: Settings, service: ModelService | None = None, wait: bool = True, raise_server_exceptions: bool = True
    ) -> Iterator[TestClient]:
        app = create_app(settings, service)
        with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
            if wait:
                assert app.state.model_service.wait(LOAD_TIMEOUT_S), "model did not finish loading"
            yield client

    return factory


@pytest.fixture(scope="session")
def client(make_settings: SettingsFactory, make_client: ClientFactory) -> Iterator[TestClient]:
    """The app with default settings on the tiny artifact, model loaded; shared to keep the suite fast."""
    with make_client(make_settings()) as client:
        yield client


@pytest.fixture(scope="session")
def missing_model_client(
    make_settings: SettingsFactory, make_client: ClientFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = make_settings(model_dir=tmp_path_factory.mktemp("empty") / "no-such-artifact")
    with make_client(settings) as client:
        yield client
