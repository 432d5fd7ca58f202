"""uvicorn's httptools protocol with the two deadlines it lacks, for a server open to the internet.

uvicorn arms its keep-alive timer only after a response, so a connection that never sends a request stays
open for ever, and it waits without end for headers that trickle in a byte at a time. Here a new connection
gets the keep-alive timeout too, and a request's headers must be complete within `header_timeout_s` of their
first byte, or the connection is answered 408 and closed. (Bodies are timed by `app.core.uploads`.)
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADERS_TOO_SLOW_MESSAGE = "Request headers too slow: they did not arrive in time."


@cache
def configured_header_timeout() -> float:
    from app.core.config import Settings  # read once per process, from the environment like the app

    return Settings().header_timeout_s


class HardenedHttpToolsProtocol(HttpToolsProtocol):
    """Close idle new connections after the keep-alive timeout; answer 408 to headers slower than the limit."""

    header_timeout_s: float | None = None  # None: HEADER_TIMEOUT_S from the settings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_limit_s = configured_header_timeout() if self.header_timeout_s is None else self.header_timeout_s

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # The same timer uvicorn arms after each response; the first byte of a request cancels it.
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._cancel_header_deadline()
        self._header_deadline = self.loop.call_later(self._header_limit_s, self._headers_timed_out)

    def on_headers_complete(self) -> None:
        self._cancel_header_deadline()
        super().on_headers_complete()

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_timed_out(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        body = json.dumps({"detail": HEADERS_TOO_SLOW_MESSAGE}).encode()
        head = [b"HTTP/1.1 408 Request Timeout\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
