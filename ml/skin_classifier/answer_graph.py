"""The answer graph: everything between the model's outputs and the answer, as one small ONNX graph.

Every runtime's model outputs calibrated probabilities, the pooled features and the last conv feature map
(`runtimes.ModelOutputs`). What turns them into an answer (the uncertainty flag, the image-kind check on the
pooled features and the picture's statistics, Grad-CAM maps of every class, the quality measures and their
judgement) is computed by `answer.onnx`, which this module writes into the artifact from its own files
(`head.npz`, `image_kind.json`, the calibration in the manifest, `quality.THRESHOLDS`). The Python service
and the page in the browser both run it after the model, so neither holds a second copy of that logic: they
only decode, resize, run the two graphs, rank and draw.

The numpy definitions it mirrors (`picture_statistics`, `ImageKindCheck`, and in `answer_definitions`
`grad_cam` and the quality check's `measure` and `judge`) stay as the reference the check's weights and the thresholds were fitted on; tests
hold the graph to them.

Needs the `onnx` package (training and export install it); serving needs only ONNX Runtime.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from .jsonio import write_json
from .picture_statistics import STATISTICS_SIZE
from .serving.answers import ANSWER_FILE, ANSWER_INPUTS, answer_graph_source
from .serving.artifact import MANIFEST_FILE, ArtifactInfo, read_artifact_info
from .serving.explain import HEAD_FILE, Head
from .serving.image_kind import ImageKindCheck, read_image_kind_check
from .serving.quality import QUALITY_CODES, THRESHOLDS

OPSET = 18  # ONNX Runtime 1.18+ and ONNX Runtime Web read it; reductions take their axes as inputs


class _Graph:
    """Nodes and constants of a graph being written, with names made unique."""

    def __init__(self) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: Any, hint: str = "const", dtype: Any = np.float32) -> str:
        from onnx import numpy_helper

        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, values: list[int] | int, hint: str = "ints") -> str:
        return self.const(values, hint, np.int64)

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attributes: Any) -> str:
        out = output or self.name(op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attributes))
        return out

    def slice(self, x: str, starts: list[int], ends: list[int], axes: list[int]) -> str:
        return self.op("Slice", x, self.ints(starts), self.ints(ends), self.ints(axes))

    def reduce(self, op_type: str, x: str, axes: list[int], keepdims: int = 0) -> str:
        return self.op(op_type, x, self.ints(axes), keepdims=keepdims)

    def mean(self, x: str, axes: list[int], keepdims: int = 0) -> str:
        return self.reduce("ReduceMean", x, axes, keepdims)

    def where(self, condition: str, then: str, otherwise: str) -> str:
        return self.op("Where", condition, then, otherwise)


def _box_reduce(g: _Graph, channels_last: str, factor: int, size: int) -> str:
    """Means of `factor`-pixel blocks of (N, S, S, C) images, the last partial block dropped (S // factor)."""
    if factor == 1:
        return channels_last
    end = size * factor
    cropped = g.slice(channels_last, [0, 0], [end, end], [1, 2])
    channels_first = g.op("Transpose", cropped, perm=[0, 3, 1, 2])
    pooled = g.op("AveragePool", channels_first, kernel_shape=[factor, factor], strides=[factor, factor])
    return g.op("Transpose", pooled, perm=[0, 2, 3, 1])


def _histogram(g: _Graph, values: str, bins: int, weights: str | None) -> str:
    """(N, bins) shares of each image's pixels (or weights) whose value in 0..1 falls in each bin."""
    index = g.op("Clip", g.op("Floor", g.op("Mul", values, g.const(bins))), g.const(0.0), g.const(bins - 1.0))
    one_hot = g.op("Cast", g.op("Equal", g.op("Unsqueeze", index, g.ints([-1])), g.const(np.arange(bins))), to=1)
    if weights is None:
        return g.mean(one_hot, [1, 2])  # shares of the pixel count
    weighted = g.op("Mul", one_hot, g.op("Unsqueeze", weights, g.ints([-1])))
    total_weight = g.op("Max", g.reduce("ReduceSum", weights, [1, 2], 0), g.const(1e-6))
    return g.op("Div", g.reduce("ReduceSum", weighted, [1, 2], 0), g.op("Unsqueeze", total_weight, g.ints([1])))


def _edge_strength(g: _Graph, grey: str) -> str:
    """(N,) mean absolute difference between neighbours, down and across, of (N, s, s) grey images."""
    total = None
    for axis in (1, 2):
        later = g.slice(grey, [1], [2**31], [axis])
        earlier = g.slice(grey, [0], [-1], [axis])
        term = g.mean(g.op("Abs", g.op("Sub", later, earlier)), [1, 2])
        total = term if total is None else g.op("Add", total, term)
    assert total is not None
    return total


def _picture_statistics(g: _Graph, image: str, image_size: int) -> str:
    """(N, 38): `picture_statistics.picture_statistics` of the model's input, feature for feature."""
    factor = max(1, image_size // STATISTICS_SIZE)
    size = image_size // factor
    rgb = _box_reduce(g, g.op("Div", image, g.const(255.0)), factor, size)
    channel = [g.slice(rgb, [c], [c + 1], [3]) for c in range(3)]
    red, green, blue = (g.op("Squeeze", part, g.ints([3])) for part in channel)
    value = g.reduce("ReduceMax", rgb, [3], 0)
    low = g.reduce("ReduceMin", rgb, [3], 0)
    spread = g.op("Sub", value, low)
    zero, one = g.const(0.0), g.const(1.0)
    positive_value = g.op("Greater", value, zero)
    saturation = g.where(positive_value, g.op("Div", spread, g.where(positive_value, value, one)), zero)
    has_spread = g.op("Greater", spread, zero)
    safe = g.where(has_spread, spread, one)
    six = g.const(6.0)
    red_hue = g.op("Mod", g.op("Div", g.op("Sub", green, blue), safe), six, fmod=1)
    red_hue = g.where(g.op("Less", red_hue, zero), g.op("Add", red_hue, six), red_hue)  # numpy's % is a floor mod
    green_hue = g.op("Add", g.op("Div", g.op("Sub", blue, red), safe), g.const(2.0))
    blue_hue = g.op("Add", g.op("Div", g.op("Sub", red, green), safe), g.const(4.0))
    hue = g.where(
        g.op("Not", has_spread),
        zero,
        g.where(g.op("Equal", value, red), red_hue, g.where(g.op("Equal", value, green), green_hue, blue_hue)),
    )
    hue = g.op("Div", hue, six)

    centre = (np.mgrid[0:size, 0:size] + 0.5) / size - 0.5
    radius = np.sqrt(centre[0] ** 2 + centre[1] ** 2)
    regions = [radius < 0.25, radius > 0.5, (radius > 0.4) & (radius <= 0.5)]  # centre, corners, rim
    region_means = [
        g.op("Div", g.reduce("ReduceSum", g.op("Mul", value, g.const(region)), [1, 2], 0), g.const(region.sum()))
        for region in regions
    ]
    half = g.op("Squeeze", _box_reduce(g, g.op("Unsqueeze", value, g.ints([3])), 2, size // 2), g.ints([3]))
    mean_rgb = g.mean(rgb, [1, 2])
    deviation = g.op("Sub", rgb, g.mean(rgb, [1, 2], keepdims=1))
    std_rgb = g.op("Sqrt", g.mean(g.op("Mul", deviation, deviation), [1, 2]))
    chroma = g.op("Add", g.reduce("ReduceSum", rgb, [3], 1), g.const(1e-6))
    chromaticity = g.slice(g.mean(g.op("Div", rgb, chroma), [1, 2]), [0], [2], [1])

    def column(x: str) -> str:
        return g.op("Unsqueeze", x, g.ints([1]))

    parts = [
        mean_rgb,
        std_rgb,
        chromaticity,
        _histogram(g, hue, 12, saturation),
        _histogram(g, saturation, 6, None),
        _histogram(g, value, 6, None),
        *(column(mean) for mean in region_means),
        column(g.mean(saturation, [1, 2])),
        column(_edge_strength(g, value)),
        column(_edge_strength(g, half)),
    ]
    return g.op("Concat", *parts, axis=1)


def _image_kind(g: _Graph, check: ImageKindCheck, image: str, pooled: str, image_size: int) -> tuple[str, str]:
    """(N, 3) probabilities of the kinds and (N,) the decision's index, as `ImageKindCheck.judge` gives them."""
    features = pooled
    if check.with_picture_statistics:
        features = g.op("Concat", pooled, _picture_statistics(g, image, image_size), axis=1)
    standard = g.op("Div", g.op("Sub", features, g.const(check.mean)), g.const(check.scale))
    logits = g.op("Add", g.op("MatMul", standard, g.const(check.weights)), g.const(check.bias))
    probabilities = g.op("Softmax", logits, axis=1, output="image_kind_probabilities")
    kind = [g.op("Squeeze", g.slice(probabilities, [k], [k + 1], [1]), g.ints([1])) for k in range(3)]
    dermoscopy, skin_photo, not_skin = kind
    other = g.where(g.op("GreaterOrEqual", not_skin, skin_photo), g.ints(2), g.ints(1))
    decision = g.where(g.op("GreaterOrEqual", dermoscopy, g.const(check.dermoscopy_threshold)), g.ints(0), other)
    g.op("Identity", decision, output="image_kind")
    return probabilities, "image_kind"


def _class_maps(g: _Graph, head: Head, pooled: str, feature_map: str) -> str:
    """(N, h, w, K) Grad-CAM of every class, each scaled to its own peak (`answer_definitions.grad_cam` for each class)."""
    if head.dense_kernel is None:
        weights = g.const(head.logits_kernel * head.norm_scale[:, None])  # d logits / d pooled, constant
    else:
        assert head.dense_bias is not None
        normalised = g.op("Add", g.op("Mul", pooled, g.const(head.norm_scale)), g.const(head.norm_shift))
        hidden = g.op("Add", g.op("MatMul", normalised, g.const(head.dense_kernel)), g.const(head.dense_bias))
        active = g.op("Unsqueeze", g.op("Cast", g.op("Greater", hidden, g.const(0.0)), to=1), g.ints([2]))
        per_image = g.op("MatMul", g.const(head.dense_kernel), g.op("Mul", active, g.const(head.logits_kernel)))
        scaled = g.op("Mul", per_image, g.const(head.norm_scale[:, None]))
        weights = g.op("Unsqueeze", scaled, g.ints([1]))  # (N, 1, C, K): one matrix per image
    cam = g.op("Relu", g.op("MatMul", feature_map, weights))
    peak = g.reduce("ReduceMax", cam, [1, 2], 1)
    has_peak = g.op("Greater", peak, g.const(0.0))
    scaled_cam = g.op("Div", cam, g.where(has_peak, peak, g.const(1.0)))
    return g.op("Where", has_peak, scaled_cam, g.const(0.0), output="class_maps")


def _quality(g: _Graph, analysis: str, stored_short_side: str) -> None:
    """(N, 4) flags too_dark, too_bright, blurred, too_small (`answer_definitions.judge` of `measure`)."""
    brightness = g.mean(analysis, [1, 2])
    centre = g.slice(analysis, [1, 1], [-1, -1], [1, 2])
    neighbours = [
        g.slice(analysis, [0, 1], [-2, -1], [1, 2]),
        g.slice(analysis, [2, 1], [2**31, -1], [1, 2]),
        g.slice(analysis, [1, 0], [-1, -2], [1, 2]),
        g.slice(analysis, [1, 2], [-1, 2**31], [1, 2]),
    ]
    total = g.op("Sum", *neighbours)
    laplacian = g.op("Sub", total, g.op("Mul", centre, g.const(4.0)))
    deviation = g.op("Sub", laplacian, g.mean(laplacian, [1, 2], keepdims=1))
    sharpness = g.mean(g.op("Mul", deviation, deviation), [1, 2])
    g.op("Identity", brightness, output="brightness")
    g.op("Identity", sharpness, output="sharpness")
    too_dark = g.op("Less", brightness, g.const(THRESHOLDS.too_dark_below))
    too_bright = g.op("And", g.op("Not", too_dark), g.op("Greater", brightness, g.const(THRESHOLDS.too_bright_above)))
    too_small = g.op("Less", stored_short_side, g.const(float(THRESHOLDS.min_short_side)))
    exposed = g.op("Not", g.op("Or", too_dark, too_bright))
    soft = g.op("Less", sharpness, g.const(THRESHOLDS.blurred_below))
    blurred = g.op("And", g.op("And", exposed, soft), g.op("Not", too_small))
    flags = {"too_dark": too_dark, "too_bright": too_bright, "blurred": blurred, "too_small": too_small}
    g.op("Concat", *(g.op("Unsqueeze", flags[code], g.ints([1])) for code in QUALITY_CODES), axis=1, output="quality")


def build_answer_graph(head: Head, image_size: int, threshold: float | None, check: ImageKindCheck | None) -> Any:
    """The answer graph as an `onnx.ModelProto` (see the module's docstring)."""
    import onnx
    from onnx import TensorProto, helper

    g = _Graph()
    classes, features = head.num_classes, head.norm_scale.shape[0]
    height, width = "map_height", "map_width"  # the backbone's: any size works
    image, probabilities, pooled, feature_map, analysis, stored_short_side = ANSWER_INPUTS
    # The model's probabilities are already calibrated: they are the answer's confidences as they are.
    top = g.reduce("ReduceMax", probabilities, [1], 0)
    # A threshold of 0 calls nothing uncertain (probabilities are never negative).
    g.op("Less", top, g.const(threshold or 0.0), output="uncertain")
    outputs = [helper.make_tensor_value_info("uncertain", TensorProto.BOOL, ["batch"])]
    if check is not None:
        _image_kind(g, check, image, pooled, image_size)
        outputs += [
            helper.make_tensor_value_info("image_kind", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("image_kind_probabilities", TensorProto.FLOAT, ["batch", 3]),
        ]
    _class_maps(g, head, pooled, feature_map)
    _quality(g, analysis, stored_short_side)
    outputs += [
        helper.make_tensor_value_info("class_maps", TensorProto.FLOAT, ["batch", height, width, classes]),
        helper.make_tensor_value_info("quality", TensorProto.BOOL, ["batch", len(QUALITY_CODES)]),
        helper.make_tensor_value_info("brightness", TensorProto.FLOAT, ["batch"]),
        helper.make_tensor_value_info("sharpness", TensorProto.FLOAT, ["batch"]),
    ]
    inputs = [
        helper.make_tensor_value_info(image, TensorProto.FLOAT, ["batch", image_size, image_size, 3]),
        helper.make_tensor_value_info(probabilities, TensorProto.FLOAT, ["batch", classes]),
        helper.make_tensor_value_info(pooled, TensorProto.FLOAT, ["batch", features]),
        helper.make_tensor_value_info(feature_map, TensorProto.FLOAT, ["batch", height, width, features]),
        helper.make_tensor_value_info(analysis, TensorProto.FLOAT, ["batch", "analysis_height", "analysis_width"]),
        helper.make_tensor_value_info(stored_short_side, TensorProto.FLOAT, ["batch"]),
    ]
    graph = helper.make_graph(g.nodes, "answer", inputs, outputs, g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
    onnx.checker.check_model(model)
    return model


def save_answer_graph(info: ArtifactInfo) -> dict[str, Any]:
    """Write `answer.onnx` into the artifact folder from its files as they now stand; returns the manifest's
    `answer_graph` section describing it."""
    import onnx

    check = read_image_kind_check(info)
    model = build_answer_graph(Head.load(info.path / HEAD_FILE), info.image_size, info.uncertainty_threshold, check)
    path = info.path / ANSWER_FILE
    onnx.save(model, path)
    return {
        "file": ANSWER_FILE,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "built_from": answer_graph_source(info),
    }


def write_answer_graph(artifact_dir: str | Path) -> Path:
    """Write `answer.onnx` for the artifact and describe it in the manifest.

    Call it whenever something it is built from changes: the head, the calibration, the image-kind check.
    """
    artifact_dir = Path(artifact_dir)
    section = save_answer_graph(read_artifact_info(artifact_dir))
    manifest = json.loads((artifact_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["answer_graph"] = section
    write_json(artifact_dir / MANIFEST_FILE, manifest)
    return artifact_dir / ANSWER_FILE
