"""GET /openapi.json, and GET /docs: Swagger UI served by this server, from the files fastapi-offline ships.

FastAPI's own page loads its script from a CDN, which would run third-party code next to the API. URLs here
are relative, so the page also works behind a path prefix (nginx serves the API under /api/).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

OPENAPI_PATH = "/openapi.json"
DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)
schema_router = APIRouter(include_in_schema=False)


@schema_router.get(OPENAPI_PATH, description="The OpenAPI schema.")
async def openapi_schema(request: Request) -> dict[str, Any]:
    """The schema, with the proxy's path prefix as its server on each request.

    FastAPI's own route caches the first request's prefix, so a schema fetched directly and then through
    the proxy (or the other way round) would name the wrong server.
    """
    schema = dict(request.app.openapi())
    root_path = request.scope.get("root_path", "").rstrip("/")
    if root_path:
        schema["servers"] = [{"url": root_path}]
    return schema


@router.get(DOCS_PATH, description="Interactive OpenAPI documentation (self-hosted Swagger UI).")
async def swagger_ui(request: Request) -> HTMLResponse:
    assets = ASSETS_PATH.lstrip("/")  # relative to /docs: docs/assets/...
    return get_swagger_ui_html(
        openapi_url="openapi.json",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon.png",
    )


def add_docs(app: FastAPI) -> None:
    """Serve the page and the package's static files (its script, styles and icon)."""
    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
