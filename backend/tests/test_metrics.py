"""GET /metrics: Prometheus text counting requests by route template, shed predictions and the model served."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests import images
from tests.test_load_shedding import gated_client, in_background, wait_for
from tests.utils import WAIT_S, ClientFactory, SettingsFactory, upload


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, its labels) -> value, from one scrape."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_counted(client: TestClient, method: str, route: str, status: int) -> float:
    labels = frozenset({"method": method, "route": route, "status": str(status)}.items())
    return samples(client).get(("http_requests_total", labels), 0.0)


def test_requests_are_counted_by_route_template_and_status(make_settings, make_client, onnx_artifact_dir) -> None:
    with make_client(make_settings(model_dir=onnx_artifact_dir)) as client:
        before = requests_counted(client, "POST", "/predict", 200)
        assert upload(client, images.jpeg()).status_code == 200
        assert upload(client, b"not an image").status_code == 415
        assert client.get("/no/such/page/12345").status_code == 404
        scraped = samples(client)

    def count(method: str, route: str, status: int) -> float:
        return scraped.get(("http_requests_total", frozenset({"method": method, "route": route, "status": str(status)}.items())), 0.0)  # fmt: skip

    assert count("POST", "/predict", 200) == before + 1
    assert count("POST", "/predict", 415) == 1
    assert count("GET", "unmatched", 404) == 1  # the raw path never becomes a label
    assert not any("/no/such" in str(labels) for _, labels in scraped)
    latency = ("http_request_duration_seconds_count", frozenset({"method": "POST", "route": "/predict"}.items()))
    assert scraped[latency] == 2
    inference = ("model_inference_seconds_count", frozenset({"runtime": "onnx"}.items()))
    assert scraped[inference] == 1  # the refused image never reached the model
    assert scraped[("model_info", frozenset({"model_version": "mean-colour", "runtime": "onnx"}.items()))] == 1
    assert scraped[("model_ready", frozenset())] == 1


def test_queue_batches_and_shed_predictions_are_shown(make_settings, make_client, onnx_artifact_dir: Path) -> None:
    with gated_client(make_settings, make_client, onnx_artifact_dir, max_queued_uploads=3) as (client, predictor):
        assert samples(client)[("predictions_shed_total", frozenset())] == 0
        results: list = []
        workers = [in_background(client, results)]
        assert predictor.entered.wait(WAIT_S)
        workers += [in_background(client, results) for _ in range(2)]
        wait_for(lambda: client.app.state.batcher.waiting == 2)
        assert upload(client, images.jpeg()).status_code == 503  # the fourth: the queue holds three
        scraped = samples(client)
        predictor.release.set()
        for worker in workers:
            worker.join(WAIT_S)
        after = samples(client)
    assert scraped[("predictions_shed_total", frozenset())] == 1
    assert scraped[("prediction_queue_length", frozenset())] == 3
    assert scraped[("prediction_queue_waiting", frozenset())] == 2
    # Refused before routing, yet labelled by its route: the upload guard answers for /predict.
    shed = ("http_requests_total", frozenset({"method": "POST", "route": "/predict", "status": "503"}.items()))
    assert scraped[shed] == 1
    assert [response.status_code for response in results] == [200] * 3

    onnx = frozenset({"runtime": "onnx"}.items())
    assert after[("model_batch_size_count", onnx)] == 2  # the first alone, then the two that waited together
    assert after[("model_batch_size_sum", onnx)] == 3
    assert after[("prediction_queue_wait_seconds_count", frozenset())] == 3
    assert after[("prediction_queue_length", frozenset())] == 0
    assert after[("prediction_queue_expected_wait_seconds", frozenset())] == 0


def test_model_is_not_ready_until_loaded(missing_model_client) -> None:
    text = missing_model_client.get("/metrics").text
    assert re.search(r"^model_ready 0\.0$", text, re.MULTILINE), text
    assert not re.search(r"^model_info\{", text, re.MULTILINE)


def test_metrics_can_be_turned_off(make_settings: SettingsFactory, make_client: ClientFactory) -> None:
    with make_client(make_settings(metrics_enabled=False)) as client:
        assert client.get("/metrics").status_code == 404
        assert "GET /metrics" not in client.get("/").json()["endpoints"]


def test_each_app_counts_apart(make_settings: SettingsFactory, make_client: ClientFactory) -> None:
    """Each app has its own registry: a second app starts from zero (the library's global one would clash)."""
    with make_client(make_settings()) as first:
        first.get("/health")
        with make_client(make_settings()) as second:
            assert requests_counted(second, "GET", "/health", 200) == 0
        assert requests_counted(first, "GET", "/health", 200) == 1
