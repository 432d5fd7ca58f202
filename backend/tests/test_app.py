"""Cross-cutting behaviour: settings, CORS, request ids and logging, and the last-resort error handler."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api.deps import get_model_service
from app.core.config import DEFAULT_CORS_ORIGINS, Settings
from app.main import create_app
from skin_classifier.serving.machine import available_cpus, cgroup_cpu_quota
from skin_classifier.serving.preprocessing import DEFAULT_DECODE_BUDGET, DEFAULT_MAX_PIXELS
from skin_classifier.serving.runtimes import RUNTIMES
from tests import images
from tests.utils import SettingsFactory, assert_error, upload

ALLOWED = "http://localhost:5173"


def test_cors_allows_configured_origin(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers


def test_cors_ignores_other_origins(client: TestClient) -> None:
    response = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight_for_upload(client: TestClient) -> None:
    response = client.options(
        "/predict",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_request_id_header_and_log_line(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret_name = "patient-jane-doe.jpg"
    with caplog.at_level(logging.INFO, logger="app.requests"):
        response = upload(client, images.jpeg(), name=secret_name)
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    lines = [record.getMessage() for record in caplog.records if record.name == "app.requests"]
    assert any(f"request_id={request_id}" in line and "method=POST path=/predict status=200" in line for line in lines)
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
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings()
    assert settings.model_dir.parts[-2:] == ("models", "reference")
    assert (settings.model_dir.parent.parent / "backend" / "app").is_dir()
    assert settings.model_runtime == "auto"
    assert settings.cors_origins == DEFAULT_CORS_ORIGINS
    assert settings.max_image_pixels == DEFAULT_MAX_PIXELS  # the image decoder's own limit, not a second copy
    assert settings.decode_budget_bytes == DEFAULT_DECODE_BUDGET
    assert settings.inference_threads == available_cpus()
    assert settings.decode_threads == available_cpus()
    assert (settings.max_queue_wait_s, settings.max_batch_size, settings.batch_window_ms) == (2.0, 8, 2.0)
    assert (settings.max_queued_uploads, settings.max_queued_upload_bytes) == (64, 64 * 2**20)
    assert settings.docs_enabled
    assert settings.log_level == "INFO"


@pytest.mark.parametrize(
    "raw",
    [
        "https://a.example,https://b.example/",
        " https://a.example , https://b.example ",
        '["https://a.example", "https://b.example"]',
    ],
)
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
        tmp_path,
        "tflite-int8",
        1024,
        "DEBUG",
    )


def test_invalid_runtime_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_RUNTIME", "tensorrt")
    with pytest.raises(ValueError, match="unknown runtime 'tensorrt'"):
        Settings()


@pytest.mark.parametrize("runtime", ["auto", *RUNTIMES])
def test_every_registered_runtime_is_a_valid_setting(monkeypatch: pytest.MonkeyPatch, runtime: str) -> None:
    monkeypatch.setenv("MODEL_RUNTIME", runtime)
    assert Settings().model_runtime == runtime


def test_uploads_stay_in_memory(make_settings: SettingsFactory) -> None:
    """Starlette spools big uploads to a temporary file; the app raises that threshold above its limit."""
    from starlette.formparsers import MultiPartParser

    settings = make_settings(max_upload_bytes=20 * 1024 * 1024)
    create_app(settings)
    assert MultiPartParser.spool_max_size > settings.max_upload_bytes


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), ("0", None), ("", None), ("auto", None)])
def test_inference_threads_setting(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int | None) -> None:
    monkeypatch.setenv("INFERENCE_THREADS", raw)
    assert Settings().inference_threads == (expected or available_cpus())


@pytest.mark.parametrize("raw", ["two", "1.5", "-1"])
def test_invalid_inference_threads_stops_start_up_with_a_clear_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    """Before, a bad value reached the model loader and left the API without a model; now it is refused early."""
    monkeypatch.setenv("INFERENCE_THREADS", raw)
    with pytest.raises(ValidationError, match="inference_threads"):
        Settings()


def test_inference_threads_reach_the_runtime(make_settings: SettingsFactory, onnx_artifact_dir: Path) -> None:
    from app.services.classifier import load_from_settings

    classifier = load_from_settings(make_settings(model_dir=onnx_artifact_dir, inference_threads=3))
    assert classifier.runtime == "onnx"
    assert classifier.predictor.session.get_session_options().intra_op_num_threads == 3


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0.5),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
    ],
    ids=["v2-limited", "v2-unlimited", "v1-limited", "v1-unlimited", "no-cgroup"],
)
def test_cpu_quota_from_cgroups(tmp_path: Path, files: dict[str, str], quota: float | None) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_cpu_quota(tmp_path) == quota
    cpus = available_cpus(tmp_path)
    assert cpus >= 1 and (quota is None or cpus <= max(1, -(-quota // 1)))


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for response in (client.get("/"), client.get("/health"), client.get("/nowhere"), upload(client, b"text")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "cache-control" not in client.get("/health").headers


def test_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/docs/assets/{asset}").status_code == 200


def test_proxy_prefix_names_the_schema_server_without_changing_routes(client: TestClient) -> None:
    """Behind nginx (X-Forwarded-Prefix: /api) Swagger UI must call /api/predict; directly, /predict."""
    assert "servers" not in client.get("/openapi.json").json()
    behind_proxy = {"X-Forwarded-Prefix": "/api"}
    assert client.get("/openapi.json", headers=behind_proxy).json()["servers"] == [{"url": "/api"}]
    assert "servers" not in client.get("/openapi.json").json(), "one request's prefix must not stick"
    assert client.get("/docs/assets/swagger-ui.css", headers=behind_proxy).status_code == 200
    hostile = {"X-Forwarded-Prefix": "javascript:alert(1)"}
    assert "servers" not in client.get("/openapi.json", headers=hostile).json()


def test_upload_limit_holds_behind_the_proxy_prefix(make_settings: SettingsFactory) -> None:
    with TestClient(create_app(make_settings(model_dir=Path("/nonexistent"), max_upload_bytes=1000))) as client:
        response = client.post(
            "/predict",
            headers={"X-Forwarded-Prefix": "/api"},
            files={"file": ("big.jpg", b"\0" * 20_000, "image/jpeg")},
        )
    assert response.status_code == 413


def test_docs_can_be_switched_off(make_settings: SettingsFactory) -> None:
    with TestClient(create_app(make_settings(model_dir=Path("/nonexistent"), docs_enabled=False))) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 404
        assert "GET /docs" not in client.get("/").json()["endpoints"]
        assert client.get("/openapi.json").status_code == 200  # the schema itself stays public


def test_root_lists_the_routes_the_app_serves(make_settings: SettingsFactory) -> None:
    """/ reads the app's own routes: a new endpoint appears there with its description, nothing to keep in step."""
    app = create_app(make_settings(model_dir=Path("/nonexistent")))
    extra = APIRouter()

    @extra.get("/version-history", description="Past model versions.")
    async def version_history() -> list[str]:
        return []

    app.include_router(extra)
    with TestClient(app) as client:
        endpoints = client.get("/").json()["endpoints"]
    assert set(endpoints) == {
        "POST /predict",
        "GET /health",
        "GET /model",
        "GET /model/files/{name}",
        "GET /metrics",
        "GET /docs",
        "GET /openapi.json",
        "GET /version-history",
    }
    assert endpoints["GET /version-history"] == "Past model versions."
    assert all(endpoints.values())
