"""Pure ASGI middleware: request logging with a request id, and an upload size limit.

Both are plain ASGI (not `BaseHTTPMiddleware`) so the body is never buffered and the limit applies while the
bytes arrive.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("app.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# Room for the multipart boundaries and part headers around the file; the file itself is checked exactly.
FORM_OVERHEAD_BYTES = 16 * 1024


def upload_too_large_message(max_upload_bytes: int) -> str:
    return f"Upload too large: the limit is {max_upload_bytes:,} bytes ({max_upload_bytes / 2**20:.1f} MB)."


class RequestLoggingMiddleware:
    """Log request id, method, path, status and latency; never bodies, file names or query strings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logger.info(
                "request_id=%s method=%s path=%s status=%d duration_ms=%.1f",
                request_id, scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000,
            )


class _BodyTooLarge(Exception):
    """Raised from `receive` to stop the app reading once the limit is passed."""


class UploadLimitMiddleware:
    """Answer 413 for POST bodies over the upload limit (plus form overhead), without buffering them.

    A declared Content-Length over the limit is refused before any body is read; a body without one
    (chunked) is counted as it arrives and cut off at the limit. Whatever the app answers after the cut-off
    (frameworks turn a failed body read into a 400) is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_upload_bytes: int, paths: tuple[str, ...] = ("/predict",)) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.max_body_bytes = max_upload_bytes + FORM_OVERHEAD_BYTES
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject(send)
            return

        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not response_started:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": upload_too_large_message(self.max_upload_bytes)}).encode()
        await send({
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        })
        await send({"type": "http.response.body", "body": body})
