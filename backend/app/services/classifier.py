"""The model service: loads the artifact in the background and runs classifications safely across threads."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from app.core.config import Settings
from skin_classifier.inference import ArtifactError, Classifier, Prediction, load_classifier
from skin_classifier.preprocessing import UPLOAD_FORMATS, ImageSource, preprocess

logger = logging.getLogger("app.model")

Loader = Callable[[Settings], Classifier]


class ModelState(str, Enum):
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


# A client asked to come back while the model loads should not come back sooner: loading takes seconds.
NOT_READY_RETRY_AFTER_S = 5
# What a client is told about a failed load: never a path or a library's message (those go to the log).
ARTIFACT_FAILURE = "the model files are missing, incomplete or of an unsupported version."
RUNTIME_FAILURE = "the model runtime could not open the model."


class ModelNotReadyError(RuntimeError):
    """Raised to callers while the model is loading or after loading failed; the message says which."""


@dataclass(frozen=True)
class Classification:
    prediction: Prediction
    inference_ms: float
    model_version: str
    runtime: str


def load_from_settings(settings: Settings) -> Classifier:
    return load_classifier(settings.model_dir, settings.model_runtime, max_pixels=settings.max_image_pixels,
                           threads=settings.inference_threads)


class ModelService:
    """Owns the one loaded `Classifier`.

    Loading runs in a background thread so the server answers (503) while it loads, and a failure is kept
    as a reason for /health instead of stopping the process. Predictors such as the TFLite interpreter are
    not thread-safe, so forward passes are serialised by a lock. Decoding has a lock of its own: one image
    decodes while another runs the model, and memory holds at most one decode budget of pixels.
    """

    def __init__(self, settings: Settings, loader: Loader = load_from_settings) -> None:
        self.settings = settings
        self._loader = loader
        self._predict_lock = threading.Lock()
        self._decode_lock = threading.Lock()
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
        except Exception as error:  # any failure is reported by /health, never raised into the server
            self.error = f"{type(error).__name__}: {error}"
            self.failure = ARTIFACT_FAILURE if isinstance(error, ArtifactError) else RUNTIME_FAILURE
            self.state = ModelState.FAILED
            logger.error("Model failed to load: %s", self.error, exc_info=not isinstance(error, ArtifactError))
        else:
            self.classifier = classifier
            self.state = ModelState.READY
            logger.info(
                "Model %s ready (runtime %s, %d classes) in %.1f s", classifier.info.model_version,
                classifier.runtime, len(classifier.info.class_names), time.perf_counter() - started,
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
        if self.state is not ModelState.READY or self.classifier is None:
            raise ModelNotReadyError(self.describe_state())
        return self.classifier

    def classify(self, image: ImageSource) -> Classification:
        """Classify one uploaded image (bytes or a file); raises `preprocessing.ImageError` for unusable input."""
        classifier = self.ready_classifier()
        started = time.perf_counter()
        with self._decode_lock:
            pixels = preprocess(image, classifier.info.image_size, self.settings.max_image_pixels,
                                formats=UPLOAD_FORMATS, decode_budget=self.settings.decode_budget_bytes)
        with self._predict_lock:
            probabilities = classifier.predict_probabilities(pixels[None])
        prediction = classifier.rank(probabilities[0])
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Classification(prediction, elapsed_ms, classifier.info.model_version, classifier.runtime)
