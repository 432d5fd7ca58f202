"""Extra serving runtimes for an artifact: TFLite (float16, dynamic-range int8) and ONNX (float32, and
float32 compute from float16 storage).

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
CONVERTIBLE = ("tflite-float16", "tflite-int8", "onnx", "onnx-float16")


def _tflite(saved_model: Path, runtime: str) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range int8 weights
    if runtime == "tflite-float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def _onnx_with_float16_storage(source: Path, target: Path, min_elements: int = 1024) -> None:
    """Store large float32 weights as float16 and cast them back to float32 inside the graph.

    ONNX Runtime folds those casts when the session starts, so inference runs in float32 exactly as the
    float32 file does (with weights rounded to float16, like TFLite float16), from a file half the size.
    """
    import numpy as np
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


def convert_artifact(artifact_dir: str | Path, runtimes: tuple[str, ...] = CONVERTIBLE,
                     default: str | None = None) -> list[str]:
    """Write the requested runtimes' model files beside model.keras and list them in the manifest."""
    import keras
    import numpy as np

    artifact_dir = Path(artifact_dir)
    info = read_artifact_info(artifact_dir)
    unknown = set(runtimes) - set(CONVERTIBLE)
    if unknown:
        raise ValueError(f"Cannot convert to {sorted(unknown)}; choose from {CONVERTIBLE}")
    model = keras.saving.load_model(artifact_dir / info.runtimes["keras"], compile=False, safe_mode=True)
    model(np.zeros((1, info.image_size, info.image_size, 3), np.float32))  # exporters need a called model
    with tempfile.TemporaryDirectory() as scratch:
        saved_model = Path(scratch) / "saved_model"
        if any(runtime.startswith("tflite") for runtime in runtimes):
            model.export(saved_model, format="tf_saved_model", verbose=False)
        for runtime in runtimes:
            target = artifact_dir / RUNTIME_FILES[runtime]
            if runtime == "onnx":
                model.export(target, format="onnx", verbose=False)
            elif runtime == "onnx-float16":
                float32_file = Path(scratch) / "model.onnx"
                model.export(float32_file, format="onnx", verbose=False)
                _onnx_with_float16_storage(float32_file, target)
            else:
                target.write_bytes(_tflite(saved_model, runtime))
            add_runtime(artifact_dir, runtime, default=runtime == default)
            log.info("Wrote %s (%.1f MB)", target, target.stat().st_size / 1e6)
    if default and default not in runtimes:
        add_runtime(artifact_dir, default, default=True)
    return list(runtimes)
