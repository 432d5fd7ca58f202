"""The model a fresh clone serves by default: committed, small, documented, and really answering."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.config import DEFAULT_MODEL_DIR
from tests.images import jpeg
from tests.utils import ClientFactory, SettingsFactory

HAM10000_CLASSES = {
    "Actinic keratoses",
    "Basal cell carcinoma",
    "Benign keratosis-like lesions",
    "Dermatofibroma",
    "Melanocytic nevi",
    "Melanoma",
    "Vascular lesions",
}


def test_reference_artifact_is_small_json_only_and_documented():
    files = [path for path in DEFAULT_MODEL_DIR.rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in files) <= 30 * 1024 * 1024
    assert not any(path.suffix in (".pkl", ".pickle", ".joblib") for path in files)
    for arrays in (path for path in files if path.suffix in (".npy", ".npz")):  # plain numbers, never objects
        with np.load(arrays, allow_pickle=False) as loaded:
            assert all(loaded[name].dtype.kind == "f" for name in loaded.files)
    manifest = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())
    assert (DEFAULT_MODEL_DIR / manifest["runtimes"][manifest["default_runtime"]]).is_file()
    assert set(json.loads((DEFAULT_MODEL_DIR / "class_index.json").read_text())) == HAM10000_CLASSES
    card = (DEFAULT_MODEL_DIR / "README.md").read_text()
    for fact in (
        "HAM10000",
        "CC BY-NC 4.0",
        "balanced accuracy",
        "majority-class baseline",
        "Not a medical device",
        "Serving runtimes",
        "Serving through the API",
    ):
        assert fact in card


def test_default_settings_serve_the_reference_model(make_settings: SettingsFactory, make_client: ClientFactory):
    with make_client(make_settings(model_dir=DEFAULT_MODEL_DIR)) as client:
        health = client.get("/health")
        assert health.status_code == 200, health.text
        response = client.post("/predict", files={"file": ("lesion.jpg", jpeg(640, 480), "image/jpeg")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {entry["class_name"] for entry in body["all_predictions"]} == HAM10000_CLASSES
    assert body["runtime"] == json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text())["default_runtime"]
    assert sum(entry["confidence"] for entry in body["all_predictions"]) == pytest.approx(1.0, abs=1e-6)
