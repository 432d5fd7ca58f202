"""Decode limits beyond pixel counts: a picture that is a line or a strip is refused before it is decoded."""

from __future__ import annotations

import pytest
from PIL import Image

from skin_classifier.hostile_images import encode
from skin_classifier.serving.preprocessing import MAX_ASPECT_RATIO
from tests.utils import assert_error, upload


def strip(width: int, height: int) -> bytes:
    return encode(Image.new("RGB", (width, height), (200, 150, 120)), "PNG")


@pytest.mark.parametrize("size", [(60000, 1), (1, 60000), (MAX_ASPECT_RATIO * 10 + 1, 10)])
def test_extreme_aspect_ratio_is_refused_with_422(client, size: tuple[int, int]) -> None:
    response = upload(client, strip(*size), "strip.png", content_type="image/png")
    assert_error(response, 422, f"{size[0]}x{size[1]}", f"{MAX_ASPECT_RATIO} times")


def test_a_wide_panorama_within_the_ratio_is_classified(client) -> None:
    response = upload(client, strip(MAX_ASPECT_RATIO * 10, 10), "panorama.png", content_type="image/png")
    assert response.status_code == 200, response.text
