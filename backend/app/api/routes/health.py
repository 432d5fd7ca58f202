"""Readiness for load balancers and compose: 200 only once the model is loaded and warmed up."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from app.api.deps import ModelServiceDep
from app.schemas import ErrorResponse, HealthResponse
from app.services.classifier import ModelNotReadyError

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Is the model ready to answer?",
    responses={503: {"model": ErrorResponse, "description": "The model is loading or failed to load."}},
)
def health(service: ModelServiceDep) -> HealthResponse:
    try:
        classifier = service.ready_classifier()
    except ModelNotReadyError as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(error)) from error
    return HealthResponse(status="ok", model_version=classifier.info.model_version, runtime=classifier.runtime)
