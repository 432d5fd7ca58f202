"""Admission by expected wait: requests queue while their expected wait is short, the rest get 503 + Retry-After."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from app.api.routes import health, root
from app.services.classifier import ModelService
from tests import images
from tests.utils import WAIT_S, ClientFactory, GatedPredictor, SettingsFactory, assert_error, gated_loader, upload


@contextmanager
def gated_client(
    make_settings: SettingsFactory, make_client: ClientFactory, onnx_artifact_dir: Path, **overrides
) -> Iterator[tuple[TestClient, GatedPredictor]]:
    """A client whose model holds every forward pass until the test releases it."""
    gated: list[GatedPredictor] = []
    service = ModelService(make_settings(model_dir=onnx_artifact_dir, **overrides), loader=gated_loader(gated))
    with make_client(service.settings, service) as client:
        gated[0].calls.clear()  # the warm-up
        gated[0].armed = True
        yield client, gated[0]
        gated[0].release.set()


def in_background(client: TestClient, results: list, data: bytes | None = None) -> threading.Thread:
    worker = threading.Thread(target=lambda: results.append(upload(client, data or images.jpeg())))
    worker.start()
    return worker


def wait_for(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_requests_queue_while_the_expected_wait_is_within_budget(make_settings, make_client, onnx_artifact_dir) -> None:
    with gated_client(make_settings, make_client, onnx_artifact_dir, max_queue_wait_s=1.5) as (client, predictor):
        capacity = client.app.state.capacity
        capacity.measured(1.0)  # as if each prediction took a second of server time
        results: list = []
        running = in_background(client, results)
        assert predictor.entered.wait(WAIT_S)  # the first is inside the model: 1 s expected for the next
        queued = in_background(client, results)
        wait_for(lambda: client.app.state.batcher.waiting == 1)  # the second waits for the model: 2 s expected

        shed = upload(client, images.jpeg())
        assert_error(shed, 503, "busy", "try again in 2 seconds")
        assert shed.headers["retry-after"] == "2"  # the expected wait, rounded up

        assert client.get("/health").status_code == 200  # answered while the model is busy
        assert client.get("/").status_code == 200

        predictor.release.set()
        running.join(WAIT_S)
        queued.join(WAIT_S)
        assert [response.status_code for response in results] == [200, 200]
        assert capacity.admitted == 0 and capacity.admitted_bytes == 0 and capacity.shed == 1


def test_the_queue_is_capped_by_count(make_settings, make_client, onnx_artifact_dir) -> None:
    with gated_client(make_settings, make_client, onnx_artifact_dir, max_queued_uploads=1) as (client, predictor):
        results: list = []
        running = in_background(client, results)
        assert predictor.entered.wait(WAIT_S)
        shed = upload(client, images.jpeg())
        assert_error(shed, 503, "busy")
        assert int(shed.headers["retry-after"]) >= 1
        predictor.release.set()
        running.join(WAIT_S)
        assert results[0].status_code == 200


def test_the_queue_is_capped_by_upload_bytes(make_settings, make_client, onnx_artifact_dir) -> None:
    """With room for 2 MiB of uploads, a held 1.5 MB upload leaves no room for a second one."""
    large = images.jpeg(1200, 1000)
    assert 1_000_000 < len(large) < 1_500_000
    with gated_client(
        make_settings,
        make_client,
        onnx_artifact_dir,
        max_upload_bytes=1_500_000,
        max_queued_upload_mb=2,
        max_image_pixels=2_000_000,
    ) as (client, predictor):
        results: list = []
        running = in_background(client, results, large)
        assert predictor.entered.wait(WAIT_S)
        assert_error(upload(client, large), 503, "busy")
        assert client.app.state.capacity.admitted_bytes > len(large)  # the body as declared, form included
        predictor.release.set()
        running.join(WAIT_S)
        assert results[0].status_code == 200


def test_model_not_ready_is_said_at_once_with_retry_after(missing_model_client: TestClient) -> None:
    response = upload(missing_model_client, images.jpeg())
    assert_error(response, 503, "failed to load")
    assert response.headers["retry-after"] == "5"


def test_health_and_root_run_on_the_event_loop() -> None:
    """Plain `def` routes share the thread pool with inference; these two must never queue behind it."""
    assert inspect.iscoroutinefunction(health.health)
    assert inspect.iscoroutinefunction(root.root)
