"""Loading an exported artifact and running it: the one call that the CLI, benchmarks and backend share.

An artifact folder holds the model in one or more runtimes plus JSON metadata (never pickles):

    manifest.json        model_version, runtime -> file, default runtime
    class_index.json     class name -> output index
    preprocessing.json   image size and the preprocessing it was trained with
    metrics.json         evaluation figures
    README.md            the model card

Each runtime sits behind `Predictor` (a float32 batch in, class probabilities out), so another runtime can
be added without touching anything that classifies.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .preprocessing import DEFAULT_MAX_PIXELS, ImageSource, preprocess, to_model_input

# 2: models take RGB pixels in 0..255 and normalise inside (1 normalised outside, and is refused).
ARTIFACT_FORMAT_VERSION = 2
MANIFEST_FILE = "manifest.json"
CLASS_INDEX_FILE = "class_index.json"
PREPROCESSING_FILE = "preprocessing.json"
METRICS_FILE = "metrics.json"
# Runtime names and the file each one loads, in the order a missing default falls back through.
RUNTIME_FILES = {
    "keras": "model.keras",
    "tflite-float16": "model_float16.tflite",
    "tflite-int8": "model_int8.tflite",
    "onnx": "model.onnx",
    "onnx-float16": "model_float16.onnx",  # float16 storage, float32 compute: half the file, same answers
    "onnx-int8": "model_int8.onnx",  # static int8 (QDQ), calibrated on training images
}


class ArtifactError(RuntimeError):
    """The artifact folder is missing, incomplete or names a runtime that cannot be loaded."""


class Predictor(Protocol):
    """A loaded model: a (N, H, W, 3) float32 batch in, (N, classes) probabilities out."""

    runtime: str

    def predict(self, batch: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class ArtifactInfo:
    path: Path
    class_names: list[str]
    image_size: int
    model_version: str
    runtimes: dict[str, str]
    default_runtime: str
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassScore:
    class_name: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    predicted_class: str
    confidence: float
    all_predictions: list[ClassScore]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ArtifactError(f"Artifact file missing: {path}") from error
    except json.JSONDecodeError as error:
        raise ArtifactError(f"Artifact file is not valid JSON: {path} ({error})") from error


def read_artifact_info(path: str | Path) -> ArtifactInfo:
    """Read an artifact's metadata without loading any model."""
    path = Path(path)
    if not path.is_dir():
        raise ArtifactError(f"Artifact folder not found: {path}")
    manifest = _read_json(path / MANIFEST_FILE)
    if manifest.get("format_version") != ARTIFACT_FORMAT_VERSION:
        raise ArtifactError(
            f"Artifact format {manifest.get('format_version')} is not supported (this code reads format "
            f"{ARTIFACT_FORMAT_VERSION}, whose models normalise pixels themselves); re-export it")
    class_index: dict[str, int] = _read_json(path / CLASS_INDEX_FILE)
    class_names = [name for name, _ in sorted(class_index.items(), key=lambda item: item[1])]
    if [class_index[name] for name in class_names] != list(range(len(class_names))):
        raise ArtifactError("class_index.json must map class names to the indices 0..N-1")
    preprocessing = _read_json(path / PREPROCESSING_FILE)
    metrics_path = path / METRICS_FILE
    return ArtifactInfo(
        path=path,
        class_names=class_names,
        image_size=int(preprocessing["image_size"]),
        model_version=str(manifest["model_version"]),
        runtimes=dict(manifest["runtimes"]),
        default_runtime=str(manifest["default_runtime"]),
        metrics=_read_json(metrics_path) if metrics_path.exists() else {},
    )


def _thread_count(threads: int | None) -> int:
    """The threads a runtime may use: as given (the backend passes its setting), else every CPU."""
    return threads or os.cpu_count() or 1


class KerasPredictor:
    runtime = "keras"

    def __init__(self, model_path: Path):
        import keras  # imported here so that serving other runtimes never needs TensorFlow

        from . import model as _custom_layers  # noqa: F401  (registers the layers the saved model uses)

        self.model = keras.saving.load_model(model_path, compile=False, safe_mode=True)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        # predict_on_batch runs a compiled graph: several times faster than an eager call at batch 1.
        return np.asarray(self.model.predict_on_batch(batch), dtype=np.float32)


class TFLitePredictor:
    def __init__(self, model_path: Path, runtime: str, threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.runtime = runtime
        self.interpreter = Interpreter(model_path=str(model_path), num_threads=_thread_count(threads))
        self.input_index = self.interpreter.get_input_details()[0]["index"]
        self.output_index = self.interpreter.get_output_details()[0]["index"]
        self.batch_size = 0

    def predict(self, batch: np.ndarray) -> np.ndarray:
        if batch.shape[0] != self.batch_size:
            self.interpreter.resize_tensor_input(self.input_index, batch.shape)
            self.interpreter.allocate_tensors()
            self.batch_size = batch.shape[0]
        self.interpreter.set_tensor(self.input_index, batch.astype(np.float32, copy=False))
        self.interpreter.invoke()
        return np.array(self.interpreter.get_tensor(self.output_index), dtype=np.float32)


class OnnxPredictor:
    def __init__(self, model_path: Path, runtime: str = "onnx", threads: int | None = None):
        import onnxruntime

        self.runtime = runtime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = _thread_count(threads)
        self.session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def predict(self, batch: np.ndarray) -> np.ndarray:
        (probabilities,) = self.session.run(None, {self.input_name: batch.astype(np.float32, copy=False)})
        return np.asarray(probabilities, dtype=np.float32)


def predict_in_batches(predict, images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Outputs for uint8 images through any `predict(model_input_batch)` callable."""
    outputs = [np.asarray(predict(to_model_input(images[start:start + batch_size])))
               for start in range(0, len(images), batch_size)]
    return np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)


def load_predictor(info: ArtifactInfo, runtime: str | None = None, threads: int | None = None) -> Predictor:
    """Load one runtime of the artifact; `None` or "auto" picks the artifact's default.

    `threads` caps the threads of the TFLite and ONNX runtimes (None: every CPU).
    """
    runtime = info.default_runtime if runtime in (None, "", "auto") else runtime
    if runtime not in info.runtimes:
        raise ArtifactError(
            f"Runtime {runtime!r} is not in this artifact; it has: {', '.join(sorted(info.runtimes))}"
        )
    model_path = info.path / info.runtimes[runtime]
    if not model_path.exists():
        raise ArtifactError(f"Model file missing: {model_path}")
    if runtime == "keras":
        return KerasPredictor(model_path)
    if runtime.startswith("tflite"):
        return TFLitePredictor(model_path, runtime, threads)
    if runtime.startswith("onnx"):
        return OnnxPredictor(model_path, runtime, threads)
    raise ArtifactError(f"Unknown runtime {runtime!r}")


class Classifier:
    """An artifact's metadata plus one loaded runtime: images in, ranked class confidences out."""

    def __init__(self, info: ArtifactInfo, predictor: Predictor, max_pixels: int = DEFAULT_MAX_PIXELS):
        self.info = info
        self.predictor = predictor
        self.max_pixels = max_pixels

    @property
    def runtime(self) -> str:
        return self.predictor.runtime

    def preprocess(self, source: ImageSource) -> np.ndarray:
        return preprocess(source, self.info.image_size, self.max_pixels)

    def predict_probabilities(self, batch: np.ndarray) -> np.ndarray:
        probabilities = self.predictor.predict(batch)
        if probabilities.shape != (batch.shape[0], len(self.info.class_names)):
            raise ArtifactError(
                f"Model returned shape {probabilities.shape}, expected "
                f"{(batch.shape[0], len(self.info.class_names))}"
            )
        return probabilities

    def rank(self, probabilities: np.ndarray) -> Prediction:
        """Turn one probability vector into the sorted, renormalised response shape."""
        probabilities = np.clip(probabilities.astype(np.float64), 0.0, None)
        total = probabilities.sum()
        if not np.isfinite(total) or total <= 0:
            raise ArtifactError("Model returned no usable probabilities (NaN, infinite or all zero)")
        probabilities = probabilities / total
        order = np.argsort(-probabilities, kind="stable")
        scores = [ClassScore(self.info.class_names[i], float(probabilities[i])) for i in order]
        return Prediction(scores[0].class_name, scores[0].confidence, scores)

    def classify(self, sources: list[ImageSource]) -> list[Prediction]:
        batch = np.stack([self.preprocess(source) for source in sources])
        return [self.rank(row) for row in self.predict_probabilities(batch)]

    def warm_up(self) -> None:
        """Run one inference so the first user request does not pay for graph set-up."""
        size = self.info.image_size
        self.predict_probabilities(np.zeros((1, size, size, 3), dtype=np.float32))


def load_classifier(path: str | Path, runtime: str | None = None,
                    max_pixels: int = DEFAULT_MAX_PIXELS, threads: int | None = None) -> Classifier:
    """Load an artifact folder for inference: the one call the CLI and the backend use."""
    info = read_artifact_info(path)
    return Classifier(info, load_predictor(info, runtime, threads), max_pixels)
