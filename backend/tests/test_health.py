"""Start-up and readiness: /health is 503 until the model is loaded and warm, and says why."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.services.classifier import ModelService, ModelState, load_from_settings
from skin_classifier.serving.classifier import Classifier
from tests import images
from tests.utils import (
    CLASS_NAMES,
    WAIT_S,
    ClientFactory,
    GatedPredictor,
    SettingsFactory,
    assert_error,
    gated_loader,
    upload,
)


def test_health_ok_once_loaded(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["runtime"] == "keras"
    assert body["model_version"]


def test_health_503_while_loading_then_200(make_settings: SettingsFactory, make_client: ClientFactory) -> None:
    release = threading.Event()

    def slow_loader(settings: Settings) -> Classifier:
        assert release.wait(WAIT_S)
        return load_from_settings(settings)

    service = ModelService(make_settings(), loader=slow_loader)
    with make_client(service.settings, service, wait=False) as client:
        assert_error(client.get("/health"), 503, "loading")
        assert_error(upload(client, images.jpeg()), 503, "loading")
        assert client.get("/").json()["model_status"] == "loading"
        release.set()
        assert service.wait(WAIT_S)
        assert client.get("/health").status_code == 200
        assert upload(client, images.jpeg()).status_code == 200


def assert_failure_without_internals(response, service: ModelService, reason: str, *internals: str) -> None:
    """A failed load is told in fixed words: the reason (paths, library messages) goes to the log only."""
    assert_error(response, 503, "failed to load", "server log")
    assert response.headers["retry-after"] == "5"
    assert reason in (service.error or "")
    for text in internals:
        assert text not in response.text


def test_missing_artifact_reports_reason(missing_model_client: TestClient) -> None:
    service = missing_model_client.app.state.model_service
    model_dir = str(service.settings.model_dir)
    assert_failure_without_internals(missing_model_client.get("/health"), service, "not found", model_dir)
    assert_failure_without_internals(upload(missing_model_client, images.jpeg()), service, "not found", model_dir)
    root = missing_model_client.get("/").json()
    assert root["model_status"] == "failed" and root["classes"] == []


def test_unknown_runtime_reports_reason(make_settings: SettingsFactory, make_client: ClientFactory) -> None:
    with make_client(make_settings(model_runtime="onnx")) as client:
        service = client.app.state.model_service
        assert_failure_without_internals(client.get("/health"), service, "'onnx' is not in this artifact", "onnx")


def test_broken_artifact_does_not_crash(
    make_settings: SettingsFactory, make_client: ClientFactory, tmp_path: Path
) -> None:
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with make_client(make_settings(model_dir=tmp_path)) as client:
        service = client.app.state.model_service
        assert_failure_without_internals(client.get("/health"), service, "not valid JSON", str(tmp_path), "JSON")
        assert client.get("/").status_code == 200


def test_health_answers_while_inference_runs(make_settings: SettingsFactory, make_client: ClientFactory) -> None:
    gated: list[GatedPredictor] = []
    service = ModelService(make_settings(), loader=gated_loader(gated))
    with make_client(service.settings, service) as client:
        assert service.state is ModelState.READY
        predictor = gated[0]
        predictor.armed = True
        results: list[int] = []
        worker = threading.Thread(target=lambda: results.append(upload(client, images.jpeg()).status_code))
        worker.start()
        assert predictor.entered.wait(WAIT_S)
        # The prediction is parked inside the model; the server must still answer.
        assert client.get("/health").status_code == 200
        assert not predictor.release.is_set()
        predictor.release.set()
        worker.join(WAIT_S)
        assert results == [200]


def test_root_describes_the_api(client: TestClient) -> None:
    body = client.get("/").json()
    assert body["name"] and body["version"]
    assert "Not a medical device" in body["disclaimer"]
    assert "See a doctor" in body["disclaimer"]
    assert body["classes"] == CLASS_NAMES
    assert body["model_status"] == "ready"
    assert body["runtime"] == "keras"
    assert body["model_version"] == client.get("/health").json()["model_version"]
    assert {"POST /predict", "GET /health", "GET /docs"} <= set(body["endpoints"])
