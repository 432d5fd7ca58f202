"""POST /predict: the response contract with real inference, and every kind of bad upload."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from tests import images
from tests.utils import CLASS_NAMES, assert_error, upload


def test_prediction_contract(client: TestClient) -> None:
    response = upload(client, images.jpeg())
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "predicted_class",
        "confidence",
        "all_predictions",
        "model_version",
        "runtime",
        "inference_ms",
        "quality_warnings",
        "uncertain",
        "image_kind",
        "image_kind_score",
        "heatmap",
        "heatmap_description",
    }
    assert body["heatmap"] is None and body["heatmap_description"] is None  # only when asked for
    assert isinstance(body["uncertain"], bool)
    scores = body["all_predictions"]
    assert sorted(score["class_name"] for score in scores) == sorted(CLASS_NAMES)
    confidences = [score["confidence"] for score in scores]
    assert all(isinstance(value, float) and 0.0 <= value <= 1.0 for value in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert math.isclose(sum(confidences), 1.0, abs_tol=1e-6)
    assert body["predicted_class"] == scores[0]["class_name"]
    assert body["confidence"] == scores[0]["confidence"]
    assert body["runtime"] == "keras"
    assert isinstance(body["model_version"], str) and body["model_version"]
    assert isinstance(body["inference_ms"], float) and body["inference_ms"] >= 0.0


def test_same_image_same_answer(client: TestClient) -> None:
    data = images.jpeg()
    first, second = upload(client, data).json(), upload(client, data).json()
    assert first["all_predictions"] == second["all_predictions"]


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (images.exif_rotated_jpeg(), "portrait.jpg", "image/jpeg"),
        (images.rgba_png(), "transparent.png", "image/png"),
        (images.grayscale_png(), "gray.png", "image/png"),
        (images.webp(), "photo.webp", "image/webp"),
        (images.heic(), "IMG_0001.HEIC", "image/heic"),
        # The type is judged by the bytes: a wrong name or Content-Type does not matter.
        (images.jpeg(), "photo.png", "application/octet-stream"),
    ],
    ids=["exif-rotated", "rgba", "grayscale", "webp", "heic", "misnamed"],
)
def test_image_variants_are_classified(client: TestClient, data: bytes, name: str, content_type: str) -> None:
    response = upload(client, data, name, content_type=content_type)
    assert response.status_code == 200, response.text
    assert len(response.json()["all_predictions"]) == len(CLASS_NAMES)


def test_missing_file_field(client: TestClient) -> None:
    assert_error(client.post("/predict"), 422, "Missing form field 'file'")


def test_wrong_field_name(client: TestClient) -> None:
    assert_error(upload(client, images.jpeg(), field="image"), 422, "field named file")


def test_file_sent_as_text_field(client: TestClient) -> None:
    assert_error(client.post("/predict", data={"file": "not a file"}), 422, "must be an uploaded file")


def test_empty_file(client: TestClient) -> None:
    assert_error(upload(client, b""), 422, "empty")


def test_text_named_jpg_is_unsupported(client: TestClient) -> None:
    assert_error(upload(client, b"just some text, not pixels\n" * 20, "notes.jpg"), 415, "not a supported image")


@pytest.mark.parametrize("data", [images.animated_gif(), images.bmp(), images.tiff()], ids=["gif", "bmp", "tiff"])
def test_other_image_formats_are_unsupported(client: TestClient, data: bytes) -> None:
    """Only camera and phone formats are decoded; the answer says which."""
    assert_error(upload(client, data, "picture.jpg"), 415, "JPEG, PNG, WebP or HEIC/HEIF")


def test_truncated_jpeg_is_unprocessable(client: TestClient) -> None:
    assert_error(upload(client, images.truncated_jpeg()), 422, "truncated")


def test_decompression_bomb_is_too_large(client: TestClient) -> None:
    data = images.decompression_bomb_png()
    assert len(data) < 100_000  # tiny on the wire, 100 million pixels decoded
    assert_error(upload(client, data, "bomb.png", content_type="image/png"), 413, "pixels")


def test_prediction_is_never_cached(client: TestClient) -> None:
    for response in (upload(client, images.jpeg()), upload(client, b"not an image")):
        assert response.headers["cache-control"] == "no-store"


def test_malformed_multipart(client: TestClient) -> None:
    response = client.post("/predict", content=b"--x\r\nno headers", headers={"content-type": "multipart/form-data"})
    assert_error(response, 400)


def test_wrong_method(client: TestClient) -> None:
    assert_error(client.get("/predict"), 405)


def test_openapi_describes_every_answer(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    responses = schema["paths"]["/predict"]["post"]["responses"]
    for code in ("200", "400", "408", "413", "415", "422", "503"):
        assert code in responses
    for code in ("400", "408", "413", "415", "422", "503"):
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorResponse")
    assert "Retry-After" in responses["503"]["headers"]
    assert "Retry-After" in schema["paths"]["/health"]["get"]["responses"]["503"]["headers"]
