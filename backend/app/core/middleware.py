"""Pure ASGI middleware: request logging with a request id, security headers on every answer, and the path
prefix a reverse proxy serves the API under.

Plain ASGI (not `BaseHTTPMiddleware`), so bodies are never buffered; uploads are guarded in `uploads.py`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("app.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# An API answers JSON only: nothing in it may load, frame or be framed.
API_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# The self-hosted Swagger UI page runs its own files and one inline script that starts it.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


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
                request_id,
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


class SecurityHeadersMiddleware:
    """Add security headers to every answer, and `Cache-Control: no-store` to the ones about an upload.

    Predictions concern a person's health: no browser or proxy cache may keep them. The docs pages get a
    Content-Security-Policy that lets them run their own (self-hosted) script and styles.
    """

    def __init__(self, app: ASGIApp, docs_paths: tuple[str, ...] = (), no_store_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.no_store_paths = no_store_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = get_route_path(scope)
        is_docs = any(path == prefix or path.startswith(prefix + "/") for prefix in self.docs_paths)
        no_store = path in self.no_store_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if is_docs:
                    headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
                if no_store:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


FORWARDED_PREFIX_HEADER = b"x-forwarded-prefix"
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)+")


class ForwardedPrefixMiddleware:
    """Take the proxy's `X-Forwarded-Prefix` (e.g. `/api`) as the ASGI root path.

    nginx strips the prefix before the request arrives, so routing is unchanged; the OpenAPI schema then names
    the prefixed URL as its server, so Swagger UI behind the proxy calls `/api/predict`, not `/predict`. Only
    a plain path is accepted; anything else is ignored.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            prefix = dict(scope["headers"]).get(FORWARDED_PREFIX_HEADER, b"").decode("latin-1").rstrip("/")
            if _PREFIX.fullmatch(prefix):  # ASGI: `path` includes `root_path`; routing strips it again
                scope = {
                    **scope,
                    "root_path": scope.get("root_path", "") + prefix,
                    "path": prefix + scope["path"],
                    "raw_path": prefix.encode() + scope.get("raw_path", scope["path"].encode()),
                }
        await self.app(scope, receive, send)
