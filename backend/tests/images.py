"""Small image files made in memory, one per kind of upload the API must handle."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

EXIF_ORIENTATION = 0x0112


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise_image(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def jpeg(width: int = 64, height: int = 48) -> bytes:
    return _encode(noise_image(width, height), "JPEG", quality=90)


def exif_rotated_jpeg() -> bytes:
    """A landscape JPEG whose EXIF says 'rotate 90°', as phones write portrait photos."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    return _encode(noise_image(80, 40), "JPEG", exif=exif)


def rgba_png() -> bytes:
    image = noise_image().convert("RGBA")
    image.putalpha(128)
    return _encode(image, "PNG")


def grayscale_png() -> bytes:
    return _encode(noise_image().convert("L"), "PNG")


def animated_gif() -> bytes:
    frames = [noise_image(seed=seed).convert("P") for seed in range(3)]
    return _encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def truncated_jpeg() -> bytes:
    data = jpeg(256, 256)
    return data[: len(data) // 2]


def decompression_bomb_png(side: int = 10_000) -> bytes:
    """A few kilobytes that decode to side x side pixels (100 million by default)."""
    return _encode(Image.new("1", (side, side)), "PNG", optimize=True)
