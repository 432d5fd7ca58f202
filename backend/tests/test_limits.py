"""Upload limits: oversized, slow and surplus uploads are refused early, readably, and without being held."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.core import uploads
from app.core.uploads import FORM_OVERHEAD_BYTES, UploadGuardMiddleware
from app.services.capacity import Capacity
from tests import images
from tests.utils import ClientFactory, SettingsFactory, assert_error, upload

LIMIT = 64 * 1024
PIXEL_LIMIT = 10_000  # 100 x 100


@pytest.fixture(scope="module")
def limited_client(make_settings: SettingsFactory, make_client: ClientFactory) -> Iterator[TestClient]:
    with make_client(make_settings(max_upload_bytes=LIMIT, max_image_pixels=PIXEL_LIMIT)) as client:
        yield client


def multipart_body(payload: bytes, boundary: str = "boundary123") -> bytes:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode()


def test_image_within_limits_is_classified(limited_client: TestClient) -> None:
    assert upload(limited_client, images.jpeg(64, 48)).status_code == 200


def test_declared_content_length_over_limit(limited_client: TestClient) -> None:
    body = multipart_body(b"\xff" * (LIMIT + FORM_OVERHEAD_BYTES + 1))
    response = limited_client.post(
        "/predict",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=boundary123", "origin": "http://localhost:5173"},
    )
    assert_error(response, 413, "too large", f"{LIMIT:,} bytes")
    # The browser frontend must be able to read the reason, so the 413 carries CORS headers too.
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.headers["connection"] == "close"


def test_chunked_body_without_content_length_is_cut_off(limited_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield from (multipart_body(b"\xff" * (4 * LIMIT))[i : i + 8192] for i in range(0, 4 * LIMIT, 8192))

    response = limited_client.post(
        "/predict", content=chunks(), headers={"content-type": "multipart/form-data; boundary=boundary123"}
    )
    assert_error(response, 413, "too large")


def test_file_just_over_limit_inside_form_overhead(limited_client: TestClient) -> None:
    """The body limit leaves room for form headers; the file itself is still held to the exact limit."""
    assert_error(upload(limited_client, b"\xff" * (LIMIT + 1)), 413, "too large")


def test_pixel_limit_from_settings(limited_client: TestClient) -> None:
    assert_error(upload(limited_client, images.jpeg(101, 100)), 413, "10,000 pixels")


def test_limit_applies_only_to_predict(limited_client: TestClient) -> None:
    response = limited_client.post("/health", content=b"x" * (2 * LIMIT + FORM_OVERHEAD_BYTES))
    assert response.status_code == 405


# Pure ASGI checks of the guard: a fake client feeds the body, a fake app reads it the way frameworks do.


class FakeClient:
    """Feeds `total` bytes in `chunk`-sized messages, `delay` seconds apart, and records what is sent back."""

    def __init__(self, total: int, chunk: int = 1000, delay: float = 0.0) -> None:
        self.total, self.chunk, self.delay = total, chunk, delay
        self.delivered = 0
        self.sent: list[Message] = []
        self.delivered_when_answered: int | None = None

    async def receive(self) -> Message:
        if self.delivered >= self.total:
            await asyncio.sleep(3600)  # a body already complete: the next message would be a disconnect
        await asyncio.sleep(self.delay)
        size = min(self.chunk, self.total - self.delivered)
        self.delivered += size
        return {"type": "http.request", "body": b"x" * size, "more_body": self.delivered < self.total}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.delivered_when_answered = self.delivered
        self.sent.append(message)

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def detail(self) -> str:
        return json.loads(self.sent[1]["body"])["detail"]


async def reading_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the whole body; a failed read becomes the framework's own 400, as FastAPI does."""
    try:
        while (await receive()).get("more_body"):
            pass
    except Exception:
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"bad body"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def guard(
    limit: int = 5000, capacity: Capacity | None = None, body_timeout_s: float = 10.0, body_min_rate: int = 1 << 30
) -> UploadGuardMiddleware:
    return UploadGuardMiddleware(
        reading_app,
        max_upload_bytes=limit,
        capacity=capacity or Capacity(max_wait_s=2.0, max_requests=1, max_bytes=10**8),
        body_timeout_s=body_timeout_s,
        body_min_rate=body_min_rate,
    )


def post(headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {"type": "http", "method": "POST", "path": "/predict", "headers": headers or []}


def test_counted_body_stops_the_app_at_the_limit_then_drains() -> None:
    """A streamed body is read by the app only until the limit; the 413 goes out, then the rest is dropped."""
    limit, chunk = 5000, 1000
    body_limit = limit + FORM_OVERHEAD_BYTES
    client = FakeClient(total=10 * body_limit, chunk=chunk)
    asyncio.run(guard(limit)(post(), client.receive, client.send))

    assert client.status == 413 and "too large" in client.detail.lower()
    assert client.delivered_when_answered == (body_limit // chunk + 1) * chunk  # the crossing chunk, none after
    assert client.delivered == client.total  # drained before closing, so the client can read the 413
    assert client.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert (b"connection", b"close") in client.sent[0]["headers"]


def test_declared_length_over_limit_is_answered_before_reading() -> None:
    client = FakeClient(total=200_000)
    headers = [(b"content-length", str(client.total).encode())]
    asyncio.run(guard()(post(headers), client.receive, client.send))
    assert client.status == 413
    assert client.delivered_when_answered == 0
    assert client.delivered == client.total


def test_drain_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "DRAIN_MAX_BYTES", 50_000)
    client = FakeClient(total=10**9, chunk=10_000)
    asyncio.run(guard()(post([(b"content-length", b"1000000000")]), client.receive, client.send))
    assert client.status == 413
    assert client.delivered <= 60_000


def test_trickled_body_gets_408_at_the_deadline() -> None:
    client = FakeClient(total=100_000, chunk=10, delay=0.05)  # 200 bytes/s
    started = time.monotonic()
    asyncio.run(guard(limit=1_000_000, body_timeout_s=0.5, body_min_rate=10_000)(post(), client.receive, client.send))
    assert client.status == 408 and "too slow" in client.detail.lower()
    assert time.monotonic() - started < 2.0
    assert client.delivered < 1000


def test_slow_but_steady_body_gets_more_time() -> None:
    """Each body byte earns time at the minimum rate: 20 kB at 40 kB/s takes 0.5 s, past the 0.3 s base."""
    client = FakeClient(total=20_000, chunk=2000, delay=0.05)
    asyncio.run(guard(limit=1_000_000, body_timeout_s=0.3, body_min_rate=10_000)(post(), client.receive, client.send))
    assert client.status == 200


def test_request_beyond_the_expected_wait_is_shed_with_retry_after() -> None:
    capacity = Capacity(max_wait_s=2.0, max_requests=10, max_bytes=10**6)
    capacity.measured(0.8)
    for _ in range(3):
        assert capacity.admit(100)  # 0, 0.8 and 1.6 s expected: within the budget
    assert capacity.expected_wait_s() == pytest.approx(2.4)
    client = FakeClient(total=50_000)
    asyncio.run(guard(capacity=capacity)(post(), client.receive, client.send))
    assert client.status == 503 and "busy" in client.detail and "3 seconds" in client.detail
    assert (b"retry-after", b"3") in client.sent[0]["headers"]
    assert client.delivered_when_answered == 0 and client.delivered == client.total
    assert capacity.admitted == 3 and capacity.shed == 1


def test_upload_that_does_not_fit_the_queue_bytes_is_refused_before_it_is_read() -> None:
    capacity = Capacity(max_wait_s=2.0, max_requests=10, max_bytes=100_000)
    assert capacity.admit(60_000)  # an upload in progress
    client = FakeClient(total=50_000)
    asyncio.run(guard(60_000, capacity)(post([(b"content-length", b"50000")]), client.receive, client.send))
    assert client.status == 503 and client.delivered_when_answered == 0
    capacity.leave(60_000)
    client = FakeClient(total=50_000)
    asyncio.run(guard(60_000, capacity)(post([(b"content-length", b"50000")]), client.receive, client.send))
    assert client.status == 200
    assert capacity.admitted == 0 and capacity.admitted_bytes == 0 and capacity.shed == 1


def test_admission_is_released_after_each_request() -> None:
    capacity = Capacity(max_wait_s=2.0, max_requests=1, max_bytes=10**6)
    for _ in range(3):
        client = FakeClient(total=100)
        asyncio.run(guard(capacity=capacity)(post(), client.receive, client.send))
        assert client.status == 200
    assert capacity.admitted == 0 and capacity.admitted_bytes == 0
