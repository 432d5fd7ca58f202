"""Readiness for load balancers and compose: 200 only once the model is loaded and warmed up.

`async` on purpose: it reads a flag, so it runs on the event loop and never waits behind inference threads.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from app.api.deps import ModelServiceDep
from app.schemas import RETRY_AFTER_HEADER, ErrorResponse, HealthResponse
from app.services.classifier import NOT_READY_RETRY_AFTER_S, ModelNotReadyError

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Is the model ready to answer?",
    responses={503: {"model": ErrorResponse, "headers": RETRY_AFTER_HEADER,
                     "description": "The model is loading or failed to load."}},
)
async def health(service: ModelServiceDep) -> HealthResponse:
    try:
        classifier = service.ready_classifier()
    except ModelNotReadyError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error),
                            headers={"Retry-After": str(NOT_READY_RETRY_AFTER_S)}) from error
    return HealthResponse(status="ok", model_version=classifier.info.model_version, runtime=classifier.runtime)
