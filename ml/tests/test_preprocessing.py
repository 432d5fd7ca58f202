import io

import numpy as np
import pytest
from PIL import Image

from skin_classifier.preprocessing import (
    CorruptImageError,
    ImageTooLargeError,
    NotAnImageError,
    load_rgb,
    normalize,
    preprocess,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)


def _encode(image: Image.Image, format_name: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_name, **options)
    return buffer.getvalue()


def _halves(width=40, height=20) -> Image.Image:
    """Red left half, blue right half."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = RED
    pixels[:, width // 2:] = BLUE
    return Image.fromarray(pixels)


def _is(pixel, colour):
    return np.abs(pixel.astype(int) - colour).max() < 40


def test_exif_orientation_is_honoured():
    exif = Image.Exif()
    exif[0x0112] = 3  # stored upside down: the camera says "rotate 180 to display"
    upright = load_rgb(_encode(_halves(), "JPEG", exif=exif.tobytes(), quality=95), image_size=20)
    assert _is(upright[10, 2], BLUE) and _is(upright[10, 17], RED)
    exif[0x0112] = 6  # "rotate 90 clockwise to display": the stored left half ends up on top
    turned = load_rgb(_encode(_halves(), "JPEG", exif=exif.tobytes(), quality=95), image_size=20)
    assert _is(turned[2, 10], RED) and _is(turned[17, 10], BLUE)


def test_rgba_is_flattened_on_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 5, 10))
    pixels = load_rgb(_encode(image, "PNG"), image_size=10)
    assert _is(pixels[5, 1], (200, 0, 0)) and _is(pixels[5, 8], (255, 255, 255))


@pytest.mark.parametrize("mode, fill", [("L", 128), ("1", 1), ("CMYK", (0, 255, 255, 0)), ("P", 5)])
def test_any_mode_becomes_rgb(mode, fill):
    image = Image.new(mode, (12, 9), fill)
    format_name = "JPEG" if mode == "CMYK" else "PNG"
    pixels = load_rgb(_encode(image, format_name), image_size=16)
    assert pixels.shape == (16, 16, 3) and pixels.dtype == np.uint8


def test_cmyk_colour_survives():
    pixels = load_rgb(_encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG"), image_size=8)
    assert _is(pixels[4, 4], (255, 0, 0))


def test_16_bit_grayscale_uses_the_full_range():
    values = np.full((8, 8), 65535, np.uint16)
    values[:, :4] = 0
    image = Image.fromarray(values)
    assert image.mode.startswith("I")
    pixels = load_rgb(_encode(image, "PNG"), image_size=8)
    assert pixels[0, 0].tolist() == [0, 0, 0] and pixels[0, 7].tolist() == [255, 255, 255]


def test_animated_gif_uses_first_frame():
    frames = [Image.new("RGB", (10, 10), RED), Image.new("RGB", (10, 10), BLUE)]
    data = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert _is(load_rgb(data, image_size=10)[5, 5], RED)


def test_large_image_is_resized():
    pixels = load_rgb(_encode(Image.new("RGB", (3000, 2000), RED), "JPEG"), image_size=224)
    assert pixels.shape == (224, 224, 3) and _is(pixels[100, 100], RED)


def test_rejections_have_clear_errors():
    with pytest.raises(NotAnImageError):
        load_rgb(b"just some text, not an image")
    with pytest.raises(NotAnImageError):
        load_rgb(b"")
    with pytest.raises(NotAnImageError):  # a format Pillow reads but uploads are not
        load_rgb(_encode(Image.new("RGB", (8, 8)), "PPM"))
    jpeg = _encode(Image.effect_noise((64, 64), 50).convert("RGB"), "JPEG")
    with pytest.raises(CorruptImageError):
        load_rgb(jpeg[: len(jpeg) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _encode(Image.new("1", (12000, 12000)), "PNG")  # a few kB that would decode to 144 megapixels
    assert len(bomb) < 100_000
    with pytest.raises(ImageTooLargeError, match="pixels"):
        load_rgb(bomb)
    with pytest.raises(ImageTooLargeError):
        load_rgb(_encode(Image.new("RGB", (100, 100)), "PNG"), max_pixels=5_000)


def test_normalize_matches_keras_vgg16_for_numpy_and_tensors():
    import keras
    import tensorflow as tf

    pixels = np.random.default_rng(0).uniform(0, 255, (2, 5, 5, 3)).astype(np.float32)
    expected = keras.applications.vgg16.preprocess_input(pixels.copy())
    np.testing.assert_allclose(normalize(pixels), expected, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(normalize(tf.constant(pixels)).numpy(), expected, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(preprocess(_encode(Image.fromarray(pixels[0].astype(np.uint8)), "PNG"), 5),
                               keras.applications.vgg16.preprocess_input(pixels[0].astype(np.uint8).astype(np.float32)),
                               atol=1e-4)


def test_configured_pixel_limit_above_pillows_default_applies():
    from PIL import Image as PillowImage

    wide = _encode(PillowImage.new("1", (10000, 10000)), "PNG")  # 100 MP: above Pillow's 89 MP default
    assert load_rgb(wide, image_size=8, max_pixels=120_000_000).shape == (8, 8, 3)
    with pytest.raises(ImageTooLargeError, match="99,000,000"):
        load_rgb(wide, image_size=8, max_pixels=99_000_000)
