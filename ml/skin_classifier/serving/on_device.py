"""The files a browser needs to answer on its own device: the model in ONNX and the answer graph.

The page downloads them once (GET /model names them with their SHA-256), checks the hash and keeps them, then
runs both graphs in ONNX Runtime Web exactly as the service runs them here. Only an artifact whose served
runtime is an ONNX file can be offered; other runtimes answer on the server alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .answers import ANSWER_FILE
from .artifact import ArtifactInfo


@dataclass(frozen=True)
class DeviceFile:
    """One file the page downloads: where it is, its name in the URL, its SHA-256 and size."""

    path: Path
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def _described(path: Path) -> DeviceFile:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return DeviceFile(path, digest.hexdigest(), path.stat().st_size)


def device_files(info: ArtifactInfo, runtime: str) -> dict[str, DeviceFile] | None:
    """{"model": ..., "answer": ...} for this runtime of the artifact, or None when its model is not ONNX."""
    model_file = info.runtimes.get(runtime, "")
    if not model_file.endswith(".onnx"):
        return None
    return {"model": _described(info.path / model_file), "answer": _described(info.path / ANSWER_FILE)}
