"""What this API is, what it offers and the model behind it (`async`: never waits behind inference)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.routing import iter_route_contexts

from app import __version__
from app.api.deps import ModelServiceDep
from app.schemas import DISCLAIMER, RootResponse

router = APIRouter(tags=["about"])


def describe_endpoints(request: Request) -> dict[str, str]:
    """ "METHOD /path" -> description, for every route this app serves besides this one, read from the routes
    themselves (so a new endpoint, or /docs switched off, shows here without a list to keep)."""
    endpoints: dict[str, str] = {}
    for route in iter_route_contexts(request.app.routes):
        if not route.methods or route.path in (None, "/"):
            continue  # mounted static files, or this very route
        for method in sorted(route.methods - {"HEAD"}):
            endpoints[f"{method} {route.path}"] = route.description or route.summary or str(route.name)
    return endpoints


@router.get("/", response_model=RootResponse, summary="About this API")
async def root(request: Request, service: ModelServiceDep) -> RootResponse:
    classifier = service.classifier
    return RootResponse(
        name=request.app.title,
        version=__version__,
        description="Classifies a photo of a skin lesion into one of the model's classes, with confidences.",
        disclaimer=DISCLAIMER,
        endpoints=describe_endpoints(request),
        model_status=service.state.value,
        model_version=classifier.info.model_version if classifier else None,
        runtime=classifier.runtime if classifier else None,
        classes=list(classifier.info.class_names) if classifier else [],
    )
