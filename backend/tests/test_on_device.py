"""GET /model's `on_device` section and GET /model/files/{name}: what a browser downloads to answer by itself."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnxruntime

from tests.utils import CLASS_NAMES, ClientFactory, SettingsFactory


def test_an_onnx_model_is_offered_with_its_answer_graph_and_their_hashes(
    make_settings: SettingsFactory, make_client: ClientFactory, onnx_artifact_dir: Path
) -> None:
    with make_client(make_settings(model_dir=onnx_artifact_dir)) as client:
        on_device = client.get("/model").json()["on_device"]
        assert on_device["class_names"] == CLASS_NAMES
        assert on_device["image_kinds"] == []  # the mean-colour artifact has no image-kind check
        for role, name in (("model", "model.onnx"), ("answer", "answer.onnx")):
            described = on_device[role]
            assert described["url"] == f"model/files/{name}"
            response = client.get(f"/{described['url']}")
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/octet-stream"
            assert response.headers["etag"] == f'"{described["sha256"]}"'
            assert hashlib.sha256(response.content).hexdigest() == described["sha256"]
            assert len(response.content) == described["bytes"] == (onnx_artifact_dir / name).stat().st_size
        # What was downloaded runs: the answer graph takes the model's outputs.
        answer = onnxruntime.InferenceSession(client.get("/model/files/answer.onnx").content)
        assert {output.name for output in answer.get_outputs()} >= {"uncertain", "class_maps", "quality"}


def test_only_the_named_files_are_served(
    make_settings: SettingsFactory, make_client: ClientFactory, onnx_artifact_dir: Path
) -> None:
    with make_client(make_settings(model_dir=onnx_artifact_dir)) as client:
        for name in ("manifest.json", "head.npz", "..%2Fmanifest.json", "%2Fetc%2Fpasswd", "model.keras"):
            response = client.get(f"/model/files/{name}")
            assert response.status_code == 404, name
            assert "detail" in response.json()


def test_a_keras_model_answers_on_the_server_only(client) -> None:
    assert client.get("/model").json()["on_device"] is None
    assert client.get("/model/files/model.onnx").status_code == 404


def test_the_model_file_is_not_served_before_the_model_is_ready(missing_model_client) -> None:
    response = missing_model_client.get("/model/files/answer.onnx")
    assert response.status_code == 503


def test_the_answer_graph_gives_the_served_answers_uncertainty(
    make_settings: SettingsFactory, make_client: ClientFactory, onnx_artifact_dir: Path
) -> None:
    """The graph the page downloads is the one the service runs: same flags for the same input."""
    with make_client(make_settings(model_dir=onnx_artifact_dir)) as client:
        session = onnxruntime.InferenceSession(client.get("/model/files/answer.onnx").content)
        feeds = {
            "image": np.zeros((1, 32, 32, 3), np.float32),
            "probabilities": np.array([[0.2, 0.3, 0.5]], np.float32),
            "pooled": np.zeros((1, 3), np.float32),
            "feature_map": np.zeros((1, 4, 4, 3), np.float32),
            "analysis": np.full((1, 224, 224), 10.0, np.float32),
            "stored_short_side": np.array([100.0], np.float32),
        }
        names = [output.name for output in session.get_outputs()]
        outputs = dict(zip(names, session.run(None, feeds), strict=True))
        assert outputs["quality"].tolist() == [[True, False, False, True]]  # too dark and too small
