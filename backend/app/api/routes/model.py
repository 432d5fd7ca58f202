"""GET /model: the model card as JSON, so the page can say what each class means and where the model is weak.

Built by `services/model_card.py`; nothing here runs the model, so it is `async`.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from app.api.deps import ModelServiceDep
from app.schemas import MODEL_NOT_READY_RESPONSE, ErrorResponse, ModelCardResponse
from app.services.model_card import FILES_PATH, model_card

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


@router.get(
    f"/{FILES_PATH}/{{name}}",
    response_class=FileResponse,
    summary="A file to run the model in a browser",
    description=(
        "The ONNX model or the answer graph that GET /model's `on_device` names, for the page to answer without "
        "sending the photo. 404 for any other name, or when the model cannot run in a browser."
    ),
    responses={
        200: {"content": {"application/octet-stream": {}}},
        404: {"model": ErrorResponse, "description": "No such file."},
        **MODEL_NOT_READY_RESPONSE,
    },
)
def model_file(name: str, service: ModelServiceDep) -> FileResponse:
    files = service.ready_classifier().device_files or {}
    by_name = {file.name: file for file in files.values()}
    if name not in by_name:  # only the files named: never a path the client chose
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No model file named {name!r}.")
    file = by_name[name]
    # The page checks the hash and keeps its own copy; asking again only revalidates (ETag = the hash).
    return FileResponse(
        file.path,
        media_type="application/octet-stream",
        headers={"ETag": f'"{file.sha256}"', "Cache-Control": "no-cache"},
    )
