"""POST /predict: one uploaded image in, ranked class confidences out."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from app.api.deps import CapacityDep, ModelServiceDep, SettingsDep
from app.core.uploads import upload_too_large_message
from app.schemas import RETRY_AFTER_HEADER, ClassScore, ErrorResponse, PredictionResponse
from app.services.capacity import RETRY_AFTER_S, Overloaded
from app.services.classifier import NOT_READY_RETRY_AFTER_S, ModelNotReadyError
from skin_classifier.preprocessing import ImageError, ImageTooLargeError, NotAnImageError, describe_formats

logger = logging.getLogger("app.predict")

router = APIRouter(tags=["predict"])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The multipart body is malformed, or has more than one file or "
                                                 "two fields."},
    408: {"model": ErrorResponse, "description": "The upload arrived too slowly."},
    413: {"model": ErrorResponse, "description": "The upload is over the size limit, or the image has more pixels "
                                                 "than its format may have."},
    415: {"model": ErrorResponse, "description": f"Not a {describe_formats()} image (judged by the bytes, not the "
                                                 "name)."},
    422: {"model": ErrorResponse, "description": "No 'file' field, an empty file, or a damaged, truncated or "
                                                 "malformed image."},
    503: {"model": ErrorResponse, "headers": RETRY_AFTER_HEADER,
          "description": "The server is busy (load shedding), or the model is loading or failed to load."},
}
# One file and at most two other fields (browsers may add one); text fields are small.
FORM_LIMITS = {"max_files": 1, "max_fields": 2, "max_part_size": 1024}


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
    form_limits=FORM_LIMITS,
)
async def predict(
    file: Annotated[UploadFile, File(description=f"A {describe_formats()} image.")],
    request: Request,
    service: ModelServiceDep,
    settings: SettingsDep,
    capacity: CapacityDep,
) -> PredictionResponse:
    # The upload guard has bounded the body already; the form overhead aside, the file is checked exactly.
    if file.size is not None and file.size > settings.max_upload_bytes:
        raise HTTPException(413, upload_too_large_message(settings.max_upload_bytes))
    if not file.size:
        raise HTTPException(422, "The uploaded file is empty.")
    try:
        service.ready_classifier()  # a model that is not ready is said at once, not after a wait in the queue
        async with capacity.slot():
            if await request.is_disconnected():
                logger.info("Client gone before its prediction started; dropped (request_id=%s)",
                            getattr(request.state, "request_id", None))
                raise HTTPException(499, "Client closed the request.")
            # Off the event loop: /health and other requests keep being answered during inference.
            result = await run_in_threadpool(service.classify, file.file)
    except Overloaded as error:
        raise HTTPException(503, str(error), headers={"Retry-After": str(RETRY_AFTER_S)}) from error
    except ModelNotReadyError as error:
        raise HTTPException(503, str(error), headers={"Retry-After": str(NOT_READY_RETRY_AFTER_S)}) from error
    except ImageError as error:
        status = image_error_status(error)
        cause = error.__cause__
        logger.info("Image refused: status=%d reason=%s cause=%s (request_id=%s)", status, type(error).__name__,
                    type(cause).__name__ if cause else "-", getattr(request.state, "request_id", None))
        raise HTTPException(status, str(error)) from error
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
