"""Load shedding: a bounded number of predictions run, a short queue waits, the rest get 503 + Retry-After at once."""

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
        gated[0].armed = True
        yield client, gated[0]
        gated[0].release.set()


def in_background(client: TestClient, results: list) -> threading.Thread:
    worker = threading.Thread(target=lambda: results.append(upload(client, images.jpeg())))
    worker.start()
    return worker


def wait_for(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_beyond_running_and_queued_predictions_are_shed_at_once(make_settings, make_client, onnx_artifact_dir) -> None:
    with gated_client(
        make_settings, make_client, onnx_artifact_dir, max_concurrent_predictions=1, max_queued_predictions=1
    ) as (client, predictor):
        capacity = client.app.state.capacity
        results: list = []
        running = in_background(client, results)
        assert predictor.entered.wait(WAIT_S)  # the first is inside the model
        queued = in_background(client, results)
        wait_for(lambda: capacity.admitted == 2)  # the second waits for a slot

        started = time.perf_counter()
        shed = upload(client, images.jpeg())
        assert time.perf_counter() - started < 1.0, "a shed request must be answered at once, not queued"
        assert_error(shed, 503, "busy", "try again")
        assert shed.headers["retry-after"] == "2"

        started = time.perf_counter()
        assert client.get("/health").status_code == 200
        assert client.get("/").status_code == 200
        assert time.perf_counter() - started < 1.0, "/health and / must never wait behind inference"

        predictor.release.set()
        running.join(WAIT_S)
        queued.join(WAIT_S)
        assert [response.status_code for response in results] == [200, 200]
        assert capacity.admitted == 0 and capacity.shed == 1


def test_queue_wait_is_bounded(make_settings, make_client, onnx_artifact_dir) -> None:
    with gated_client(
        make_settings,
        make_client,
        onnx_artifact_dir,
        max_concurrent_predictions=1,
        max_queued_predictions=1,
        queue_timeout_s=0.3,
    ) as (client, predictor):
        results: list = []
        running = in_background(client, results)
        assert predictor.entered.wait(WAIT_S)
        started = time.perf_counter()
        waited = upload(client, images.jpeg())
        assert_error(waited, 503, "busy")
        assert waited.headers["retry-after"] == "2"
        assert 0.25 < time.perf_counter() - started < 5.0
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
