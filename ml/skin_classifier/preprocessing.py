"""The one image preprocessing path, shared by training, evaluation and serving.

Any difference between how training and serving prepare pixels silently costs accuracy, so both call
`load_rgb` (decode, EXIF orientation, RGB, resize) and `normalize` (VGG16's `preprocess_input`, "caffe"
mode). Neither imports TensorFlow: serving stays light, and `normalize` works on NumPy arrays and on
TensorFlow tensors alike, so the training graph runs the very same arithmetic.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# ImageNet channel means in BGR order, as keras.applications.vgg16.preprocess_input subtracts them.
VGG16_BGR_MEAN = np.array([103.939, 116.779, 123.68], dtype=np.float32)
DEFAULT_IMAGE_SIZE = 224
# Guard against decompression bombs: a small file that decodes to an enormous bitmap.
DEFAULT_MAX_PIXELS = 60_000_000
# Formats identified from the bytes themselves (never the file name) (JPEG covers the MPO files many phones write).
SUPPORTED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")

ImageSource = bytes | str | Path | BinaryIO


class ImageError(ValueError):
    """The input could not be turned into model pixels; the message is safe to show a user."""


class NotAnImageError(ImageError):
    """The bytes are not in any image format we can read."""


class CorruptImageError(ImageError):
    """The bytes look like an image but cannot be decoded (truncated or damaged)."""


class ImageTooLargeError(ImageError):
    """The image's pixel count exceeds the limit (decompression bomb guard)."""


def _open(source: ImageSource, max_pixels: int) -> Image.Image:
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    # Pillow's own bomb guard must not be stricter than ours, or a configured limit would never apply.
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(source, formats=SUPPORTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLargeError(
            f"Image has more pixels than the limit of {max_pixels:,}; send a smaller image."
        ) from error
    except UnidentifiedImageError as error:
        raise NotAnImageError("File is not a supported image (JPEG, PNG, WebP, BMP, GIF, TIFF).") from error


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB; transparency is flattened onto white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Pillow's own conversion clips 16-bit data at 255; map the 16-bit range onto 8 bits instead.
        values = np.asarray(image, dtype=np.float64)
        scale = 257.0 if values.max() > 255 else 1.0
        image = Image.fromarray(np.clip(values / scale, 0, 255).round().astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def load_rgb(
    source: ImageSource,
    image_size: int = DEFAULT_IMAGE_SIZE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Decode an image to a (size, size, 3) uint8 RGB array, upright as the camera saw it.

    Animated images use their first frame. Raises an `ImageError` subclass with a user-safe message.
    """
    image = _open(source, max_pixels)
    try:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLargeError(
                f"Image is {width}x{height} pixels; the limit is {max_pixels:,} pixels in total."
            )
        image.seek(0)
        if image.format == "JPEG":
            # Let libjpeg decode at a reduced scale: far faster for phone photos, same result class.
            image.draft("RGB", (image_size * 2, image_size * 2))
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(image)
        image = image.resize((image_size, image_size), Image.Resampling.BILINEAR)
        return np.asarray(image, dtype=np.uint8)
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise CorruptImageError(f"Image could not be decoded; it may be truncated or damaged ({error}).") from error
    finally:
        image.close()


def normalize(pixels):
    """VGG16 `preprocess_input` ("caffe" mode): RGB to BGR, subtract the ImageNet means.

    Accepts NumPy arrays or TensorFlow tensors of shape (..., 3) in the 0..255 range.
    """
    if isinstance(pixels, np.ndarray):
        pixels = pixels.astype(np.float32)
    return pixels[..., ::-1] - VGG16_BGR_MEAN


def preprocess(source: ImageSource, image_size: int = DEFAULT_IMAGE_SIZE,
               max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Image file or bytes to a float32 (size, size, 3) array ready for the model."""
    return normalize(load_rgb(source, image_size, max_pixels))
