"""The model service: loads the artifact in the background and owns the whole classification call.

It is the one place that knows the ml package's errors: each becomes the HTTP error a client is told
(routes import only `app.*`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from fastapi import HTTPException, status

from app.core.config import Settings
from skin_classifier.serving.artifact import ArtifactError
from skin_classifier.serving.classifier import Classifier, Inspected, Prediction, load_classifier
from skin_classifier.serving.image_kind import IMAGE_KINDS, NOT_SKIN
from skin_classifier.serving.preprocessing import (
    UPLOAD_FORMATS,
    ImageError,
    ImageSource,
    ImageTooLargeError,
    NotAnImageError,
    describe_formats,
)
from skin_classifier.serving.runtimes import ModelOutputs

logger = logging.getLogger("app.model")
refusals = logging.getLogger("app.predict")

Loader = Callable[[Settings], Classifier]

# The upload formats in words ("JPEG, PNG, WebP or HEIC/HEIF"), for the OpenAPI descriptions.
UPLOAD_FORMATS_TEXT = describe_formats(UPLOAD_FORMATS)


class ModelState(str, Enum):
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


# A client asked to come back while the model loads should not come back sooner: loading takes seconds.
NOT_READY_RETRY_AFTER_S = 5
# What a client is told about a failed load: never a path or a library's message (those go to the log).
ARTIFACT_FAILURE = "the model files are missing, incomplete or of an unsupported version."
RUNTIME_FAILURE = "the model runtime could not open the model."
NOT_SKIN_MESSAGE = (
    "This does not look like a photo of skin, so it was not classified. Upload a close, sharp photo of the skin "
    "lesion, ideally taken through a dermatoscope."
)


class ModelNotReadyError(HTTPException):
    """503 while the model is loading or after loading failed; the detail says which."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers={"Retry-After": str(NOT_READY_RETRY_AFTER_S)}
        )


def image_error_status(error: ImageError) -> int:
    """Too many pixels is a size problem (413), unknown bytes a type problem (415), the rest bad content (422)."""
    if isinstance(error, ImageTooLargeError):
        return 413
    if isinstance(error, NotAnImageError):
        return 415
    return 422


@dataclass(frozen=True)
class Classification:
    prediction: Prediction
    inference_ms: float  # decode, preprocess, the forward pass of its batch and the answer
    model_version: str
    runtime: str


def load_from_settings(settings: Settings) -> Classifier:
    """The artifact the settings name, taking uploads only in camera formats and within the decode budget."""
    return load_classifier(
        settings.model_dir,
        settings.model_runtime,
        max_pixels=settings.max_image_pixels,
        threads=settings.inference_threads,
        formats=UPLOAD_FORMATS,
        decode_budget=settings.decode_budget_bytes,
    )


class ModelService:
    """Owns the one loaded `Classifier`.

    Loading runs in a background thread so the server answers (503) while it loads, and a failure is kept
    as a reason for /health instead of stopping the process. `inspect` and `answer` are safe to call from
    several threads; `batching.Batcher` runs the model between them.
    """

    def __init__(self, settings: Settings, loader: Loader = load_from_settings) -> None:
        self.settings = settings
        self._loader = loader
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = ModelState.LOADING
        self.error: str | None = None  # the full reason, for the log only: it names paths and library errors
        self.failure: str | None = None  # what /health and /predict may say
        self.classifier: Classifier | None = None

    def start(self) -> None:
        """Begin loading in a daemon thread (a stuck load must not keep the process from exiting)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="model-loader", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until loading has finished, either way; True if it finished in time."""
        return self._finished.wait(timeout)

    def _load(self) -> None:
        started = time.perf_counter()
        logger.info("Loading model from %s (runtime %s)", self.settings.model_dir, self.settings.model_runtime)
        try:
            classifier = self._loader(self.settings)
            classifier.warm_up()
            _ = classifier.device_files  # hashed here, not in the first GET /model on the event loop
        except Exception as error:  # any failure is reported by /health, never raised into the server
            self.error = f"{type(error).__name__}: {error}"
            self.failure = ARTIFACT_FAILURE if isinstance(error, ArtifactError) else RUNTIME_FAILURE
            self.state = ModelState.FAILED
            logger.error("Model failed to load: %s", self.error, exc_info=not isinstance(error, ArtifactError))
        else:
            self.classifier = classifier
            self.state = ModelState.READY
            logger.info(
                "Model %s ready (runtime %s, %d classes) in %.1f s",
                classifier.info.model_version,
                classifier.runtime,
                len(classifier.info.class_names),
                time.perf_counter() - started,
            )
        finally:
            self._finished.set()

    def describe_state(self) -> str:
        if self.state is ModelState.LOADING:
            return "Model is still loading; try again shortly."
        if self.state is ModelState.FAILED:
            return f"Model failed to load: {self.failure} The server log has the details."
        return "Model is ready."

    def ready_classifier(self) -> Classifier:
        """The loaded classifier; `ModelNotReadyError` (503) while loading or after a failed load."""
        if self.state is not ModelState.READY or self.classifier is None:
            raise ModelNotReadyError(self.describe_state())
        return self.classifier

    def inspect(self, image: ImageSource, request_id: str | None = None) -> Inspected:
        """Decode one uploaded image (bytes or a file) into the model's input and its quality warnings.

        Raises `HTTPException`: 503 if the model is not ready, 413/415/422 for an image that cannot be used
        (with a fixed message; the library's exception is logged by type only). Safe from several threads.
        """
        classifier = self.ready_classifier()
        try:
            return classifier.inspect(image)
        except ImageError as error:
            status_code = image_error_status(error)
            cause = error.__cause__
            refusals.info(
                "Image refused: status=%d reason=%s cause=%s (request_id=%s)",
                status_code,
                type(error).__name__,
                type(cause).__name__ if cause else "-",
                request_id,
            )
            raise HTTPException(status_code, str(error)) from error

    def answer(
        self,
        outputs: ModelOutputs,
        row: int,
        inspected: Inspected,
        explain: bool = False,
        request_id: str | None = None,
    ) -> Prediction:
        """The answer for row `row` of a batch's outputs; with `explain`, the top class's heat map.

        Raises `HTTPException` 422 when REJECT_NOT_SKIN is set and the image does not look like skin.
        """
        prediction = self.ready_classifier().answer(outputs, inspected, row, explain_top=explain)
        kind = prediction.image_kind
        if self.settings.reject_not_skin and kind is not None and kind.kind == IMAGE_KINDS[NOT_SKIN]:
            refusals.info(
                "Image refused: status=422 reason=not-skin score=%.3f (request_id=%s)", kind.score, request_id
            )
            raise HTTPException(422, NOT_SKIN_MESSAGE)
        return prediction
