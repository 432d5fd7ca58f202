"""Extra serving runtimes for an artifact: TFLite (float16, dynamic-range int8) and ONNX.

Serving those needs only `ai-edge-litert` or `onnxruntime`, not TensorFlow. Converting needs TensorFlow,
so it happens once, here, next to training.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from .export import add_runtime
from .inference import RUNTIME_FILES, read_artifact_info

log = logging.getLogger(__name__)
CONVERTIBLE = ("tflite-float16", "tflite-int8", "onnx")


def _tflite(saved_model: Path, runtime: str) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range int8 weights
    if runtime == "tflite-float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def convert_artifact(artifact_dir: str | Path, runtimes: tuple[str, ...] = CONVERTIBLE,
                     default: str | None = None) -> list[str]:
    """Write the requested runtimes' model files beside model.keras and list them in the manifest."""
    import keras

    artifact_dir = Path(artifact_dir)
    info = read_artifact_info(artifact_dir)
    unknown = set(runtimes) - set(CONVERTIBLE)
    if unknown:
        raise ValueError(f"Cannot convert to {sorted(unknown)}; choose from {CONVERTIBLE}")
    model = keras.saving.load_model(artifact_dir / info.runtimes["keras"], compile=False, safe_mode=True)
    with tempfile.TemporaryDirectory() as scratch:
        saved_model = Path(scratch) / "saved_model"
        if any(runtime.startswith("tflite") for runtime in runtimes):
            model.export(saved_model, format="tf_saved_model", verbose=False)
        for runtime in runtimes:
            target = artifact_dir / RUNTIME_FILES[runtime]
            if runtime == "onnx":
                model.export(target, format="onnx", verbose=False)
            else:
                target.write_bytes(_tflite(saved_model, runtime))
            add_runtime(artifact_dir, runtime, default=runtime == default)
            log.info("Wrote %s (%.1f MB)", target, target.stat().st_size / 1e6)
    if default and default not in runtimes:
        add_runtime(artifact_dir, default, default=True)
    return list(runtimes)
