"""Extra serving runtimes for an artifact: TFLite (float16, dynamic-range int8) and ONNX (float32, float32
compute from float16 storage, and static int8 calibrated on training images).

Serving those needs only `ai-edge-litert` or `onnxruntime`, not TensorFlow. Converting needs TensorFlow,
so it happens once, here, next to training.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .answer_graph import write_answer_graph
from .export import add_runtime, write_head
from .jsonio import write_json
from .serving.artifact import ARTIFACT_FORMAT_VERSION, MANIFEST_FILE, read_artifact_info, read_json
from .serving.preprocessing import to_model_input
from .serving.runtimes import CONVERTIBLE_RUNTIMES, RUNTIMES, SOURCE_RUNTIME

log = logging.getLogger(__name__)
CALIBRATION_METHODS = ("minmax", "percentile", "entropy")


class ConversionSources:
    """What converters start from: the served Keras model (`model.served_model`), exported once as a SavedModel or a float32 ONNX file on
    first use, and the calibration images that static quantisation needs."""

    def __init__(
        self,
        model: Any,
        scratch: Path,
        calibration_images: np.ndarray | None = None,
        calibration_method: str = "minmax",
    ) -> None:
        self.model, self.scratch = model, scratch
        self.calibration_images, self.calibration_method = calibration_images, calibration_method
        self._saved_model: Path | None = None
        self._float32_onnx: Path | None = None

    @property
    def saved_model(self) -> Path:
        if self._saved_model is None:
            self._saved_model = self.scratch / "saved_model"
            self.model.export(self._saved_model, format="tf_saved_model", verbose=False)
        return self._saved_model

    @property
    def float32_onnx(self) -> Path:
        if self._float32_onnx is None:
            self._float32_onnx = self.scratch / "model.onnx"
            self.model.export(self._float32_onnx, format="onnx", verbose=False)
        return self._float32_onnx


def _tflite(saved_model: Path, float16: bool) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range int8 weights
    if float16:
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


# The converters the runtime registry names: each writes one runtime's file from `ConversionSources`.


def tflite_float16(sources: ConversionSources, target: Path) -> None:
    target.write_bytes(_tflite(sources.saved_model, float16=True))


def tflite_int8(sources: ConversionSources, target: Path) -> None:
    target.write_bytes(_tflite(sources.saved_model, float16=False))


def onnx_float32(sources: ConversionSources, target: Path) -> None:
    shutil.copyfile(sources.float32_onnx, target)


def onnx_float16(sources: ConversionSources, target: Path) -> None:
    _onnx_with_float16_storage(sources.float32_onnx, target)


def onnx_int8(sources: ConversionSources, target: Path) -> None:
    if sources.calibration_images is None:
        raise ValueError("onnx-int8 needs calibration_images")
    _onnx_int8(sources.float32_onnx, target, sources.calibration_images, sources.calibration_method)


def _onnx_with_float16_storage(source: Path, target: Path, min_elements: int = 1024) -> None:
    """Store large float32 weights as float16 and cast them back to float32 inside the graph.

    ONNX Runtime folds those casts when the session starts, so inference runs in float32 exactly as the
    float32 file does (with weights rounded to float16, like TFLite float16), from a file half the size.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    casts = []
    for initializer in model.graph.initializer:
        if initializer.data_type != TensorProto.FLOAT:
            continue
        weights = numpy_helper.to_array(initializer)
        if weights.size < min_elements:
            continue
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(weights.astype(np.float16), f"{name}__float16"))
        casts.append(helper.make_node("Cast", [f"{name}__float16"], [name], to=TensorProto.FLOAT))
    for position, cast in enumerate(casts):
        model.graph.node.insert(position, cast)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


class PixelCalibrationReader:
    """Feeds calibration images to ONNX Runtime exactly as serving does (float32 RGB 0..255), a few at a
    time so that calibrating on hundreds of images needs little memory."""

    def __init__(self, input_name: str, images: np.ndarray, batch_size: int = 8):
        self.input_name, self.images, self.batch_size, self.start = input_name, images, batch_size, 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self.start >= len(self.images):
            return None
        batch = to_model_input(self.images[self.start : self.start + self.batch_size])
        self.start += self.batch_size
        return {self.input_name: batch}

    def rewind(self) -> None:
        self.start = 0


def _head_nodes(model) -> list[str]:
    """Nodes after the last convolutions: pooling, the head's normalisation and dense layers, softmax.

    They stay float. Pooled features share one activation scale but span very different ranges per
    channel, and the head's batch normalisation then magnifies the rounding of the small ones: on the
    HAM10000 VGG16, quantising the head cost 12 points of balanced accuracy, keeping it float 0.8, at the
    same speed (the head is a tiny share of the compute). The probabilities also keep full resolution.
    """
    producers = {output: node for node in model.graph.node for output in node.output}
    head, pending = [], [output.name for output in model.graph.output]
    while pending:
        node = producers.get(pending.pop())
        if node is None or node.op_type == "Conv" or node.name in head:
            continue
        head.append(node.name)
        pending.extend(node.input)
    return head


def _onnx_int8(source: Path, target: Path, images: np.ndarray, method: str = "minmax") -> None:
    """Static int8 convolutions in QDQ form, which ONNX Runtime's CPU provider fuses into integer kernels.

    Weights: int8, symmetric, one scale per output channel (channels of a convolution, depthwise ones above
    all, have very different ranges). Activations: uint8 with a zero point, ranges from the calibration
    images; uint8 x int8 is x86's native integer product (HAM10000 VGG16, one core: 38 ms an image, 59 with
    int8 activations, same accuracy). No reduce_range: 7-bit weights only help CPUs without VNNI, and cost
    that model another 5 points. "percentile" and "entropy" hold every calibration image's activations in
    memory at once (tens of MB an image at 224 px), so give them tens of images, not hundreds.
    """
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = source.with_name(f"{source.stem}_prepared.onnx")
    # ONNX shape inference and graph optimisation (constant folding, fusions) first, as the quantiser
    # expects; symbolic shape inference (it needs sympy) adds nothing for fixed-size images.
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    model = onnx.load(str(prepared))
    quantize_static(
        str(prepared),
        str(target),
        PixelCalibrationReader(model.graph.input[0].name, images),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method={
            "minmax": CalibrationMethod.MinMax,
            "percentile": CalibrationMethod.Percentile,
            "entropy": CalibrationMethod.Entropy,
        }[method],
        nodes_to_exclude=_head_nodes(model),
        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
    )


def calibration_sample(
    data_dir: str | Path,
    image_size: int,
    splits_file: str | Path | None = None,
    split: str = "train",
    count: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Up to `count` decoded images of one split (or of the whole folder), classes taking turns.

    Taking turns, rather than sampling in proportion, lets rare classes' activations shape the ranges too.
    Only the sampled files are decoded.
    """
    import json

    from .dataset import decode_images, scan_image_folder

    folder = scan_image_folder(data_dir)
    indices = np.arange(len(folder.paths))
    if splits_file is not None:
        wanted = set(json.loads(Path(splits_file).read_text(encoding="utf-8"))[split])
        indices = np.array([i for i, path in enumerate(folder.relative_paths()) if path in wanted], dtype=int)
    if len(indices) == 0:
        raise ValueError(f"No images of split {split!r} of {splits_file} found in {data_dir}")
    rng = np.random.default_rng(seed)
    per_class = [rng.permutation(indices[folder.labels[indices] == label]) for label in np.unique(folder.labels)]
    turns = [pool[turn] for turn in range(max(map(len, per_class))) for pool in per_class if turn < len(pool)]
    images, _ = decode_images([folder.paths[i] for i in turns[:count]], image_size)
    return images


def convert_artifact(
    artifact_dir: str | Path,
    runtimes: tuple[str, ...] | None = None,
    default: str | None = None,
    calibration_images: np.ndarray | None = None,
    calibration_method: str = "minmax",
) -> list[str]:
    """Write the requested runtimes' model files beside model.keras and list them in the manifest.

    `runtimes=None` means every runtime that can be made: all of them when `calibration_images` (uint8
    training images, (N, H, W, 3)) are given, otherwise all but the static int8 ones.
    """
    import keras

    from .model import served_model  # also registers the layers the saved model uses

    artifact_dir = Path(artifact_dir)
    _upgrade_format(artifact_dir)
    info = read_artifact_info(artifact_dir)
    if runtimes is None:
        runtimes = tuple(
            name
            for name in CONVERTIBLE_RUNTIMES
            if calibration_images is not None or not RUNTIMES[name].needs_calibration
        )
    unknown = set(runtimes) - set(CONVERTIBLE_RUNTIMES)
    if unknown:
        raise ValueError(f"Cannot convert to {sorted(unknown)}; choose from {CONVERTIBLE_RUNTIMES}")
    calibrated = [runtime for runtime in runtimes if RUNTIMES[runtime].needs_calibration]
    if calibrated:
        _check_calibration_images(calibration_images, info.image_size, calibrated)
    if calibration_method not in CALIBRATION_METHODS:
        raise ValueError(f"Unknown calibration method {calibration_method!r}; choose from {CALIBRATION_METHODS}")
    trained = keras.saving.load_model(artifact_dir / info.runtimes[SOURCE_RUNTIME], compile=False, safe_mode=True)
    write_head(trained, artifact_dir)
    model = served_model(trained)
    model(np.zeros((1, info.image_size, info.image_size, 3), np.float32))  # exporters need a called model
    with tempfile.TemporaryDirectory() as scratch:
        sources = ConversionSources(model, Path(scratch), calibration_images, calibration_method)
        for runtime in runtimes:
            target = artifact_dir / RUNTIMES[runtime].file_name
            RUNTIMES[runtime].resolve_converter()(sources, target)
            add_runtime(artifact_dir, runtime, default=runtime == default)
            log.info("Wrote %s (%.1f MB)", target, target.stat().st_size / 1e6)
    if default and default not in runtimes:
        add_runtime(artifact_dir, default, default=True)
    write_answer_graph(artifact_dir)  # the head was written again
    return list(runtimes)


def _upgrade_format(artifact_dir: Path) -> None:
    """Bring a format-2 artifact (probabilities only) to the current format: its Keras model is the same, the
    other runtimes' files are stale (converting writes them again) and the head's weights are written anew."""
    manifest = read_json(artifact_dir / MANIFEST_FILE)
    if manifest.get("format_version") != 2 or SOURCE_RUNTIME not in manifest.get("runtimes", {}):
        return
    manifest["format_version"] = ARTIFACT_FORMAT_VERSION
    manifest["runtimes"] = {SOURCE_RUNTIME: manifest["runtimes"][SOURCE_RUNTIME]}
    manifest["default_runtime"] = SOURCE_RUNTIME
    write_json(artifact_dir / MANIFEST_FILE, manifest)
    log.info(
        "Upgraded %s to artifact format %d; its other runtimes are converted again",
        artifact_dir,
        ARTIFACT_FORMAT_VERSION,
    )


def _check_calibration_images(images: np.ndarray | None, image_size: int, runtimes: list[str]) -> None:
    if images is None or len(images) == 0:
        raise ValueError(
            f"{', '.join(runtimes)} needs calibration_images: a sample of training images "
            f"(uint8, (N, {image_size}, {image_size}, 3)) to measure activation ranges on"
        )
    if images.dtype != np.uint8 or images.shape[1:] != (image_size, image_size, 3):
        raise ValueError(
            f"calibration_images must be uint8 of shape (N, {image_size}, {image_size}, 3), "
            f"got {images.dtype} {images.shape}"
        )
