"""What this API is, what it offers and the model behind it (`async`: never waits behind inference)."""

from __future__ import annotations

from fastapi import APIRouter

from app import __version__
from app.api.deps import ModelServiceDep, SettingsDep
from app.schemas import DISCLAIMER, RootResponse

router = APIRouter(tags=["about"])

API_NAME = "Skin Lesion Classifier API"
ENDPOINTS = {
    "POST /predict": "Classify one image sent as multipart/form-data field 'file'.",
    "GET /health": "200 once the model is loaded and warmed up, 503 before that or if loading failed.",
    "GET /docs": "Interactive OpenAPI documentation (self-hosted Swagger UI).",
    "GET /openapi.json": "The OpenAPI schema.",
}


@router.get("/", response_model=RootResponse, summary="About this API")
async def root(service: ModelServiceDep, settings: SettingsDep) -> RootResponse:
    classifier = service.classifier
    return RootResponse(
        name=API_NAME,
        version=__version__,
        description="Classifies a photo of a skin lesion into one of the model's classes, with confidences.",
        disclaimer=DISCLAIMER,
        endpoints={path: text for path, text in ENDPOINTS.items() if settings.docs_enabled or path != "GET /docs"},
        model_status=service.state.value,
        model_version=classifier.info.model_version if classifier else None,
        runtime=classifier.runtime if classifier else None,
        classes=list(classifier.info.class_names) if classifier else [],
    )
