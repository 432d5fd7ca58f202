"""Application factory: `create_app(settings)` for tests and tools, module-level `app` for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.formparsers import MultiPartParser
from starlette.middleware.cors import CORSMiddleware

from app import __version__
from app.api.routes import health, predict, root
from app.core.config import Settings
from app.core.errors import register_exception_handlers
from app.core.logging import configure_logging
from app.core.middleware import FORM_OVERHEAD_BYTES, REQUEST_ID_HEADER, RequestLoggingMiddleware, UploadLimitMiddleware
from app.schemas import DISCLAIMER
from app.services.classifier import ModelService


def keep_uploads_in_memory(max_upload_bytes: int) -> None:
    """Starlette spools uploads over 1 MB to a temporary file; raise that threshold above the upload limit.

    Uploads are bounded by `UploadLimitMiddleware`, so they stay in memory and never touch the disk. This is
    a process-wide class attribute (Starlette offers no per-app knob), so it only ever grows.
    """
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_upload_bytes + FORM_OVERHEAD_BYTES)


def create_app(settings: Settings | None = None, model_service: ModelService | None = None) -> FastAPI:
    """Build the app; the model starts loading in the background when the lifespan starts."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    keep_uploads_in_memory(settings.max_upload_bytes)
    service = model_service or ModelService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()  # returns at once: /health answers 503 until the model is ready
        yield

    app = FastAPI(
        title="Skin Lesion Classifier API",
        version=__version__,
        description=f"Classifies skin lesion images with a VGG16 transfer-learning model.\n\n**{DISCLAIMER}**",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.model_service = service
    register_exception_handlers(app)
    for router in (root.router, health.router, predict.router):
        app.include_router(router)

    # Added innermost first: logging wraps CORS wraps the upload limit, so 413s carry CORS headers and
    # every answer, preflights included, is logged with its request id.
    app.add_middleware(UploadLimitMiddleware, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=[REQUEST_ID_HEADER],
    )
    app.add_middleware(RequestLoggingMiddleware)
    return app


app = create_app()
