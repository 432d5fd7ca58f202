"""POST /predict: one uploaded image in, ranked class confidences out."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile

from app.api.deps import BatcherDep, ModelServiceDep, SettingsDep
from app.core.uploads import upload_too_large_message
from app.schemas import RETRY_AFTER_HEADER, ClassScore, ErrorResponse, PredictionResponse, QualityWarning
from app.services.batching import ClientGoneError
from app.services.classifier import UPLOAD_FORMATS_TEXT

logger = logging.getLogger("app.predict")

router = APIRouter(tags=["predict"])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "The multipart body is malformed, or has more than one file or two fields.",
    },
    408: {"model": ErrorResponse, "description": "The upload arrived too slowly."},
    413: {
        "model": ErrorResponse,
        "description": "The upload is over the size limit, or the image has more pixels than its format may have.",
    },
    415: {
        "model": ErrorResponse,
        "description": f"Not a {UPLOAD_FORMATS_TEXT} image (judged by the bytes, not the name).",
    },
    422: {
        "model": ErrorResponse,
        "description": (
            "No 'file' field, an empty file, a damaged, truncated or malformed image, or (with REJECT_NOT_SKIN "
            "set) an image that does not look like skin."
        ),
    },
    503: {
        "model": ErrorResponse,
        "headers": RETRY_AFTER_HEADER,
        "description": "The server is busy (load shedding), or the model is loading or failed to load.",
    },
}


@router.post(
    "/predict",
    response_model=PredictionResponse,
    summary="Classify a skin lesion image",
    description=(
        "Classify one image sent as multipart/form-data field 'file'. A dark, bright, blurred or small picture "
        "is still classified; `quality_warnings` says what is wrong with it. Every answer says `image_kind`: "
        "a lesion name for something that is not a dermoscopy image deserves little trust. With `explain=true` "
        "the answer adds a heat map of where the model looked."
    ),
    responses=ERROR_RESPONSES,
    # One file and at most two other fields (browsers may add one); text fields are small.
    form_limits={"max_files": 1, "max_fields": 2, "max_part_size": 1024},
)
async def predict(
    file: Annotated[UploadFile, File(description=f"A {UPLOAD_FORMATS_TEXT} image.")],
    request: Request,
    service: ModelServiceDep,
    settings: SettingsDep,
    batcher: BatcherDep,
    explain: Annotated[
        bool, Query(description="Add `heatmap`: where the model looked for the top class (costs a few ms).")
    ] = False,
) -> PredictionResponse:
    # The upload guard has bounded the body already; the form overhead aside, the file is checked exactly.
    if file.size is not None and file.size > settings.max_upload_bytes:
        raise HTTPException(413, upload_too_large_message(settings.max_upload_bytes))
    if not file.size:
        raise HTTPException(422, "The uploaded file is empty.")
    request_id = getattr(request.state, "request_id", None)
    service.ready_classifier()  # a model that is not ready is said at once, not after a wait in the queue
    try:
        # Off the event loop: /health and other requests keep being answered during inference.
        result = await batcher.classify(service, file.file, request.is_disconnected, request_id, explain)
    except ClientGoneError:
        logger.info("Client gone before its prediction started; dropped (request_id=%s)", request_id)
        raise HTTPException(499, "Client closed the request.") from None
    prediction = result.prediction
    return PredictionResponse(
        predicted_class=prediction.predicted_class,
        confidence=prediction.confidence,
        all_predictions=[
            ClassScore(class_name=score.class_name, confidence=score.confidence) for score in prediction.all_predictions
        ],
        model_version=result.model_version,
        runtime=result.runtime,
        inference_ms=round(result.inference_ms, 3),
        quality_warnings=[
            QualityWarning(code=warning.code, message=warning.message) for warning in prediction.quality_warnings
        ],
        uncertain=prediction.uncertain,
        image_kind=prediction.image_kind.kind if prediction.image_kind else None,  # type: ignore[arg-type]
        image_kind_score=round(prediction.image_kind.score, 4) if prediction.image_kind else None,
        heatmap=prediction.heatmap.data_url if prediction.heatmap else None,
        heatmap_description=prediction.heatmap.description if prediction.heatmap else None,
    )
