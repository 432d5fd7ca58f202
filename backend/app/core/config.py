"""Settings read from environment variables (no prefix), each with a default that is safe to run with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PositiveInt, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from skin_classifier.inference import RUNTIME_FILES

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
RUNTIME_CHOICES = ("auto", *RUNTIME_FILES)
LogLevel = Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


class Settings(BaseSettings):
    # protected_namespaces=(): the MODEL_* names are ours, not pydantic's model_ methods.
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", protected_namespaces=())

    model_dir: Path = Field(default=DEFAULT_MODEL_DIR, description="Exported artifact folder to serve.")
    model_runtime: str = Field(default="auto", description=f"One of {', '.join(RUNTIME_CHOICES)}; "
                                                          "'auto' uses the artifact's default runtime.")
    # NoDecode: parsed by the validator below, so both JSON lists and comma-separated values work.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CORS_ORIGINS),
        description="Browser origins allowed to call the API (credentials are never allowed).",
    )
    max_upload_bytes: PositiveInt = Field(default=10 * 1024 * 1024, description="Largest accepted image file.")
    max_image_pixels: PositiveInt = Field(default=60_000_000, description="Largest decoded image (width x height).")
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

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value
