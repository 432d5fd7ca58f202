"""Images in, ranked class confidences out: the one call the command line, the benchmarks and the API share.

Each runtime sits behind `runtimes.Predictor` (a float32 batch in, class probabilities out), so a runtime
can be added without touching anything that classifies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .answers import AnswerGraph
from .artifact import ArtifactError, ArtifactInfo, read_artifact_info
from .explain import Heatmap, draw_heatmap
from .image_kind import IMAGE_KINDS, ImageKind, read_image_kind_check
from .on_device import DeviceFile, device_files
from .preprocessing import (
    DEFAULT_DECODE_BUDGET,
    DEFAULT_MAX_PIXELS,
    SUPPORTED_FORMATS,
    Decoded,
    ImageSource,
    decode,
    to_model_input,
)
from .quality import ANALYSIS_SIZE, QualityWarning, analysis_picture, warnings_for
from .runtimes import ModelOutputs, Predictor, load_predictor


@dataclass(frozen=True)
class ClassScore:
    class_name: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    predicted_class: str
    confidence: float
    all_predictions: list[ClassScore]
    # What may make this answer less trustworthy (too dark, blurred, ...); empty when the picture looks fine.
    quality_warnings: tuple[QualityWarning, ...] = ()
    # The calibrated top confidence is below the artifact's threshold, chosen on validation: no clear winner.
    uncertain: bool = False
    # Dermoscopy, an ordinary skin photo or not skin; None when the artifact has no image-kind check.
    image_kind: ImageKind | None = None
    # Where the model looked for the top class; only when asked for.
    heatmap: Heatmap | None = None


class Inspected(NamedTuple):
    """One decoded upload: the model's input, the grey picture the quality measures read, and its sizes."""

    pixels: np.ndarray
    analysis: np.ndarray  # (H, W) float32 grey, shorter side `quality.ANALYSIS_SIZE`
    stored_short_side: int  # the shorter side of the file as stored
    picture_size: tuple[int, int]  # (width, height) after EXIF orientation: the heat map's aspect ratio


def predict_in_batches(
    predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, batch_size: int = 32
) -> np.ndarray:
    """Outputs for uint8 images through any `predict(model_input_batch)` callable."""
    outputs = [
        np.asarray(predict(to_model_input(images[start : start + batch_size])))
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)


class Classifier:
    """An artifact's metadata plus one loaded runtime: images in, ranked class confidences out.

    Safe to call from several threads: each decode takes at most one decode budget of memory, so a caller that
    decodes N images at once needs N budgets; the predictor serialises what its library must. `predict_outputs`
    takes any batch size, and a batch gives every image the answer it gets alone.
    """

    def __init__(
        self,
        info: ArtifactInfo,
        predictor: Predictor,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        *,
        formats: tuple[str, ...] = SUPPORTED_FORMATS,
        decode_budget: int = DEFAULT_DECODE_BUDGET,
    ) -> None:
        self.info = info
        self.predictor = predictor
        self.answers = AnswerGraph(info)
        # Read for its description (GET /model); the answer graph computes its answers.
        self.image_kind_check = read_image_kind_check(info)
        self.max_pixels = max_pixels
        self.formats = formats
        self.decode_budget = decode_budget

    @property
    def runtime(self) -> str:
        return self.predictor.runtime

    @cached_property
    def device_files(self) -> dict[str, DeviceFile] | None:
        """The files a browser runs this model with (hashed once, when first asked); None for a non-ONNX runtime."""
        return device_files(self.info, self.runtime)

    def _decode(self, source: ImageSource) -> Decoded:
        return decode(
            source, self.info.image_size, self.max_pixels, formats=self.formats, decode_budget=self.decode_budget
        )

    def preprocess(self, source: ImageSource) -> np.ndarray:
        return to_model_input(self._decode(source).resized(self.info.image_size))

    def inspect(self, source: ImageSource) -> Inspected:
        """Model input for one image, and the grey picture the quality measures read (from the same decode)."""
        # Models under 112 px (tests' tiny ones) reduce pictures below the scale the check measures at: the
        # check decodes the image again rather than change the model's pixels, so a stream is read once here.
        small_model = 2 * self.info.image_size < ANALYSIS_SIZE
        if small_model and not isinstance(source, (bytes, str, Path)):
            source = source.read()
        decoded = self._decode(source)
        pixels = to_model_input(decoded.resized(self.info.image_size))
        picture_size = decoded.upright_size
        if small_model and min(decoded.picture.size) < min(ANALYSIS_SIZE, *decoded.stored_size):
            decoded = decode(
                source, ANALYSIS_SIZE // 2, self.max_pixels, formats=self.formats, decode_budget=self.decode_budget
            )
        return Inspected(pixels, analysis_picture(decoded.picture), min(decoded.stored_size), picture_size)

    def predict_outputs(self, batch: np.ndarray) -> ModelOutputs:
        outputs = self.predictor.predict(batch)
        count, features = batch.shape[0], outputs.pooled.shape[-1]
        expected = [(count, len(self.info.class_names)), (count, features)]
        actual = [outputs.probabilities.shape, outputs.pooled.shape]
        if actual != expected or outputs.feature_map.shape[::3] != (count, features):
            raise ArtifactError(f"Model returned shapes {actual} and {outputs.feature_map.shape}, expected {expected}")
        return outputs

    def predict_probabilities(self, batch: np.ndarray) -> np.ndarray:
        return self.predict_outputs(batch).probabilities

    def pooled_features(self, batch: np.ndarray) -> np.ndarray:
        """The head's input features, (N, features): what the image-kind check is trained on."""
        return self.predict_outputs(batch).pooled

    def rank(
        self, probabilities: np.ndarray, quality_warnings: tuple[QualityWarning, ...] = (), uncertain: bool = False
    ) -> Prediction:
        """Turn one probability vector into the sorted, renormalised response shape."""
        probabilities = np.clip(probabilities.astype(np.float64), 0.0, None)
        total = probabilities.sum()
        if not np.isfinite(total) or total <= 0:
            raise ArtifactError("Model returned no usable probabilities (NaN, infinite or all zero)")
        probabilities = probabilities / total
        order = np.argsort(-probabilities, kind="stable")
        scores = [ClassScore(self.info.class_names[i], float(probabilities[i])) for i in order]
        return Prediction(scores[0].class_name, scores[0].confidence, scores, quality_warnings, uncertain)

    def answer(
        self, outputs: ModelOutputs, inspected: Inspected, row: int = 0, explain_top: bool = False
    ) -> Prediction:
        """The response for one image of a batch, from the answer graph: ranked classes, uncertainty, image kind,
        quality warnings, and with `explain_top` the heat map of the top class (drawn only then)."""
        mine = ModelOutputs(*(output[row : row + 1] for output in outputs))
        graph = self.answers.run(inspected.pixels, mine, inspected.analysis, inspected.stored_short_side)
        prediction = self.rank(outputs.probabilities[row], warnings_for(graph.quality), graph.uncertain)
        if graph.image_kind is not None and graph.image_kind_probabilities is not None:
            kind = graph.image_kind
            prediction = replace(
                prediction, image_kind=ImageKind(IMAGE_KINDS[kind], float(graph.image_kind_probabilities[kind]))
            )
        if explain_top:
            top = self.info.class_names.index(prediction.predicted_class)
            prediction = replace(prediction, heatmap=draw_heatmap(graph.class_maps[..., top], inspected.picture_size))
        return prediction

    def classify(self, sources: list[ImageSource], explain_top: bool = False) -> list[Prediction]:
        inspected = [self.inspect(source) for source in sources]
        outputs = self.predict_outputs(np.stack([image.pixels for image in inspected]))
        return [self.answer(outputs, image, row, explain_top) for row, image in enumerate(inspected)]

    def warm_up(self) -> None:
        """Run one inference so the first user request does not pay for graph set-up."""
        size = self.info.image_size
        self.predict_probabilities(np.zeros((1, size, size, 3), dtype=np.float32))


def load_classifier(
    path: str | Path,
    runtime: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    threads: int | None = None,
    *,
    formats: tuple[str, ...] = SUPPORTED_FORMATS,
    decode_budget: int = DEFAULT_DECODE_BUDGET,
) -> Classifier:
    """Load an artifact folder for inference: the one call the command line and the API use."""
    info = read_artifact_info(path)
    predictor = load_predictor(info, runtime, threads)
    return Classifier(info, predictor, max_pixels, formats=formats, decode_budget=decode_budget)
