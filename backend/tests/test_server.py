"""The real server on loopback: slow and idle clients, refusals a client can read, dropped work, shutdown.

TestClient never opens a socket, so these start uvicorn (in a thread, or `python -m app.server` in a
process) on 127.0.0.1 and talk to it with raw sockets and httpx.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.server import command_line, uvicorn_defaults
from app.services.classifier import ModelService
from tests import images
from tests.utils import WAIT_S, GatedPredictor, SettingsFactory, free_port, gated_loader, live_server

BACKEND_DIR = Path(__file__).resolve().parents[1]
LIMIT = 64 * 1024


@pytest.fixture
def modelless_app(make_settings: SettingsFactory, tmp_path: Path) -> FastAPI:
    """No model (it fails to load at once, no TensorFlow): enough for everything that happens before inference."""
    return create_app(
        make_settings(model_dir=tmp_path / "none", max_upload_bytes=LIMIT, body_timeout_s=0.5, body_min_rate=1 << 30)
    )


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (raises ConnectionResetError on a reset)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def status_and_detail(response: bytes) -> tuple[int, str]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["detail"]


FILE_PART_HEAD = b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'


def upload_head(length: int, path: str = "/predict") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_idle_connection_is_closed(modelless_app: FastAPI) -> None:
    with live_server(modelless_app, keep_alive_s=1) as port, connect(port) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server, without a request ever being sent
        assert time.monotonic() - started < 3


def trickle(sock: socket.socket, chunk: bytes, times: int = 50) -> None:
    """Send `chunk` every 0.1 s: a client too slow for the server's deadlines."""
    for _ in range(times):
        sock.sendall(chunk)
        time.sleep(0.1)


def test_trickled_headers_get_408(modelless_app: FastAPI) -> None:
    with live_server(modelless_app) as port, connect(port) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        with pytest.raises(OSError):  # the server answers and closes while we are still trickling
            trickle(sock, b"X-Slow: 1\r\n")
        status, detail = status_and_detail(read_all(sock))
        assert status == 408 and "too slow" in detail
        assert time.monotonic() - started < 3


def test_trickled_body_gets_408(modelless_app: FastAPI) -> None:
    with live_server(modelless_app) as port, connect(port) as sock:
        sock.sendall(upload_head(10_000) + FILE_PART_HEAD)
        started = time.monotonic()
        with pytest.raises(OSError):
            trickle(sock, b"x" * 10)
        status, detail = status_and_detail(read_all(sock))
        assert status == 408 and "too slow" in detail.lower()
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("size", [2 * LIMIT, 20 * 2**20], ids=["just-over", "20MB"])
def test_oversized_upload_413_reaches_the_client(modelless_app: FastAPI, size: int) -> None:
    """The body is drained after the answer, so the client reads the 413 instead of a connection reset."""
    with live_server(modelless_app) as port:
        with connect(port) as sock:
            sock.sendall(upload_head(size) + b"x" * size)  # a client that sends everything before reading
            status, detail = status_and_detail(read_all(sock))
        assert status == 413 and f"{LIMIT:,} bytes" in detail
        response = httpx.post(
            f"http://127.0.0.1:{port}/predict", files={"file": ("big.jpg", b"x" * size)}, timeout=WAIT_S
        )
        assert response.status_code == 413 and response.json()["detail"] == detail


def test_live_headers(modelless_app: FastAPI) -> None:
    with live_server(modelless_app) as port:
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=WAIT_S)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_work_for_a_client_that_has_gone_is_dropped(make_settings: SettingsFactory, onnx_artifact_dir: Path) -> None:
    gated: list[GatedPredictor] = []
    service = ModelService(make_settings(model_dir=onnx_artifact_dir), loader=gated_loader(gated))
    app = create_app(service.settings, service)
    with live_server(app) as port:
        assert service.wait(WAIT_S)
        gated[0].calls.clear()  # the warm-up
        gated[0].armed = True
        url = f"http://127.0.0.1:{port}/predict"
        first: list[httpx.Response] = []
        worker = threading.Thread(
            target=lambda: first.append(httpx.post(url, files={"file": ("a.jpg", images.jpeg())}, timeout=WAIT_S))
        )
        worker.start()
        assert gated[0].entered.wait(WAIT_S)

        body = multipart_file(images.jpeg())
        with connect(port) as sock:  # a second client sends its image, then gives up while queued
            sock.sendall(upload_head(len(body)) + body)
            deadline = time.monotonic() + WAIT_S
            while app.state.capacity.admitted < 2:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        gated[0].release.set()
        worker.join(WAIT_S)
        deadline = time.monotonic() + WAIT_S
        while app.state.capacity.admitted:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert first[0].status_code == 200
    assert gated[0].calls == [1], "the model ran for the client that left"


def multipart_file(data: bytes) -> bytes:
    return FILE_PART_HEAD + data + b"\r\n--b0undary--\r\n"


def test_server_entry_shuts_down_within_10_s_despite_a_trickling_upload(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "MODEL_DIR": str(tmp_path / "none"), "BODY_TIMEOUT_S": "120", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        command_line("127.0.0.1", port),
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        with connect(port) as sock:
            sock.sendall(upload_head(1_000_000) + FILE_PART_HEAD + b"x" * 100)  # and the rest never comes
            time.sleep(0.5)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
            assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # uvicorn ends by re-raising the signal it handled, so the exit status is "terminated by SIGTERM".
    assert process.returncode in (0, -signal.SIGTERM), process.stderr.read().decode()


def test_server_entry_defaults_come_from_settings(make_settings: SettingsFactory) -> None:
    defaults = uvicorn_defaults(make_settings(keep_alive_timeout_s=3, shutdown_timeout_s=4, max_connections=9))
    assert defaults == {
        "http": "app.core.protocol:HardenedHttpToolsProtocol",
        "timeout_keep_alive": 3,
        "timeout_graceful_shutdown": 4,
        "limit_concurrency": 9,
        "server_header": False,
    }
