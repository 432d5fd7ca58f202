"""POST /predict?explain=true: a heat map of the top class at the upload's shape, and `uncertain` answers."""

from __future__ import annotations

import base64
import io
import json
import shutil
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from skin_classifier.answer_graph import write_answer_graph
from skin_classifier.serving.explain import HEATMAP_SIZE
from tests import images
from tests.utils import ClientFactory, SettingsFactory, assert_error, upload


def heatmap_of(body: dict) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert body["heatmap"].startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(body["heatmap"][len(prefix) :])))


def test_explain_adds_a_heat_map_of_the_upload_shape_and_changes_nothing_else(client: TestClient) -> None:
    data = images.jpeg(80, 40)
    plain = upload(client, data).json()
    explained = upload(client, data, params={"explain": "true"}).json()
    heatmap = heatmap_of(explained)
    assert heatmap.mode == "RGBA" and heatmap.size == (HEATMAP_SIZE, HEATMAP_SIZE // 2)
    assert explained["heatmap_description"].startswith(("The model looked most at", "No part of the image"))
    assert explained["all_predictions"] == plain["all_predictions"]
    assert plain["heatmap"] is None and plain["heatmap_description"] is None


def test_the_heat_map_follows_exif_orientation(client: TestClient) -> None:
    """A landscape file whose EXIF turns it upright as a portrait: the map is a portrait too."""
    heatmap = heatmap_of(upload(client, images.exif_rotated_jpeg(), params={"explain": "1"}).json())
    assert heatmap.size == (HEATMAP_SIZE // 2, HEATMAP_SIZE)


def test_explain_must_be_a_boolean(client: TestClient) -> None:
    assert_error(upload(client, images.jpeg(), params={"explain": "maybe"}), 422, "explain")


def test_uncertain_follows_the_threshold_stored_with_the_model(
    onnx_artifact_dir: Path, make_settings: SettingsFactory, make_client: ClientFactory, tmp_path: Path
) -> None:
    """The mean-colour model answers a grey picture with about a third for each class: under a threshold
    of 0.5 that is uncertain; a bright red one is not."""
    artifact = shutil.copytree(onnx_artifact_dir, tmp_path / "artifact")
    manifest_path = artifact / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["training"] = {"calibration": {"uncertainty_threshold": 0.5}}
    manifest_path.write_text(json.dumps(manifest))
    write_answer_graph(artifact)  # the threshold is applied inside it
    grey = np.full((48, 48, 3), 128, np.uint8)
    red = np.zeros((48, 48, 3), np.uint8)
    red[..., 0] = 255
    with make_client(make_settings(model_dir=artifact, model_runtime="onnx")) as client:
        answers = {}
        for name, pixels in (("grey", grey), ("red", red)):
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, format="PNG")
            answers[name] = upload(client, buffer.getvalue(), "picture.png", content_type="image/png").json()
    assert answers["grey"]["uncertain"] is True and answers["grey"]["confidence"] < 0.5
    assert answers["red"]["uncertain"] is False and answers["red"]["confidence"] >= 0.5
