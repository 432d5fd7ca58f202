"""Settings read from environment variables (no prefix), each with a default that is safe to run with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from skin_classifier.serving.machine import available_cpus
from skin_classifier.serving.preprocessing import DEFAULT_DECODE_BUDGET, DEFAULT_MAX_PIXELS
from skin_classifier.serving.runtimes import AUTO, RUNTIMES

# backend/app/core/config.py -> the repository root holds models/reference.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[3] / "models" / "reference"
# The Vite dev server and the compose frontend.
DEFAULT_CORS_ORIGINS = [
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:8080",
    "http://127.0.0.1:8080",
]

# "auto" or a runtime the ml package can load; the list lives there, next to the loaders.
RUNTIME_CHOICES = (AUTO, *RUNTIMES)
LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


class Settings(BaseSettings):
    # protected_namespaces=(): the MODEL_* names are ours, not pydantic's model_ methods.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", protected_namespaces=())

    model_dir: Path = Field(default=DEFAULT_MODEL_DIR, description="Exported artifact folder to serve.")
    model_runtime: str = Field(
        default=AUTO, description=f"One of {', '.join(RUNTIME_CHOICES)}; 'auto' uses the artifact's default runtime."
    )
    # NoDecode: parsed by the validator below, so both JSON lists and comma-separated values work.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        description="Browser origins allowed to call the API (credentials are never allowed).",
    )
    max_upload_bytes: PositiveInt = Field(default=10 * 1024 * 1024, description="Largest accepted image file.")
    max_image_pixels: PositiveInt = Field(
        default=DEFAULT_MAX_PIXELS,
        description="Largest image (width x height); formats that must be decoded at "
        "full size are held to less by DECODE_BUDGET_MB.",
    )
    decode_budget_mb: PositiveInt = Field(
        default=DEFAULT_DECODE_BUDGET // 2**20,
        description="Memory (MiB) one image decode may take; sets each format's pixel limit.",
    )
    inference_threads: PositiveInt = Field(
        default_factory=available_cpus,
        description="Threads a TFLite or ONNX runtime may use; 0 or unset: the CPUs this process may use.",
    )

    decode_threads: PositiveInt = Field(
        default_factory=available_cpus,
        description="Uploads decoded at once, apart from the model (each may take DECODE_BUDGET_MB); 0 or unset: "
        "the CPUs this process may use.",
    )

    # The prediction queue: requests wait while their expected wait is short, and go through the model in batches.
    max_queue_wait_s: PositiveFloat = Field(
        default=2.0,
        description="Longest expected wait (predictions ahead x the model's recent time per prediction) a request "
        "is queued for; beyond it, 503 with Retry-After.",
    )
    max_queued_uploads: PositiveInt = Field(
        default=64, description="Predictions admitted at once (uploading, decoding or waiting); more get 503."
    )
    max_queued_upload_mb: PositiveInt = Field(
        default=64,
        description="Upload bytes (MiB) admitted at once, each upload counted by its Content-Length; an upload "
        "that does not fit gets 503 before it is read.",
    )
    max_batch_size: PositiveInt = Field(default=8, description="Images that go through the model in one batch.")
    batch_window_ms: NonNegativeFloat = Field(
        default=2.0, description="Longest time an image waits for others to join its batch (0: never waits)."
    )

    # Slow clients: an upload must keep arriving, and connections may not sit idle.
    body_timeout_s: PositiveFloat = Field(
        default=10.0, description="Time an upload may take, plus 1 s for each BODY_MIN_RATE bytes received; then 408."
    )
    body_min_rate: PositiveInt = Field(default=32 * 1024, description="Slowest upload rate (bytes/s) given extra time.")
    header_timeout_s: PositiveFloat = Field(
        default=10.0, description="Time to send a request's headers (`app.server`)."
    )
    keep_alive_timeout_s: PositiveInt = Field(
        default=5, description="Idle connections are closed after this, new ones included (`app.server`)."
    )
    shutdown_timeout_s: PositiveInt = Field(
        default=5, description="Longest wait for requests in progress on shutdown (`app.server`)."
    )
    max_connections: PositiveInt = Field(
        default=100, description="Open connections and requests beyond which new requests get 503 (`app.server`)."
    )

    reject_not_skin: bool = Field(
        default=False,
        description="Answer 422 instead of a prediction when the image-kind check says the image is not skin.",
    )
    docs_enabled: bool = Field(default=True, description="Serve /docs (Swagger UI, self-hosted: no CDN).")
    metrics_enabled: bool = Field(
        default=True, description="Serve /metrics (Prometheus text: requests, latency, inference time, shedding)."
    )
    log_level: LogLevel = "INFO"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        """Accept '["https://a", ...]' or 'https://a,https://b'; browsers send origins without a slash."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, (list, tuple)):
            return [str(origin).strip().rstrip("/") for origin in value if str(origin).strip()]
        return value

    @field_validator("model_runtime")
    @classmethod
    def _known_runtime(cls, value: str) -> str:
        if value not in RUNTIME_CHOICES:
            raise ValueError(f"unknown runtime {value!r}; choose one of {', '.join(RUNTIME_CHOICES)}")
        return value

    @field_validator("inference_threads", "decode_threads", mode="before")
    @classmethod
    def _default_threads(cls, value: Any) -> Any:
        """0, empty or "auto" mean every CPU this process may use (what an unset variable means)."""
        if value in (0, "0", "", "auto"):
            return available_cpus()
        return value

    @property
    def decode_budget_bytes(self) -> int:
        return self.decode_budget_mb * 2**20

    @property
    def max_queued_upload_bytes(self) -> int:
        return self.max_queued_upload_mb * 2**20

    @model_validator(mode="after")
    def _largest_upload_fits_the_queue(self) -> Settings:
        if self.max_queued_upload_bytes <= self.max_upload_bytes:
            raise ValueError("MAX_QUEUED_UPLOAD_MB must hold more than one upload of MAX_UPLOAD_BYTES")
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value
