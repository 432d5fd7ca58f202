"""Cross-cutting behaviour: settings, CORS, request ids and logging, and the last-resort error handler."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.api.deps import get_model_service
from app.core.config import DEFAULT_CORS_ORIGINS, Settings
from app.main import create_app
from tests import images
from tests.conftest import SettingsFactory
from tests.test_predict import assert_error, upload

ALLOWED = "http://localhost:5173"


def test_cors_allows_configured_origin(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers


def test_cors_ignores_other_origins(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight_for_upload(client: TestClient) -> None:
    response = client.options("/predict", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
    })
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_request_id_header_and_log_line(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret_name = "patient-jane-doe.jpg"
    with caplog.at_level(logging.INFO, logger="app.requests"):
        response = upload(client, images.jpeg(), name=secret_name)
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    lines = [record.getMessage() for record in caplog.records if record.name == "app.requests"]
    assert any(f"request_id={request_id}" in line and "method=POST path=/predict status=200" in line
               for line in lines)
    assert secret_name not in caplog.text  # neither the upload nor its name is logged


def test_unexpected_error_is_json_500_without_traceback(make_settings: SettingsFactory, tmp_path) -> None:
    class BrokenService:
        def ready_classifier(self):
            raise RuntimeError("internal detail that must not leak")

    app = create_app(make_settings(model_dir=tmp_path / "none"))
    app.dependency_overrides[get_model_service] = BrokenService
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/health")
    assert_error(response, 500, "internal server error")
    assert "must not leak" not in response.text
    assert response.headers.get("x-request-id")


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODEL_DIR", "MODEL_RUNTIME", "CORS_ORIGINS", "MAX_UPLOAD_BYTES", "MAX_IMAGE_PIXELS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.model_dir.parts[-2:] == ("models", "reference")
    assert (settings.model_dir.parent.parent / "backend" / "app").is_dir()
    assert settings.model_runtime == "auto"
    assert settings.cors_origins == DEFAULT_CORS_ORIGINS
    assert settings.max_upload_bytes == 10 * 1024 * 1024
    assert settings.max_image_pixels == 60_000_000
    assert settings.log_level == "INFO"


@pytest.mark.parametrize("raw", [
    "https://a.example,https://b.example/",
    ' https://a.example , https://b.example ',
    '["https://a.example", "https://b.example"]',
])
def test_cors_origins_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CORS_ORIGINS", raw)
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("MODEL_RUNTIME", "tflite-int8")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1024")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = Settings()
    assert (settings.model_dir, settings.model_runtime, settings.max_upload_bytes, settings.log_level) == (
        tmp_path, "tflite-int8", 1024, "DEBUG")


def test_invalid_runtime_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_RUNTIME", "tensorrt")
    with pytest.raises(ValueError):
        Settings()


def test_uploads_stay_in_memory(make_settings: SettingsFactory) -> None:
    """Starlette spools big uploads to a temporary file; the app raises that threshold above its limit."""
    from starlette.formparsers import MultiPartParser

    settings = make_settings(max_upload_bytes=20 * 1024 * 1024)
    create_app(settings)
    assert MultiPartParser.spool_max_size > settings.max_upload_bytes
