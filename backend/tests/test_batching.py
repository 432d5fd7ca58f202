"""Dynamic batching: uploads that wait together go through the model as one batch, each answered as if alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from skin_classifier.serving.classifier import load_classifier
from tests import images
from tests.test_load_shedding import gated_client, in_background, wait_for
from tests.utils import WAIT_S, upload

# Probabilities of a batched answer may differ from the unbatched one by float32 rounding only.
TOLERANCE = 1e-5


def distinct_images() -> list[bytes]:
    """Four uploads the mean-colour model tells apart: reddish, greenish, bluish, grey."""
    from PIL import Image

    from skin_classifier.hostile_images import encode

    colours = [(200, 60, 60), (60, 200, 60), (60, 60, 200), (128, 128, 128)]
    return [encode(Image.new("RGB", (48, 40), colour), "PNG") for colour in colours]


def one_running_three_waiting(client, predictor) -> list:
    """One request holds the model while three more queue behind it; then the model is let go. Returns the
    four responses."""
    results: list = []
    workers = [in_background(client, results)]
    assert predictor.entered.wait(WAIT_S)  # the first holds the model
    workers += [in_background(client, results) for _ in range(3)]
    wait_for(lambda: client.app.state.batcher.waiting == 3)
    predictor.release.set()
    for worker in workers:
        worker.join(WAIT_S)
    return results


def test_requests_waiting_together_run_as_one_batch(make_settings, make_client, onnx_artifact_dir) -> None:
    with gated_client(make_settings, make_client, onnx_artifact_dir) as (client, predictor):
        results = one_running_three_waiting(client, predictor)
    assert [response.status_code for response in results] == [200] * 4
    assert predictor.calls == [1, 3]


def test_a_batch_holds_at_most_max_batch_size(make_settings, make_client, onnx_artifact_dir) -> None:
    with gated_client(make_settings, make_client, onnx_artifact_dir, max_batch_size=2) as (client, predictor):
        results = one_running_three_waiting(client, predictor)
    assert [response.status_code for response in results] == [200] * 4
    assert predictor.calls == [1, 2, 1]


def test_an_upload_alone_does_not_wait_out_the_batch_window(make_settings, make_client, onnx_artifact_dir) -> None:
    # A window far longer than the test may take: waited, it would leave the upload unanswered here.
    settings = make_settings(model_dir=onnx_artifact_dir, batch_window_ms=10 * WAIT_S * 1000)
    with make_client(settings) as client:
        results: list = []
        in_background(client, results).join(WAIT_S)
        assert [response.status_code for response in results] == [200]


def test_batched_answers_equal_unbatched_answers(make_settings, make_client, onnx_artifact_dir) -> None:
    uploads = distinct_images()
    with gated_client(make_settings, make_client, onnx_artifact_dir) as (client, predictor):
        predictor.armed = False
        alone = [upload(client, data, "colour.png", content_type="image/png").json() for data in uploads]
        assert predictor.calls == [1, 1, 1, 1]
        assert len({answer["predicted_class"] for answer in alone}) == 3  # the images really differ

        predictor.calls.clear()
        predictor.armed = True
        results: list = []
        holder = in_background(client, results)  # holds the model while the four gather
        assert predictor.entered.wait(WAIT_S)
        together: dict[int, list] = {index: [] for index in range(len(uploads))}
        workers = [in_background(client, together[index], data) for index, data in enumerate(uploads)]
        wait_for(lambda: client.app.state.batcher.waiting == len(uploads))
        predictor.release.set()
        for worker in [holder, *workers]:
            worker.join(WAIT_S)
    assert predictor.calls == [1, 4]
    for index, single in enumerate(alone):
        batched = together[index][0].json()
        assert batched["predicted_class"] == single["predicted_class"]
        assert batched["image_kind"] == single["image_kind"]
        assert batched["quality_warnings"] == single["quality_warnings"]
        expected = probabilities_of(single)
        for name, confidence in probabilities_of(batched).items():
            assert confidence == pytest.approx(expected[name], abs=TOLERANCE)


def probabilities_of(answer: dict) -> dict[str, float]:
    return {score["class_name"]: score["confidence"] for score in answer["all_predictions"]}


def converted_tflite(artifact_dir: Path, tmp_path: Path) -> Path:
    from skin_classifier.cli import main

    copy = Path(shutil.copytree(artifact_dir, tmp_path / "artifact"))
    main(["convert", str(copy), "--runtimes", "tflite-float16"])
    return copy


@pytest.mark.parametrize("runtime", ["onnx", "keras", "tflite-float16"])
def test_every_runtime_answers_a_batch_as_each_image_alone(
    runtime: str, artifact_dir: Path, onnx_artifact_dir: Path, tmp_path: Path
) -> None:
    folder = {"onnx": onnx_artifact_dir, "keras": artifact_dir}.get(runtime) or converted_tflite(artifact_dir, tmp_path)
    classifier = load_classifier(folder, runtime)
    batch = np.stack([classifier.preprocess(data) for data in [*distinct_images(), images.jpeg(), images.jpeg(30, 90)]])
    together = classifier.predict_outputs(batch)
    for row in range(len(batch)):
        alone = classifier.predict_outputs(batch[row : row + 1])
        np.testing.assert_allclose(together.probabilities[row], alone.probabilities[0], atol=TOLERANCE)
        np.testing.assert_allclose(together.pooled[row], alone.pooled[0], atol=TOLERANCE, rtol=TOLERANCE)
    # Back to a batch of another size: a runtime that resizes its input (TFLite) must not keep the old shape.
    again = classifier.predict_outputs(batch[:3])
    np.testing.assert_allclose(again.probabilities, together.probabilities[:3], atol=TOLERANCE)
