"""Static int8 ONNX: calibrated on training images, QDQ in the graph, served by the ONNX predictor, and
close to the Keras model it came from."""

import json
import shutil

import numpy as np
import onnx
import pytest

from skin_classifier import cli
from skin_classifier.convert import calibration_sample, convert_artifact
from skin_classifier.dataset import decode_images, scan_image_folder
from skin_classifier.serving.artifact import read_artifact_info
from skin_classifier.serving.classifier import load_classifier
from skin_classifier.serving.runtimes import OnnxPredictor
from skin_classifier.synthetic import TINY_MODEL

IMAGE_SIZE = TINY_MODEL["image_size"]


@pytest.fixture
def artifact_copy(trained_run, tmp_path):
    """A private copy: converting writes into the artifact folder."""
    _, artifact = trained_run
    return shutil.copytree(artifact, tmp_path / "artifact")


def _all_images(synthetic_dir) -> np.ndarray:
    images, _ = decode_images(scan_image_folder(synthetic_dir).paths, IMAGE_SIZE)
    return images


def test_onnx_int8_is_quantized_loads_and_agrees_with_keras(trained_run, synthetic_dir, artifact_copy):
    output, _ = trained_run
    calibration = calibration_sample(synthetic_dir, IMAGE_SIZE, output / "splits.json", "train", count=30)
    assert calibration.dtype == np.uint8 and len(calibration) == 30

    assert convert_artifact(artifact_copy, ("onnx-int8",), calibration_images=calibration) == ["onnx-int8"]

    assert read_artifact_info(artifact_copy).runtimes["onnx-int8"] == "model_int8.onnx"
    graph = onnx.load(str(artifact_copy / "model_int8.onnx")).graph
    op_types = [node.op_type for node in graph.node]
    assert "QuantizeLinear" in op_types and "DequantizeLinear" in op_types
    dequantized = {node.output[0] for node in graph.node if node.op_type == "DequantizeLinear"}
    convolutions = [node for node in graph.node if node.op_type == "Conv"]
    head = [node for node in graph.node if node.op_type in ("Gemm", "MatMul", "Softmax")]
    assert convolutions and all(node.input[0] in dequantized for node in convolutions)  # integer convolutions
    assert head and not any(set(node.input) & dequantized for node in head)  # the head stays float

    int8 = load_classifier(artifact_copy, runtime="onnx-int8")
    assert isinstance(int8.predictor, OnnxPredictor) and int8.runtime == "onnx-int8"
    batch = _all_images(synthetic_dir).astype(np.float32)
    quantized = int8.predict_probabilities(batch)
    reference = load_classifier(artifact_copy, runtime="keras").predict_probabilities(batch)
    np.testing.assert_allclose(quantized.sum(axis=1), 1.0, atol=1e-4)
    # At training seeds 0 to 3 and 42 the int8 model agreed with Keras on every image and moved no probability
    # by more than 0.04: both bars leave a wide margin.
    assert (quantized.argmax(1) == reference.argmax(1)).mean() >= 0.9
    assert np.abs(quantized - reference).max() < 0.2


def test_onnx_int8_without_calibration_images_is_refused(artifact_copy):
    with pytest.raises(ValueError, match="calibration_images"):
        convert_artifact(artifact_copy, ("onnx", "onnx-int8"))
    with pytest.raises(ValueError, match="uint8"):
        convert_artifact(artifact_copy, ("onnx-int8",), calibration_images=np.zeros((4, 32, 32, 3), np.float32))
    assert not (artifact_copy / "model_int8.onnx").exists()
    assert not (artifact_copy / "model.onnx").exists()  # refused before any conversion


def test_cli_convert_calibrates_on_the_train_split(trained_run, synthetic_dir, artifact_copy):
    output, _ = trained_run
    cli.main(
        [
            "convert",
            str(artifact_copy),
            "--runtimes",
            "onnx-int8",
            "--default",
            "onnx-int8",
            "--calibration-data",
            str(synthetic_dir),
            "--calibration-splits",
            str(output / "splits.json"),
            "--calibration-count",
            "12",
        ]
    )
    info = read_artifact_info(artifact_copy)
    assert info.default_runtime == "onnx-int8" and set(info.runtimes) == {"keras", "onnx-int8"}
    assert load_classifier(artifact_copy).runtime == "onnx-int8"


def test_calibration_sample_draws_only_from_the_split(trained_run, synthetic_dir):
    output, _ = trained_run
    train = json.loads((output / "splits.json").read_text())["train"]
    everything = calibration_sample(synthetic_dir, IMAGE_SIZE, output / "splits.json", "train", count=10_000)
    assert len(everything) == len(train) < len(scan_image_folder(synthetic_dir).paths)
    again = calibration_sample(synthetic_dir, IMAGE_SIZE, output / "splits.json", "train", count=9)
    np.testing.assert_array_equal(
        again, calibration_sample(synthetic_dir, IMAGE_SIZE, output / "splits.json", "train", count=9)
    )  # fixed seed
