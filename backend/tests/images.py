"""Small image files made in memory, one per kind of upload the API must handle."""

from __future__ import annotations

from PIL import Image

from skin_classifier.hostile_images import (  # noqa: F401  (the hostile files, under the names tests use)
    EXIF_ORIENTATION,
    bmp_unknown_compression,
    decompression_bomb_png,
    jpeg_cut_in_headers,
    jpeg_with_mistyped_exif,
    noise_image,
    palette_png_bomb,
    png16_bomb,
    png_bomb,
    png_truncated_ihdr,
    png_ztxt_bomb,
    webp_bomb,
    webp_frame_outside_canvas,
)
from skin_classifier.hostile_images import encode as _encode


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


def webp(width: int = 64, height: int = 48) -> bytes:
    return _encode(noise_image(width, height), "WEBP", quality=90)


def heic(width: int = 64, height: int = 48) -> bytes:
    """What iPhones save (pillow-heif registers the HEIF format with Pillow)."""
    import skin_classifier.serving.preprocessing  # noqa: F401  (registers the HEIF opener)

    return _encode(noise_image(width, height), "HEIF", quality=90)


def bmp() -> bytes:
    return _encode(noise_image(), "BMP")


def tiff() -> bytes:
    return _encode(noise_image(), "TIFF")
