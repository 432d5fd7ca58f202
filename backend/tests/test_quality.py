"""POST /predict: poor photos are still classified, and `quality_warnings` says what is wrong with each."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter

from app.schemas import QualityWarning
from skin_classifier.hostile_images import encode
from skin_classifier.serving.quality import MESSAGES
from skin_classifier.synthetic import textured_lesion_picture
from tests.utils import CLASS_NAMES, ClientFactory, SettingsFactory, upload


def jpeg(picture: Image.Image) -> bytes:
    return encode(picture, "JPEG", quality=90)


@pytest.mark.parametrize(
    ("picture", "codes"),
    [
        (textured_lesion_picture(), []),
        (Image.new("RGB", (320, 320)), ["too_dark"]),
        (Image.new("RGB", (320, 320), (255, 255, 255)), ["too_bright"]),
        (textured_lesion_picture().filter(ImageFilter.GaussianBlur(4)), ["blurred"]),
        (textured_lesion_picture().resize((64, 64)), ["too_small"]),
    ],
    ids=["sharp-lesion", "black", "white", "blurred", "64px"],
)
def test_quality_warnings(client: TestClient, picture: Image.Image, codes: list[str]) -> None:
    response = upload(client, jpeg(picture))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["predicted_class"] in CLASS_NAMES  # classified whatever the quality
    assert [warning["code"] for warning in body["quality_warnings"]] == codes
    for warning in body["quality_warnings"]:
        assert set(warning) == {"code", "message"}
        assert warning["message"] == MESSAGES[warning["code"]]


def test_quality_warnings_with_the_serving_runtime(
    make_settings: SettingsFactory, make_client: ClientFactory, onnx_artifact_dir: Path
) -> None:
    """The ONNX runtime the container serves with, and a PNG: the same warnings."""
    with make_client(make_settings(model_dir=onnx_artifact_dir)) as client:
        dark = upload(
            client, encode(Image.new("RGB", (300, 400), (8, 8, 8)), "PNG"), "dark.png", content_type="image/png"
        )
        good = upload(client, jpeg(textured_lesion_picture(900)))
    assert [warning["code"] for warning in dark.json()["quality_warnings"]] == ["too_dark"]
    assert good.json()["quality_warnings"] == []


def test_openapi_documents_quality_warnings(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    field = schemas["PredictionResponse"]["properties"]["quality_warnings"]
    assert field["items"] == {"$ref": "#/components/schemas/QualityWarning"}
    assert "quality_warnings" in schemas["PredictionResponse"]["required"]
    assert "docs/quality-thresholds.md" in field["description"]
    warning = schemas["QualityWarning"]
    assert set(warning["properties"]["code"]["enum"]) == set(MESSAGES)
    assert warning["properties"]["message"]["description"]


def test_the_api_names_every_code_the_check_gives() -> None:
    assert set(get_args(QualityWarning.model_fields["code"].annotation)) == set(MESSAGES)
