"""Readiness for load balancers and compose: 200 only once the model is loaded and warmed up.

`async` on purpose: it reads a flag, so it runs on the event loop and never waits behind inference threads.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ModelServiceDep
from app.schemas import MODEL_NOT_READY_RESPONSE, HealthResponse

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Is the model ready to answer?",
    description="200 once the model is loaded and warmed up, 503 before that or if loading failed.",
    responses=MODEL_NOT_READY_RESPONSE,
)
async def health(service: ModelServiceDep) -> HealthResponse:
    classifier = service.ready_classifier()  # 503 with Retry-After until it is ready
    return HealthResponse(status="ok", model_version=classifier.info.model_version, runtime=classifier.runtime)
