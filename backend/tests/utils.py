"""Shared test code: uploading, checking error answers, a model that waits on cue, and a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import numpy as np
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.protocol import HardenedHttpToolsProtocol
from app.services.classifier import load_from_settings
from skin_classifier.serving.classifier import Classifier
from skin_classifier.serving.runtimes import ModelOutputs, Predictor

WAIT_S = 60
LOAD_TIMEOUT_S = 120
# The classes of the tiny artifacts the fixtures build.
CLASS_NAMES = ["Class A", "Class B", "Class C"]

# The fixtures `make_settings` and `make_client` (conftest.py) are factories of these types.
SettingsFactory = Callable[..., Settings]
ClientFactory = Callable[..., AbstractContextManager[TestClient]]


def upload(
    client: TestClient,
    data: bytes,
    name: str = "lesion.jpg",
    field: str = "file",
    content_type: str = "image/jpeg",
    params: dict[str, str] | None = None,
) -> httpx.Response:
    return client.post("/predict", files={field: (name, data, content_type)}, params=params)


def assert_error(response: httpx.Response, status: int, *words: str) -> None:
    """A JSON error answer with this status whose `detail` is a readable sentence naming `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert "Traceback" not in detail
    for word in words:
        assert word.lower() in detail.lower(), detail


class GatedPredictor:
    """Holds the forward pass until released, once armed, to show the event loop stays free meanwhile."""

    def __init__(self, inner: Predictor) -> None:
        self.inner, self.runtime = inner, inner.runtime
        self.armed, self.entered, self.release = False, threading.Event(), threading.Event()
        self.calls: list[int] = []  # batch sizes of the forward passes, warm-up included

    def predict(self, batch: np.ndarray) -> ModelOutputs:
        self.calls.append(len(batch))
        if self.armed:
            self.entered.set()
            assert self.release.wait(WAIT_S)
        return self.inner.predict(batch)


def gated_loader(gated: list[GatedPredictor]) -> Callable[[Settings], Classifier]:
    """A loader for `ModelService` whose classifier runs a `GatedPredictor`, appended to `gated`."""

    def loader(settings: Settings) -> Classifier:
        classifier = load_from_settings(settings)
        gated.append(GatedPredictor(classifier.predictor))
        return Classifier(
            classifier.info,
            gated[-1],
            classifier.max_pixels,
            formats=classifier.formats,
            decode_budget=classifier.decode_budget,
        )

    return loader


class FastDeadlines(HardenedHttpToolsProtocol):
    header_timeout_s = 0.5


@contextmanager
def live_server(app: FastAPI, keep_alive_s: int = 1, **options: Any) -> Iterator[int]:
    """Serve `app` with the hardened protocol on a free loopback port; yields the port."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http=FastDeadlines,
        timeout_keep_alive=keep_alive_s,
        server_header=False,
        log_level="warning",
        lifespan="on",
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(WAIT_S)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
