"""Hostile and malformed uploads: each gets a fixed, readable 4xx (never a 500), one log line, no internals.

Every file here once made the API answer 500 with two tracebacks in the log, or took hundreds of megabytes
to decode; see tests/images.py for how each is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests import images
from tests.utils import assert_error, upload

# Words from library messages or internals that must never reach a client.
INTERNALS = (
    "Traceback",
    "PIL",
    "Pillow",
    "MAX_TEXT_CHUNK",
    "Truncated File Read",
    "decoder object",
    "struct",
    "site-packages",
    ".py",
    "errno",
)

MALFORMED: dict[str, tuple[Callable[[], bytes], int, str]] = {
    "png-ztxt-bomb": (images.png_ztxt_bomb, 422, "damaged or malformed"),
    "bmp-unknown-compression": (images.bmp_unknown_compression, 415, "JPEG, PNG, WebP or HEIC/HEIF"),
    "png-truncated-ihdr": (images.png_truncated_ihdr, 422, "damaged or malformed"),
    "webp-frame-outside-canvas": (images.webp_frame_outside_canvas, 422, "damaged or malformed"),
    "jpeg-cut-in-headers": (images.jpeg_cut_in_headers, 422, "damaged or malformed"),
    "jpeg-truncated-in-pixels": (images.truncated_jpeg, 422, "truncated"),
}


def assert_no_internals(response) -> None:
    for word in INTERNALS:
        assert word not in response.text, response.text


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_image_gets_a_fixed_4xx_and_one_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    build, status, words = MALFORMED[name]
    with caplog.at_level(logging.INFO):
        response = upload(client, build(), "upload.png")
    assert_error(response, status, words)
    assert_no_internals(response)
    refused = [record for record in caplog.records if record.name == "app.predict"]
    assert len(refused) == 1 and f"status={status}" in refused[0].getMessage()
    assert not any(record.exc_info for record in caplog.records), "a refused image must not log a traceback"


def test_mistyped_exif_does_not_cost_the_picture(client: TestClient) -> None:
    """EXIF that Pillow cannot rewrite (struct.error) is only metadata: the orientation is read, the image kept."""
    assert upload(client, images.jpeg_with_mistyped_exif()).status_code == 200


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (images.webp_bomb, "limit for a WebP image"),  # 38 bytes, 60 megapixels
        (images.png16_bomb, "limit for a PNG image"),  # 115 kB, 60 megapixels at 16 bits
    ],
    ids=["webp-60mpx", "png16-60mpx"],
)
def test_bombs_over_their_format_limit_are_refused_before_decoding(
    client: TestClient, build: Callable[[], bytes], words: str
) -> None:
    response = upload(client, build(), "bomb.png")
    assert_error(response, 413, words, "send a smaller image")
    assert_no_internals(response)


def test_palette_bomb_within_its_limit_is_decoded_strip_by_strip(client: TestClient) -> None:
    """60 megapixels at one byte each fit the decode budget; converting them makes no full-size copy."""
    assert upload(client, images.palette_png_bomb(), "bomb.png").status_code == 200


def test_heic_over_its_limit(make_settings, make_client) -> None:
    with make_client(make_settings(decode_budget_mb=1)) as small_budget:  # HEIF: about 220,000 pixels
        assert_error(upload(small_budget, images.heic(600, 400), "IMG_0002.HEIC"), 413, "HEIC/HEIF")
        assert upload(small_budget, images.heic(300, 200), "IMG_0003.HEIC").status_code == 200


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "b0undary") -> tuple[bytes, dict]:
    body = b""
    for field, filename, data in parts:
        disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize(
    ("parts", "words"),
    [
        ([("file", "a.jpg", images.jpeg()), ("file", "b.jpg", images.jpeg())], "files"),
        ([("file", f"{index}.jpg", b"x") for index in range(1000)], "files"),
        ([("file", "a.jpg", images.jpeg())] + [(f"field{index}", None, b"v") for index in range(3)], "fields"),
        ([("file", "a.jpg", images.jpeg()), ("note", None, b"x" * 4096)], "size"),
    ],
    ids=["two-files", "thousand-files", "three-fields", "long-field"],
)
def test_multipart_takes_one_file_and_a_couple_of_small_fields(client: TestClient, parts, words: str) -> None:
    body, headers = multipart(parts)
    response = client.post("/predict", content=body, headers=headers)
    assert_error(response, 400, words)


def test_one_file_and_two_fields_are_fine(client: TestClient) -> None:
    body, headers = multipart([("file", "a.jpg", images.jpeg()), ("source", None, b"camera"), ("x", None, b"1")])
    assert client.post("/predict", content=body, headers=headers).status_code == 200
