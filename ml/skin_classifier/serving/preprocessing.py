"""The one image preprocessing path, shared by training, evaluation and serving.

Any difference between how training and serving prepare pixels silently costs accuracy, so both call
`load_rgb` (decode, EXIF orientation, RGB, resize) and `to_model_input` (float32, still 0..255). Pixel
normalisation is a layer inside every model, matched to its backbone, so no caller can get it wrong. `decode`
is `load_rgb` before its final resize, for checks of the picture itself (`quality`). Nothing here imports
TensorFlow: serving stays light.

Decoding is bounded in memory whatever a file claims about itself. JPEG is decoded at a reduced scale
(libjpeg's draft mode); other formats are box-reduced a strip at a time straight after decoding, and each
format has a pixel limit set by what its decoder holds at full size. Palette, 16-bit and transparent images
are converted strip by strip too, so nothing but the decoder's own buffer is ever full size. A picture whose
sides differ more than `MAX_ASPECT_RATIO` times is refused before it is decoded.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
from PIL import Image, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile
from pillow_heif import open_heif, register_heif_opener

# HEIC/HEIF, what iPhones save, through libheif: the primary image only (no thumbnail, depth or aux images).
register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

DEFAULT_IMAGE_SIZE = 224
# Guard against decompression bombs: a small file that decodes to an enormous bitmap. JPEG is decoded at 1/2 to
# 1/8 scale, so this limit is what applies to it; other formats are held by the decode budget first.
DEFAULT_MAX_PIXELS = 60_000_000
# Memory one decode may take: the decoded bitmap plus what the decoder keeps (see `decode_cost`). 112 MiB is
# what a 24-megapixel HEIC (recent iPhones' default) needs; it lets RGB PNG reach 29 megapixels, WebP 7.
DEFAULT_DECODE_BUDGET = 112 * 2**20
# Longest side over shortest side. A panorama is 10:1 at most; beyond that a picture is a line, not a photo, and
# checks that scale its short side up (`quality`) would scale a 60000x1 PNG up to 13 billion bytes of grey.
MAX_ASPECT_RATIO = 20
# Peak bytes per pixel of a full-size decode, measured (docs/load-test.md). Pillow's bitmap takes 4 bytes a
# pixel in most modes (fewer below); libwebp adds two canvases and a copy for Pillow (12 more); HEIF is read
# straight from libheif's buffer (its YCbCr planes and RGB output), never copied into Pillow.
PILLOW_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
DECODER_BYTES_PER_PIXEL = {"WEBP": 12.0}
HEIF_BYTES_PER_PIXEL = 4.7
# What uploads may be: camera and phone formats only (judged by the bytes, never the name; JPEG includes the
# MPO files many phones write). Training reads local files, so it also takes the formats of older datasets.
UPLOAD_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
SUPPORTED_FORMATS = (*UPLOAD_FORMATS, "BMP", "GIF", "TIFF")
FORMAT_NAMES = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "HEIF": "HEIC/HEIF",
    "BMP": "BMP",
    "GIF": "GIF",
    "TIFF": "TIFF",
}
# Rows are converted and reduced this many pixels at a time (a strip of a 4000-pixel-wide image is 256 rows).
STRIP_PIXELS = 1 << 20
# EXIF orientation -> the transpose that shows the image upright (as ImageOps.exif_transpose does).
ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
EXIF_ORIENTATION = 0x0112
HIGH_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")

ImageSource = bytes | str | Path | BinaryIO


class ImageError(ValueError):
    """The input could not be turned into model pixels; the message is fixed and safe to show a user.

    The library's own exception, when there is one, is chained as `__cause__` for logs.
    """


class NotAnImageError(ImageError):
    """The bytes are not in any image format we accept."""


class CorruptImageError(ImageError):
    """The bytes look like an image but cannot be decoded (truncated, damaged or malformed)."""


class ImageTooLargeError(ImageError):
    """The image's pixel count exceeds the limit for its format (decompression bomb guard)."""


class ImageShapeError(ImageError):
    """The image's sides differ by more than `MAX_ASPECT_RATIO` times: a line or a strip, not a photo."""


def describe_formats(formats: tuple[str, ...] = UPLOAD_FORMATS) -> str:
    """'JPEG, PNG, WebP or HEIC/HEIF': the formats in words a person recognises."""
    names = [FORMAT_NAMES.get(name, name) for name in formats]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def decode_cost(image: Image.Image, stored_pixels: int) -> float:
    """Peak bytes that loading this opened (and, for JPEG, drafted) image takes.

    The bitmap at the size it will be decoded at, plus what the decoder keeps: a progressive JPEG holds every
    DCT coefficient of the full-size image (2 bytes each) whatever the draft scale.
    """
    width, height = image.size
    if image.format == "HEIF":
        return width * height * HEIF_BYTES_PER_PIXEL
    cost = (
        width
        * height
        * (PILLOW_BYTES_PER_PIXEL.get(image.mode, 4) + DECODER_BYTES_PER_PIXEL.get(image.format or "", 0))
    )
    if isinstance(image, JpegImageFile) and image.info.get("progressive") and image.layer:
        largest = max(h * v for _, h, v, _ in image.layer)
        cost += stored_pixels * 2 * sum(h * v for _, h, v, _ in image.layer) / largest
    return cost


def _open(source: str | Path | BinaryIO, max_pixels: int, formats: tuple[str, ...]) -> Image.Image:
    # Pillow's own bomb guard must not be stricter than ours, or a configured limit would never apply.
    if Image.MAX_IMAGE_PIXELS is not None and max_pixels > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(source, formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLargeError(
            f"Image has more pixels than the limit of {max_pixels:,}; send a smaller image."
        ) from error
    except UnidentifiedImageError as error:
        raise NotAnImageError(f"File is not a supported image: send a {describe_formats(formats)} file.") from error
    except (FileNotFoundError, IsADirectoryError, PermissionError, MemoryError):
        raise  # a caller's missing file is not a bad image
    except Exception as error:  # Pillow's parsers raise a zoo of types on malformed headers
        raise CorruptImageError("Image could not be decoded; it is damaged or malformed.") from error


# EXIF orientations that turn the picture a quarter (width and height swap places).
QUARTER_TURNS = frozenset({5, 6, 7, 8})


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1..8), read without rewriting the EXIF block; unreadable EXIF counts as upright."""
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # malformed EXIF (mistyped tags, bad offsets) must not cost the picture
        return 1
    return value if isinstance(value, int) and value in ORIENTATIONS else 1


def _to_8_bit_scale(image: Image.Image) -> float:
    """16-bit (and 32-bit) grey: map the 16-bit range onto 8 bits, unless the values already fit in 0..255."""
    _low, high = cast("tuple[float, float]", image.getextrema())  # one band: (min, max)
    return 257.0 if high > 255 else 1.0


def _convert(strip: Image.Image, mode: str, scale: float = 1.0) -> Image.Image:
    if strip.mode in HIGH_BIT_MODES:
        # Pillow's own conversion clips 16-bit data at 255: scale instead, on this strip only.
        values = np.asarray(strip, dtype=np.float32) / scale
        strip = Image.fromarray(np.clip(values, 0, 255).round().astype(np.uint8))
    return strip if strip.mode == mode else strip.convert(mode)


StripReader = Callable[[int, int], Image.Image]


def _reduce(size: tuple[int, int], mode: str, read_strip: StripReader, image_size: int) -> Image.Image:
    """Box-reduce an image to at least twice `image_size` on each side, reading it a strip at a time.

    `read_strip(top, bottom)` gives those rows already in `mode` (RGB or RGBA), so converting palette, 16-bit
    or transparent images never makes a full-size copy. Transparency is flattened onto white after reducing.
    """
    width, height = size
    factor = (max(1, width // (2 * image_size)), max(1, height // (2 * image_size)))
    reduced = Image.new(mode, (-(-width // factor[0]), -(-height // factor[1])))
    rows = factor[1] * max(1, STRIP_PIXELS // (width * factor[1]))
    for top in range(0, height, rows):
        strip = read_strip(top, min(height, top + rows))
        reduced.paste(strip.reduce(factor) if factor != (1, 1) else strip, (0, top // factor[1]))
    if mode == "RGBA":
        background = Image.new("RGBA", reduced.size, (255, 255, 255, 255))
        reduced = Image.alpha_composite(background, reduced).convert("RGB")
    return reduced


def _reduced_pillow(image: Image.Image, image_size: int) -> Image.Image:
    """A loaded Pillow image, reduced and in RGB, upright by its EXIF orientation."""
    width, _height = image.size
    mode = "RGBA" if image.has_transparency_data else "RGB"
    scale = _to_8_bit_scale(image) if image.mode in HIGH_BIT_MODES else 1.0
    reduced = _reduce(
        image.size, mode, lambda top, bottom: _convert(image.crop((0, top, width, bottom)), mode, scale), image_size
    )
    orientation = _orientation(image)
    return reduced if orientation == 1 else reduced.transpose(ORIENTATIONS[orientation])


def _reduced_heif(stream: str | Path | BinaryIO, image_size: int) -> Image.Image:
    """A HEIC/HEIF's primary image, reduced and in RGB, read from libheif's own buffer (no Pillow copy).

    libheif applies the file's rotation and mirroring itself, so EXIF orientation is not applied again.
    """
    if not isinstance(stream, (str, Path)):
        stream.seek(0)
    heif_file = open_heif(stream, convert_hdr_to_8bit=True)
    picture = heif_file[heif_file.primary_index]
    data, stride, width = memoryview(picture.data), picture.stride, picture.size[0]
    mode = "RGBA" if picture.has_alpha else "RGB"

    def read_strip(top: int, bottom: int) -> Image.Image:
        rows = data[top * stride : bottom * stride]
        return _convert(Image.frombytes(picture.mode, (width, bottom - top), rows, "raw", picture.mode, stride), mode)

    try:
        return _reduce(picture.size, mode, read_strip, image_size)
    finally:
        data.release()


@dataclass(frozen=True)
class Decoded:
    """An image decoded upright and reduced, before the resize to the model's input.

    `picture` keeps at least twice the model's input size on each side (smaller images stay whole, and each
    side is reduced by its own whole factor, so its aspect ratio may differ), so checks of the picture itself,
    such as the quality check (`quality.analysis_picture`), see more than the model's input; `stored_size` is the width and height the
    file holds, before any reduction; `upright_size` the same turned as the picture is shown.
    """

    picture: Image.Image
    stored_size: tuple[int, int]
    upright_size: tuple[int, int]

    def resized(self, image_size: int) -> np.ndarray:
        """The (size, size, 3) uint8 RGB pixels the model takes."""
        upright = self.picture.resize((image_size, image_size), Image.Resampling.BILINEAR)
        return np.asarray(upright, dtype=np.uint8)


def decode(
    source: ImageSource,
    image_size: int = DEFAULT_IMAGE_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    *,
    formats: tuple[str, ...] = SUPPORTED_FORMATS,
    decode_budget: int = DEFAULT_DECODE_BUDGET,
) -> Decoded:
    """Decode an image upright and reduced to at least twice `image_size` a side; see `load_rgb`."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    image = _open(stream, max_pixels, formats)
    try:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLargeError(f"Image is {width}x{height} pixels; the limit is {max_pixels:,} pixels in total.")
        image.seek(0)
        if isinstance(image, JpegImageFile):
            # Let libjpeg decode at a reduced scale: far faster and smaller for phone photos.
            image.draft("RGB", (image_size * 2, image_size * 2))
        cost = decode_cost(image, width * height)
        if cost > decode_budget:
            kind = FORMAT_NAMES.get(image.format or "", "this")
            limit = int(width * height * decode_budget / cost)
            raise ImageTooLargeError(
                f"Image is {width}x{height} pixels; the limit for a {kind} image like this one is {limit:,} "
                "pixels in total. Send a smaller image."
            )
        if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
            raise ImageShapeError(
                f"Image is {width}x{height} pixels; one side may be at most {MAX_ASPECT_RATIO} times the other. "
                "Send a photo of the lesion, not a strip."
            )
        if image.format == "HEIF":
            upright = _reduced_heif(stream, image_size)  # libheif reports and applies its own rotation
            upright_size = (width, height)
        else:
            image.load()
            upright = _reduced_pillow(image, image_size)
            upright_size = (height, width) if _orientation(image) in QUARTER_TURNS else (width, height)
        return Decoded(upright, (width, height), upright_size)
    except (ImageError, MemoryError):
        raise
    except Exception as error:  # truncated data, bad chunks, decoder failures: all the same to a user
        raise CorruptImageError("Image could not be decoded; it may be truncated or damaged.") from error
    finally:
        image.close()


def load_rgb(
    source: ImageSource,
    image_size: int = DEFAULT_IMAGE_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    *,
    formats: tuple[str, ...] = SUPPORTED_FORMATS,
    decode_budget: int = DEFAULT_DECODE_BUDGET,
) -> np.ndarray:
    """Decode an image to a (size, size, 3) uint8 RGB array, upright as the camera saw it.

    Animated images use their first frame. `formats` are the Pillow formats accepted (uploads pass
    `UPLOAD_FORMATS`); `decode_budget` bounds the memory of the decode (see `decode_cost`). Raises an
    `ImageError` subclass with a fixed, user-safe message.
    """
    return decode(source, image_size, max_pixels, formats=formats, decode_budget=decode_budget).resized(image_size)


def to_model_input(pixels: np.ndarray) -> np.ndarray:
    """uint8 RGB pixels as the float32 0..255 values every model takes (it normalises them itself)."""
    return np.asarray(pixels, dtype=np.float32)


def preprocess(
    source: ImageSource,
    image_size: int = DEFAULT_IMAGE_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    *,
    formats: tuple[str, ...] = SUPPORTED_FORMATS,
    decode_budget: int = DEFAULT_DECODE_BUDGET,
) -> np.ndarray:
    """Image file or bytes to a float32 (size, size, 3) array ready for the model."""
    return to_model_input(load_rgb(source, image_size, max_pixels, formats=formats, decode_budget=decode_budget))
