"""Prometheus metrics for operators: requests, latency, the prediction queue and its batches, the model served.

Each app has its own `CollectorRegistry` (not the library's global one), so several apps in one process, as
in the tests, count apart. Requests are labelled by route template (`/predict`, never a raw path) so a
scanner's random URLs cannot grow the number of series.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fastapi.routing import iter_route_contexts
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.applications import Starlette
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.batching import Batcher, BatchRun
from app.services.capacity import Capacity
from app.services.classifier import ModelService, ModelState

# The Prometheus text format this library writes.
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Label for requests no route answers (404s): one series for all of them.
UNMATCHED_ROUTE = "unmatched"
# Seconds: from a cached 503 (under a millisecond) to a slow upload on a phone.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds in the model's forward pass for one batch: a few ms (tiny models) to seconds (a full batch, a slow CPU).
INFERENCE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Seconds a decoded image waits for the model: the batch window (2 ms) up to the queue's budget (2 s).
QUEUE_WAIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


class ServiceCollector(Collector):
    """Read at scrape time from the objects that own the figures, so they need no metrics code of their own."""

    def __init__(self, service: ModelService, capacity: Capacity, batcher: Batcher) -> None:
        self.service = service
        self.capacity = capacity
        self.batcher = batcher

    def collect(self) -> Iterable[Metric]:
        shed = CounterMetricFamily(
            "predictions_shed",
            "Predictions answered 503 at once: the expected wait was over MAX_QUEUE_WAIT_S or the queue was full.",
        )
        shed.add_metric([], self.capacity.shed)
        yield shed
        queued = GaugeMetricFamily(
            "prediction_queue_length", "Predictions admitted and not yet answered (uploading, decoding or waiting)."
        )
        queued.add_metric([], self.capacity.admitted)
        yield queued
        waiting = GaugeMetricFamily("prediction_queue_waiting", "Decoded images waiting for the model now.")
        waiting.add_metric([], self.batcher.waiting)
        yield waiting
        expected = GaugeMetricFamily(
            "prediction_queue_expected_wait_seconds",
            "The wait a prediction arriving now can expect: the queue length x the model's recent time per prediction.",
        )
        expected.add_metric([], self.capacity.expected_wait_s())
        yield expected
        ready = GaugeMetricFamily("model_ready", "1 once the model is loaded and warmed up, else 0.")
        ready.add_metric([], 1.0 if self.service.state is ModelState.READY else 0.0)
        yield ready
        info = GaugeMetricFamily(
            "model_info", "The model being served (always 1; read its labels).", labels=["model_version", "runtime"]
        )
        classifier = self.service.classifier
        if classifier is not None:
            info.add_metric([classifier.info.model_version, classifier.runtime], 1.0)
        yield info


class Metrics:
    """The registry `GET /metrics` serves, and the instruments the middleware and the model service feed."""

    def __init__(self, service: ModelService, capacity: Capacity, batcher: Batcher) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.inference = Histogram(
            "model_inference_seconds",
            "Time in the model's forward pass for one batch (decoding and preprocessing excluded).",
            ["runtime"],
            buckets=INFERENCE_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "model_batch_size",
            "Images in each forward pass.",
            ["runtime"],
            buckets=BATCH_SIZE_BUCKETS,
            registry=self.registry,
        )
        self.queue_wait = Histogram(
            "prediction_queue_wait_seconds",
            "Time a decoded image waited for the forward pass of its batch.",
            buckets=QUEUE_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(ServiceCollector(service, capacity, batcher))
        batcher.observers.append(self.observe_batch)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def observe_batch(self, run: BatchRun) -> None:
        self.inference.labels(run.runtime).observe(run.model_s)
        self.batch_size.labels(run.runtime).observe(run.size)
        for wait in run.waits_s:
            self.queue_wait.observe(wait)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (`/predict`, `/docs/assets`), else UNMATCHED_ROUTE.

    A request refused before routing (the upload guard's 413 and 503) has no route yet; it is labelled by
    its path only if that is one of the app's own fixed paths.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    requested = get_route_path(scope)
    if isinstance(app, Starlette) and any(
        candidate.path == requested and "{" not in requested for candidate in iter_route_contexts(app.routes)
    ):
        return requested
    return UNMATCHED_ROUTE


class MetricsMiddleware:
    """Count and time every HTTP request. Placed inside `ForwardedPrefixMiddleware`, so the scope it holds
    is the one the router writes the matched route into."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self.metrics.observe_request(scope["method"], route_template(scope), status, time.perf_counter() - started)
