"""The model runtimes an artifact may carry: one registry entry each, and the predictors that run them.

Each entry names the runtime's model file, the predictor that loads it, the converter that writes it from
the Keras model, and the pip extra of `skin-classifier` that serving it needs. The command line, the
converter, the API's settings, the benchmarks and the deployment checks all read this table, so a new
runtime is one entry here (plus its predictor and converter). Serving any runtime but Keras never imports
TensorFlow: each predictor imports its library when it is loaded.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np

from .artifact import ArtifactError, ArtifactInfo
from .machine import available_cpus

AUTO = "auto"  # the artifact's default runtime


class ModelOutputs(NamedTuple):
    """What every served model returns for a batch (see `model.served_model`)."""

    probabilities: np.ndarray  # (N, classes), calibrated
    pooled: np.ndarray  # (N, features): the head's input, for the image-kind check and heat maps
    feature_map: np.ndarray  # (N, h, w, features): the registry's last conv layer, for heat maps


def model_outputs(outputs: list[Any] | tuple[Any, ...]) -> ModelOutputs:
    """The three outputs, in the served model's order, as float32 arrays; anything else is refused."""
    if len(outputs) != len(ModelOutputs._fields):
        raise ArtifactError(
            f"The model has {len(outputs)} output(s), expected probabilities, pooled features and a feature map; "
            "re-export it with this version"
        )
    return ModelOutputs(*(np.asarray(output, dtype=np.float32) for output in outputs))


class Predictor(Protocol):
    """A loaded model: a (N, H, W, 3) float32 batch in, `ModelOutputs` out.

    `predict` may be called from several threads at once; a predictor whose library is not thread-safe
    serialises the calls itself.
    """

    runtime: str

    def predict(self, batch: np.ndarray) -> ModelOutputs: ...


PredictorLoader = Callable[[Path, str, "int | None"], Predictor]


def thread_count(threads: int | None) -> int:
    """The threads a runtime may use: as given (the API passes its setting), else every CPU this process may use."""
    return threads or available_cpus()


class KerasPredictor:
    """The Keras model as trained (needs TensorFlow). One call at a time: a Keras model is not thread-safe."""

    def __init__(self, model_path: Path, runtime: str = "keras", threads: int | None = None) -> None:
        import keras  # imported here so that serving other runtimes never needs TensorFlow

        from ..model import served_model  # also registers the layers the saved model uses

        self.runtime = runtime
        self.model: Any = served_model(keras.saving.load_model(model_path, compile=False, safe_mode=True))
        self._lock = threading.Lock()

    def predict(self, batch: np.ndarray) -> ModelOutputs:
        # predict_on_batch runs a compiled graph: several times faster than an eager call at batch 1.
        with self._lock:
            return model_outputs(self.model.predict_on_batch(batch))


class TFLitePredictor:
    """A TFLite model in LiteRT's interpreter, which holds one set of tensors: one call at a time."""

    def __init__(self, model_path: Path, runtime: str, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.runtime = runtime
        self.interpreter = Interpreter(model_path=str(model_path), num_threads=thread_count(threads))
        self.input_index = self.interpreter.get_input_details()[0]["index"]
        # The converter names outputs "output_0", "output_1", ... in the model's order, but lists them in any.
        details = sorted(self.interpreter.get_output_details(), key=lambda detail: _output_position(detail["name"]))
        self.output_indices = [detail["index"] for detail in details]
        self.batch_size = 0
        self._lock = threading.Lock()

    def predict(self, batch: np.ndarray) -> ModelOutputs:
        with self._lock:
            if batch.shape[0] != self.batch_size:
                self.interpreter.resize_tensor_input(self.input_index, batch.shape)
                self.interpreter.allocate_tensors()
                self.batch_size = batch.shape[0]
            self.interpreter.set_tensor(self.input_index, batch.astype(np.float32, copy=False))
            self.interpreter.invoke()
            return model_outputs([np.array(self.interpreter.get_tensor(index)) for index in self.output_indices])


def _output_position(name: str) -> int:
    digits = "".join(character for character in name.rsplit("_", 1)[-1].rsplit(":", 1)[-1] if character.isdigit())
    return int(digits) if digits else 0


class OnnxPredictor:
    """An ONNX model in ONNX Runtime on the CPU.

    A session may run concurrently, but each run already uses every thread it is given, so runs take turns:
    a second one would only compete for the same cores and make both slower.
    """

    def __init__(self, model_path: Path, runtime: str = "onnx", threads: int | None = None) -> None:
        import onnxruntime

        self.runtime = runtime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = thread_count(threads)
        # Activations are freed after every run instead of kept in an arena planned for the largest batch so far:
        # an ensemble of two float32 Lite0 models peaked at 459 MB resident on a batch of 8 with them, 302 MB
        # without (and one over three mirror views each at 497 MB against 329 MB), for 5-10% more time a run.
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self.session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        self._lock = threading.Lock()

    def predict(self, batch: np.ndarray) -> ModelOutputs:
        with self._lock:
            outputs = self.session.run(None, {self.input_name: batch.astype(np.float32, copy=False)})
        return model_outputs(outputs)


@dataclass(frozen=True)
class Runtime:
    """One way to run a model: its file in the artifact, how to load it and how to make it."""

    name: str
    file_name: str
    load: PredictorLoader
    # skin-classifier's pip extra that serving this runtime needs (the API's extras mirror them).
    extra: str
    # "module:function" writing this runtime's file from the Keras model (see `convert`); None: the source.
    converter: str | None
    # Static quantisation: the converter needs a sample of training images to measure activations on.
    needs_calibration: bool = False

    def resolve_converter(self) -> Callable[..., None]:
        """The converter function, imported only when asked for (converting needs TensorFlow)."""
        if self.converter is None:
            raise ValueError(f"{self.name} is the trained model itself; nothing converts to it")
        module, _, function = self.converter.partition(":")
        converter: Callable[..., None] = getattr(importlib.import_module(module), function)
        return converter


# In the order the command line and reports list them.
RUNTIMES: dict[str, Runtime] = {
    runtime.name: runtime
    for runtime in (
        Runtime("keras", "model.keras", KerasPredictor, extra="train", converter=None),
        Runtime(
            "tflite-float16",
            "model_float16.tflite",
            TFLitePredictor,
            extra="litert",
            converter="skin_classifier.convert:tflite_float16",
        ),
        Runtime(
            "tflite-int8",
            "model_int8.tflite",
            TFLitePredictor,
            extra="litert",
            converter="skin_classifier.convert:tflite_int8",
        ),
        Runtime("onnx", "model.onnx", OnnxPredictor, extra="onnx", converter="skin_classifier.convert:onnx_float32"),
        # float16 storage, float32 compute: half the file, same answers.
        Runtime(
            "onnx-float16",
            "model_float16.onnx",
            OnnxPredictor,
            extra="onnx",
            converter="skin_classifier.convert:onnx_float16",
        ),
        # static int8 (QDQ), calibrated on training images.
        Runtime(
            "onnx-int8",
            "model_int8.onnx",
            OnnxPredictor,
            extra="onnx",
            converter="skin_classifier.convert:onnx_int8",
            needs_calibration=True,
        ),
    )
}
SOURCE_RUNTIME = "keras"  # what training exports and every other runtime is converted from
CONVERTIBLE_RUNTIMES = tuple(name for name, runtime in RUNTIMES.items() if runtime.converter is not None)


def get_runtime(name: str) -> Runtime:
    try:
        return RUNTIMES[name]
    except KeyError:
        raise ArtifactError(f"Unknown runtime {name!r}; choose from {', '.join(RUNTIMES)}") from None


def load_predictor(info: ArtifactInfo, runtime: str | None = None, threads: int | None = None) -> Predictor:
    """Load one runtime of the artifact; `None`, "" or "auto" picks the artifact's default.

    `threads` caps the threads of the TFLite and ONNX runtimes (None: every CPU).
    """
    name = info.default_runtime if runtime in (None, "", AUTO) else str(runtime)
    if name not in info.runtimes:
        raise ArtifactError(f"Runtime {name!r} is not in this artifact; it has: {', '.join(sorted(info.runtimes))}")
    model_path = info.path / info.runtimes[name]
    if not model_path.exists():
        raise ArtifactError(f"Model file missing: {model_path}")
    return get_runtime(name).load(model_path, name, threads)
