"""GET /model: the model card as JSON, so the page can say what each class means and where the model is weak.

Built by `services/model_card.py`; nothing here runs the model, so it is `async`.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ModelServiceDep
from app.schemas import MODEL_NOT_READY_RESPONSE, ModelCardResponse
from app.services.model_card import model_card

router = APIRouter(tags=["about"])


@router.get(
    "/model",
    response_model=ModelCardResponse,
    summary="The model card",
    description=(
        "What the loaded model is for, what each class means (malignant, pre-malignant or benign), its data and "
        "licence, per-class recall on the held-out test split and its calibration. 503 until the model is loaded."
    ),
    responses=MODEL_NOT_READY_RESPONSE,
)
async def model(service: ModelServiceDep) -> ModelCardResponse:
    return model_card(service.ready_classifier())  # 503 with Retry-After until the model is ready
