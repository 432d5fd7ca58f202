"""POST /predict: one uploaded image in, ranked class confidences out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from app.api.deps import ModelServiceDep, SettingsDep
from app.core.middleware import upload_too_large_message
from app.schemas import ClassScore, ErrorResponse, PredictionResponse
from app.services.classifier import ModelNotReadyError
from skin_classifier.preprocessing import ImageError, ImageTooLargeError, NotAnImageError

router = APIRouter(tags=["predict"])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The multipart body is malformed."},
    413: {"model": ErrorResponse, "description": "The upload is over the size limit, or decodes to too many pixels."},
    415: {"model": ErrorResponse, "description": "Not a supported image (judged by the bytes, not the name)."},
    422: {"model": ErrorResponse, "description": "No 'file' field, an empty file, or a corrupt or truncated image."},
    503: {"model": ErrorResponse, "description": "The model is loading or failed to load."},
}


def image_error_status(error: ImageError) -> int:
    """Too many pixels is a size problem (413), unknown bytes a type problem (415), the rest bad content (422)."""
    if isinstance(error, ImageTooLargeError):
        return 413
    if isinstance(error, NotAnImageError):
        return 415
    return 422


@router.post(
    "/predict",
    response_model=PredictionResponse,
    summary="Classify a skin lesion image",
    responses=ERROR_RESPONSES,
)
async def predict(
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP, BMP, GIF or TIFF image.")],
    service: ModelServiceDep,
    settings: SettingsDep,
) -> PredictionResponse:
    # Read at most one byte past the limit: enough to tell "too large" without holding more.
    data = await file.read(settings.max_upload_bytes + 1)
    await file.close()
    if len(data) > settings.max_upload_bytes:
        raise HTTPException(413, upload_too_large_message(settings.max_upload_bytes))
    if not data:
        raise HTTPException(422, "The uploaded file is empty.")
    try:
        # Off the event loop: /health and other requests keep being answered during inference.
        result = await run_in_threadpool(service.classify, data)
    except ModelNotReadyError as error:
        raise HTTPException(503, str(error)) from error
    except ImageError as error:
        raise HTTPException(image_error_status(error), str(error)) from error
    return PredictionResponse(
        predicted_class=result.prediction.predicted_class,
        confidence=result.prediction.confidence,
        all_predictions=[
            ClassScore(class_name=score.class_name, confidence=score.confidence)
            for score in result.prediction.all_predictions
        ],
        model_version=result.model_version,
        runtime=result.runtime,
        inference_ms=round(result.inference_ms, 3),
    )
