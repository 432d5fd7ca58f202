"""Size limits: oversized bodies are refused without being read whole, huge images before decoding."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.core.middleware import FORM_OVERHEAD_BYTES, UploadLimitMiddleware
from tests import images
from tests.conftest import ClientFactory, SettingsFactory
from tests.test_predict import assert_error, upload

LIMIT = 64 * 1024
PIXEL_LIMIT = 10_000  # 100 x 100


@pytest.fixture(scope="module")
def limited_client(make_settings: SettingsFactory, make_client: ClientFactory) -> Iterator[TestClient]:
    with make_client(make_settings(max_upload_bytes=LIMIT, max_image_pixels=PIXEL_LIMIT)) as client:
        yield client


def multipart_body(payload: bytes, boundary: str = "boundary123") -> bytes:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode()


def test_image_within_limits_is_classified(limited_client: TestClient) -> None:
    assert upload(limited_client, images.jpeg(64, 48)).status_code == 200


def test_declared_content_length_over_limit(limited_client: TestClient) -> None:
    body = multipart_body(b"\xff" * (LIMIT + FORM_OVERHEAD_BYTES + 1))
    response = limited_client.post("/predict", content=body, headers={
        "content-type": "multipart/form-data; boundary=boundary123", "origin": "http://localhost:5173"})
    assert_error(response, 413, "too large", f"{LIMIT:,} bytes")
    # The browser frontend must be able to read the reason, so the 413 carries CORS headers too.
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


def test_chunked_body_without_content_length_is_cut_off(limited_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield from (multipart_body(b"\xff" * (4 * LIMIT))[i:i + 8192] for i in range(0, 4 * LIMIT, 8192))

    response = limited_client.post("/predict", content=chunks(),
                                   headers={"content-type": "multipart/form-data; boundary=boundary123"})
    assert_error(response, 413, "too large")


def test_file_just_over_limit_inside_form_overhead(limited_client: TestClient) -> None:
    """The body limit leaves room for form headers; the file itself is still held to the exact limit."""
    assert_error(upload(limited_client, b"\xff" * (LIMIT + 1)), 413, "too large")


def test_pixel_limit_from_settings(limited_client: TestClient) -> None:
    assert_error(upload(limited_client, images.jpeg(101, 100)), 413, "10,000 pixels")


def test_middleware_stops_reading_at_the_limit() -> None:
    """Pure ASGI check: a streamed body is read only until the limit, and the app's answer becomes a 413."""
    chunk, limit = 1000, 5000
    body_limit = limit + FORM_OVERHEAD_BYTES
    total_chunks = 10 * body_limit // chunk
    delivered = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal delivered
        delivered += 1
        return {"type": "http.request", "body": b"x" * chunk, "more_body": delivered < total_chunks}

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except Exception:  # frameworks turn a failed read into their own error answer
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"bad body"})

    middleware = UploadLimitMiddleware(app, max_upload_bytes=limit)
    scope = {"type": "http", "method": "POST", "path": "/predict", "headers": []}
    asyncio.run(middleware(scope, receive, send))

    assert delivered == body_limit // chunk + 1  # the chunk that crossed the limit, none after it
    assert sent[0]["status"] == 413
    assert "too large" in json.loads(sent[1]["body"])["detail"].lower()


def test_limit_applies_only_to_predict(limited_client: TestClient) -> None:
    response = limited_client.post("/health", content=b"x" * (2 * LIMIT + FORM_OVERHEAD_BYTES))
    assert response.status_code == 405
