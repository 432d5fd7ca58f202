"""Fixtures: a tiny real artifact built once per session, and clients whose lifespan really runs."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="session")
def artifact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real exported Keras artifact (the tiny model, random weights) so tests run true inference."""
    from skin_classifier.export import export_artifact
    from skin_classifier.synthetic import TINY_MODEL, build_tiny_model

    return export_artifact(
        build_tiny_model(len(CLASS_NAMES)),
        CLASS_NAMES,
        tmp_path_factory.mktemp("artifact"),
        image_size=TINY_MODEL["image_size"],
    )


@pytest.fixture(scope="session")
def onnx_artifact_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ONNX artifact, built node by node: the mean colour of a 32x32 image, softmaxed over 3 classes.

    The serving image runs ONNX Runtime, and it starts in a fraction of the time Keras takes.
    """
    import onnx
    from onnx import TensorProto, helper

    from skin_classifier.serving.artifact import ARTIFACT_FORMAT_VERSION

    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["pixels", "axes"], ["mean"], keepdims=0),
            helper.make_node("Mul", ["mean", "scale"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
        ],
        "mean_colour",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", 32, 32, 3])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
        [
            helper.make_tensor("axes", TensorProto.INT64, [2], [1, 2]),
            helper.make_tensor("scale", TensorProto.FLOAT, [], [0.01]),
        ],
    )
    folder = tmp_path_factory.mktemp("onnx-artifact")
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)  # ORT 1.18+ reads it
    onnx.save(model, folder / "model.onnx")
    files = {
        "manifest.json": {
            "format_version": ARTIFACT_FORMAT_VERSION,
            "model_version": "onnx-test",
            "runtimes": {"onnx": "model.onnx"},
            "default_runtime": "onnx",
        },
        "class_index.json": {name: index for index, name in enumerate(CLASS_NAMES)},
        "preprocessing.json": {"image_size": 32},
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    return folder


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
