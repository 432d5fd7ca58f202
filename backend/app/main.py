"""Application factory: `create_app(settings)` for tests and tools, module-level `app` for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.formparsers import MultiPartParser
from starlette.middleware.cors import CORSMiddleware

from app import __version__
from app.api.routes import docs, health, metrics, model, predict, root
from app.core.config import Settings
from app.core.errors import register_exception_handlers
from app.core.logging import configure_logging
from app.core.metrics import Metrics, MetricsMiddleware
from app.core.middleware import (
    REQUEST_ID_HEADER,
    ForwardedPrefixMiddleware,
    RequestLoggingMiddleware,
    SecurityHeadersMiddleware,
)
from app.core.uploads import FORM_OVERHEAD_BYTES, UploadGuardMiddleware
from app.schemas import DISCLAIMER
from app.services.batching import Batcher
from app.services.capacity import Capacity
from app.services.classifier import ModelService

API_TITLE = "Skin Lesion Classifier API"


def keep_uploads_in_memory(max_upload_bytes: int) -> None:
    """Starlette spools uploads over 1 MB to a temporary file; raise that threshold above the upload limit.

    Uploads are bounded by `UploadGuardMiddleware`, so they stay in memory and never touch the disk. This is
    a process-wide class attribute (Starlette offers no per-app knob), so it only ever grows.
    """
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_upload_bytes + FORM_OVERHEAD_BYTES)


def create_app(settings: Settings | None = None, model_service: ModelService | None = None) -> FastAPI:
    """Build the app; the model starts loading in the background when the lifespan starts."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    keep_uploads_in_memory(settings.max_upload_bytes)
    service = model_service or ModelService(settings)
    capacity = Capacity(settings.max_queue_wait_s, settings.max_queued_uploads, settings.max_queued_upload_bytes)
    batcher = Batcher(capacity, settings.max_batch_size, settings.batch_window_ms / 1000, settings.decode_threads)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()  # returns at once: /health answers 503 until the model is ready
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title=API_TITLE,
        version=__version__,
        description=(
            "Classifies skin lesion images with a transfer-learning model (`GET /health` names the "
            f"one loaded).\n\n**{DISCLAIMER}**"
        ),
        lifespan=lifespan,
        openapi_url=None,  # served by docs.schema_router, with the proxy's prefix as the server
        docs_url=None,  # self-hosted below, not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.model_service = service
    app.state.capacity = capacity
    app.state.batcher = batcher
    register_exception_handlers(app)
    for router in (root.router, health.router, model.router, predict.router, docs.schema_router):
        app.include_router(router)
    if settings.docs_enabled:
        docs.add_docs(app)
    app.state.metrics = Metrics(service, capacity, batcher) if settings.metrics_enabled else None
    if app.state.metrics is not None:
        app.include_router(metrics.router)

    # Added innermost first: metrics wrap logging, which wraps the security headers, which wrap CORS, which
    # wraps the upload guard. So 408/413/503 refusals carry CORS and security headers, and every answer,
    # preflights included, is logged with its request id and counted.
    app.add_middleware(
        UploadGuardMiddleware,
        max_upload_bytes=settings.max_upload_bytes,
        capacity=capacity,
        body_timeout_s=settings.body_timeout_s,
        body_min_rate=settings.body_min_rate,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
    )
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=(docs.DOCS_PATH,), no_store_paths=("/predict",))
    app.add_middleware(RequestLoggingMiddleware)
    if app.state.metrics is not None:
        app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(ForwardedPrefixMiddleware)
    return app


app = create_app()
