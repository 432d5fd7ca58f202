"""Privacy: the API keeps no upload. Twenty uploads leave no new file where the service may write (its working
folder, its temporary folder, its model folder) and put none of their bytes in the logs."""

from __future__ import annotations

import base64
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skin_classifier.hostile_images import encode
from tests.utils import ClientFactory, SettingsFactory, upload

UPLOADS = 20


def files_under(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below `folder` with its size and modification time, so a rewritten file counts as new too."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return found


def distinct_photo(index: int) -> bytes:
    """A noise image no other test uploads: mostly small JPEGs, and every fourth a noise PNG over Starlette's 1 MB
    in-memory limit, which an upload server spools to a temporary file."""
    rng = np.random.default_rng(1000 + index)
    if index % 4:
        return encode(Image.fromarray(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)), "JPEG", quality=95)
    return encode(Image.fromarray(rng.integers(0, 256, size=(700, 700, 3), dtype=np.uint8)), "PNG")


def traces_of(data: bytes) -> list[bytes]:
    """Pieces by which the upload would show in a log: raw bytes from its middle, as base64, as hex and as repr."""
    middle = data[len(data) // 2 : len(data) // 2 + 48]
    return [middle, base64.b64encode(data[:96])[16:80], middle.hex().encode(), repr(middle)[2:60].encode()]


@pytest.fixture
def service_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, artifact_dir: Path) -> dict[str, Path]:
    """A fresh working folder, temporary folder and copy of the model for one app, so any file it writes is seen."""
    folders = {"cwd": tmp_path / "cwd", "tmp": tmp_path / "tmp", "model": tmp_path / "model"}
    folders["cwd"].mkdir()
    folders["tmp"].mkdir()
    shutil.copytree(artifact_dir, folders["model"])
    monkeypatch.chdir(folders["cwd"])
    monkeypatch.setenv("TMPDIR", str(folders["tmp"]))
    monkeypatch.setattr(tempfile, "tempdir", str(folders["tmp"]))
    return folders


def test_twenty_uploads_leave_no_file_and_no_trace_in_the_logs(
    service_folders: dict[str, Path],
    make_settings: SettingsFactory,
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert tempfile.gettempdir() == str(service_folders["tmp"])
    caplog.set_level(logging.DEBUG)
    photos = [distinct_photo(index) for index in range(UPLOADS)]
    assert sum(len(photo) > 2**20 for photo in photos) >= 3, "some uploads must be large enough to spool"

    with make_client(make_settings(model_dir=service_folders["model"], log_level="DEBUG")) as client:
        before = {name: files_under(folder) for name, folder in service_folders.items()}
        for index, photo in enumerate(photos):
            params = {"explain": "true"} if index % 2 else None
            response = upload(client, photo, name=f"private-spot-{index}.jpg", params=params)
            assert response.status_code == 200, response.text
        after = {name: files_under(folder) for name, folder in service_folders.items()}

    for name in service_folders:
        assert after[name] == before[name], f"the service wrote to its {name} folder"

    captured = capfd.readouterr()
    logs = (caplog.text + captured.out + captured.err).encode("utf-8", "backslashreplace")
    assert caplog.records, "the logs were captured at DEBUG (the app logs its start)"
    for index, photo in enumerate(photos):
        assert f"private-spot-{index}".encode() not in logs, "an upload's file name is in the logs"
        for trace in traces_of(photo):
            assert trace not in logs, f"bytes of upload {index} are in the logs"


def test_the_check_would_see_a_written_file(service_folders: dict[str, Path]) -> None:
    """The folders the privacy test watches are the ones tempfile and relative paths write to."""
    before = {name: files_under(folder) for name, folder in service_folders.items()}
    with tempfile.NamedTemporaryFile(delete=False) as kept:
        kept.write(b"upload")
    Path("written-here.bin").write_bytes(b"upload")
    after = {name: files_under(folder) for name, folder in service_folders.items()}
    assert after["tmp"] != before["tmp"] and after["cwd"] != before["cwd"]
    os.unlink(kept.name)
