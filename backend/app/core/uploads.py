"""Guard for upload routes: size limit (413), slow bodies (408) and admission (503), before any parsing.

Plain ASGI, so it acts while the bytes arrive: a declared Content-Length over the limit and a request that
`Capacity` does not admit are refused before the body is read, a body without a length (chunked) is counted as it arrives,
and a body that trickles is cut off. An upload's body must arrive within `body_timeout_s`, plus one second
for every `body_min_rate` bytes received, so slow but steady phones get time and a trickle does not.

A refusal must reach the client. Closing a socket with request bytes still unread makes the kernel reset
the connection, and the client (or nginx in front, as a 502) then sees a reset instead of the answer. So the
answer is sent first, then the rest of the body is read and dropped, up to a bound, as a lingering close
does, and only then is the connection closed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time

import anyio
from starlette.datastructures import Headers
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.capacity import Capacity, overloaded_message

logger = logging.getLogger("app.uploads")

# Room for the multipart boundaries and part headers around the file; the file itself is checked exactly.
FORM_OVERHEAD_BYTES = 16 * 1024
# After a refusal, read and drop at most this much of the rest of the body, for at most this long. More than
# nginx lets through (frontend/nginx.conf: client_max_body_size 11m), so it always gets our answer.
DRAIN_MAX_BYTES = 64 * 2**20
DRAIN_MAX_S = 5.0


def upload_too_large_message(max_upload_bytes: int) -> str:
    return f"Upload too large: the limit is {max_upload_bytes:,} bytes ({max_upload_bytes / 2**20:.1f} MB)."


UPLOAD_TOO_SLOW_MESSAGE = "Upload too slow: the image did not arrive in time. Check the connection and try again."


class _RefusedError(Exception):
    """Raised from `receive` to stop the app reading a body we refuse."""


async def drain(receive: Receive) -> int:
    """Read and drop the rest of a request body, up to DRAIN_MAX_BYTES and DRAIN_MAX_S; the bytes dropped."""
    dropped = 0
    with anyio.move_on_after(DRAIN_MAX_S):
        while dropped <= DRAIN_MAX_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client has gone
            dropped += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
    return dropped


async def refuse(
    send: Send, receive: Receive | None, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    """Answer `status` with a JSON detail and close; with `receive`, drain the body before closing."""
    body = json.dumps({"detail": detail}).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": receive is not None})
    if receive is not None:
        await drain(receive)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class UploadGuardMiddleware:
    """Refuse POST bodies on `paths` that are too large (413), too slow (408) or not admitted (503)."""

    def __init__(
        self,
        app: ASGIApp,
        max_upload_bytes: int,
        capacity: Capacity,
        body_timeout_s: float,
        body_min_rate: int,
        paths: tuple[str, ...] = ("/predict",),
    ) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.max_body_bytes = max_upload_bytes + FORM_OVERHEAD_BYTES
        self.capacity = capacity
        self.body_timeout_s = body_timeout_s
        self.body_min_rate = body_min_rate
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or get_route_path(scope) not in self.paths:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await refuse(send, receive, 413, upload_too_large_message(self.max_upload_bytes))
            return
        # What the upload may hold in memory: its declared length, else (chunked) the most it may send.
        upload_bytes = int(declared) if declared.isdigit() else self.max_body_bytes
        if not self.capacity.admit(upload_bytes):
            retry_after = self.capacity.retry_after_s()
            logger.info(
                "Shed a prediction: %d admitted (%d bytes), expected wait %.2f s",
                self.capacity.admitted,
                self.capacity.admitted_bytes,
                self.capacity.expected_wait_s(),
            )
            await refuse(send, receive, 503, overloaded_message(retry_after), {"Retry-After": str(retry_after)})
            return
        try:
            await self._guarded(scope, receive, send)
        finally:
            self.capacity.leave(upload_bytes)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        body_done = False
        refusal: tuple[int, str] | None = None
        response_started = False
        started = time.monotonic()

        async def guarded_receive() -> Message:
            nonlocal received, body_done, refusal
            if body_done:
                return await receive()  # e.g. waiting for a disconnect: no deadline
            allowed = started + self.body_timeout_s + received / self.body_min_rate - time.monotonic()
            with anyio.move_on_after(max(allowed, 0.0)) as scope_:
                message = await receive()
            if scope_.cancelled_caught:
                refusal = (408, UPLOAD_TOO_SLOW_MESSAGE)
                raise _RefusedError()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_body_bytes:
                    refusal = (413, upload_too_large_message(self.max_upload_bytes))
                    raise _RefusedError()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refusal is not None:
                return  # the app's answer to a cut-off body (frameworks make it a 400) is replaced below
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with contextlib.suppress(_RefusedError):
            await self.app(scope, guarded_receive, guarded_send)
        if refusal is not None and not response_started:
            status, detail = refusal
            logger.info(
                "Refused an upload: status=%d after %d bytes in %.1f s", status, received, time.monotonic() - started
            )
            # A slow client is not waited for again; an oversized body is drained so the 413 can be read.
            await refuse(send, receive if status == 413 and not body_done else None, status, detail)
