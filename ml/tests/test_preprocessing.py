import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from skin_classifier.hostile_images import (
    bmp_unknown_compression,
    jpeg_cut_in_headers,
    jpeg_with_mistyped_exif,
    palette_png_bomb,
    png16_bomb,
    png_bomb,
    png_truncated_ihdr,
    png_ztxt_bomb,
    webp_bomb,
)
from skin_classifier.hostile_images import encode as _encode
from skin_classifier.serving import preprocessing
from skin_classifier.serving.preprocessing import (
    DEFAULT_DECODE_BUDGET,
    UPLOAD_FORMATS,
    CorruptImageError,
    ImageTooLargeError,
    NotAnImageError,
    load_rgb,
    preprocess,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)


def _halves(width=40, height=20) -> Image.Image:
    """Red left half, blue right half."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = RED
    pixels[:, width // 2 :] = BLUE
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


@pytest.mark.parametrize(("mode", "fill"), [("L", 128), ("1", 1), ("CMYK", (0, 255, 255, 0)), ("P", 5)])
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


def test_preprocess_gives_the_models_raw_rgb_pixels():
    """Normalisation lives inside each model, so preprocessing hands over plain 0..255 RGB as float32."""
    pixels = np.random.default_rng(0).integers(0, 256, (5, 5, 3)).astype(np.uint8)
    prepared = preprocess(_encode(Image.fromarray(pixels), "PNG"), 5)
    assert prepared.dtype == np.float32
    np.testing.assert_array_equal(prepared, pixels.astype(np.float32))


def test_configured_pixel_limit_above_pillows_default_applies():
    from PIL import Image as PillowImage

    wide = _encode(PillowImage.new("1", (10000, 10000)), "PNG")  # 100 MP: above Pillow's 89 MP default
    assert load_rgb(wide, image_size=8, max_pixels=120_000_000).shape == (8, 8, 3)
    with pytest.raises(ImageTooLargeError, match="99,000,000"):
        load_rgb(wide, image_size=8, max_pixels=99_000_000)


# Decoding bounded in memory, whatever the format; malformed files refused with fixed messages.


def test_uploads_take_camera_formats_only_and_say_which():
    for format_name in ("GIF", "BMP", "TIFF"):
        with pytest.raises(NotAnImageError, match="JPEG, PNG, WebP or HEIC/HEIF"):
            load_rgb(_encode(_halves(), format_name), formats=UPLOAD_FORMATS)
        # Training reads local files of older data sets: those formats still load by default.
        assert load_rgb(_encode(_halves(), format_name), image_size=20).shape == (20, 20, 3)


def test_heic_is_decoded_upright_like_pillow_would():
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _encode(_halves(), "HEIF", exif=exif.tobytes(), quality=95)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB").resize((20, 20)))
    pixels = load_rgb(data, image_size=20, formats=UPLOAD_FORMATS)
    assert _is(pixels[2, 10], RED) and _is(pixels[17, 10], BLUE)
    assert np.abs(pixels.astype(int) - expected).mean() < 3


def test_heic_with_alpha_is_flattened_on_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 5, 10))
    pixels = load_rgb(_encode(image, "HEIF", quality=95), image_size=10)
    assert _is(pixels[5, 1], (200, 0, 0)) and _is(pixels[5, 8], (255, 255, 255))


def test_orientation_is_read_from_exif_that_pillow_cannot_rewrite():
    data = jpeg_with_mistyped_exif(_halves())
    with pytest.raises(struct.error):
        ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    turned = load_rgb(data, image_size=20)
    assert _is(turned[2, 10], RED) and _is(turned[17, 10], BLUE)


@pytest.mark.parametrize(
    "data",
    [
        png_ztxt_bomb(),
        png_truncated_ihdr(),
        jpeg_cut_in_headers(),
        bmp_unknown_compression(_halves()),
    ],
    ids=["png-ztxt-bomb", "png-truncated-ihdr", "jpeg-cut-in-headers", "bmp-unknown-compression"],
)
def test_malformed_files_raise_a_fixed_message(data):
    """Pillow raises ValueError, OSError, struct.error and more on these; callers get one error, in plain words."""
    with pytest.raises(CorruptImageError) as caught:
        load_rgb(data)
    assert str(caught.value) in (
        "Image could not be decoded; it is damaged or malformed.",
        "Image could not be decoded; it may be truncated or damaged.",
    )
    assert caught.value.__cause__ is not None  # the library's error, kept for logs


def test_each_format_has_a_pixel_limit_from_the_decode_budget():
    with pytest.raises(ImageTooLargeError, match="limit for a WebP image"):
        load_rgb(webp_bomb(7745, 7745))  # 38 bytes, 60 megapixels: libwebp would take ~1 GB
    with pytest.raises(ImageTooLargeError, match="limit for a PNG image"):
        load_rgb(png16_bomb(7745))  # 16-bit, 60 megapixels: 120 MB to decode
    assert load_rgb(webp_bomb(2000, 1500), image_size=8).shape == (8, 8, 3)
    with pytest.raises(ImageTooLargeError, match="limit for a JPEG image"):  # libjpeg cannot reduce this one
        load_rgb(_encode(Image.new("L", (6000, 300)), "JPEG"), decode_budget=2**20)


def test_strip_conversion_matches_converting_whole(monkeypatch):
    """Palette, 16-bit and transparent images are converted a strip at a time, with the same result."""
    monkeypatch.setattr(preprocessing, "STRIP_PIXELS", 5000)  # many strips
    rng = np.random.default_rng(0)
    rgba = Image.fromarray(rng.integers(0, 256, (300, 200, 4), dtype=np.uint8))
    palette = Image.fromarray(rng.integers(0, 256, (300, 200, 3), dtype=np.uint8)).quantize(64)
    deep = Image.fromarray(rng.integers(0, 65536, (300, 200), dtype=np.uint16))
    for image in (rgba, palette, deep):
        data = _encode(image, "PNG")
        strips = load_rgb(data, image_size=32).astype(int)
        monkeypatch.setattr(preprocessing, "STRIP_PIXELS", 1 << 30)  # one strip
        whole = load_rgb(data, image_size=32).astype(int)
        monkeypatch.setattr(preprocessing, "STRIP_PIXELS", 5000)
        assert np.abs(strips - whole).max() <= 1


def test_large_images_are_reduced_then_resized_like_a_plain_resize():
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:1800, 0:2400]
    smooth = np.stack([np.sin(xx / 40) * 60 + 150, np.cos(yy / 30) * 50 + 120, (xx + yy) % 200 + 20], -1)
    image = Image.fromarray(np.clip(smooth + rng.normal(0, 5, smooth.shape), 0, 255).astype(np.uint8))
    plain = np.asarray(image.resize((224, 224), Image.Resampling.BILINEAR)).astype(int)
    assert np.abs(load_rgb(_encode(image, "PNG")).astype(int) - plain).mean() < 2


MEASURE = """
import base64, json, sys
from skin_classifier.serving.preprocessing import load_rgb
def rss(key):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))
load_rgb(base64.b64decode(sys.argv[1]), image_size=8)  # imports and first-use allocations, not measured
results = []
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak
    before = rss("VmRSS")
    load_rgb(data)
    results.append(rss("VmHWM") - before)
print(json.dumps(results))
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to read peak memory")
def test_accepted_bombs_decode_within_the_budget(tmp_path):
    """The largest images each format may have: decoding any of them adds at most the budget (plus slack)."""
    import base64

    files = {
        "palette-60mpx.png": palette_png_bomb(7745),
        "rgba-24mpx.png": png_bomb(4900, color_type=6),
        "16bit-48mpx.png": png16_bomb(6900),
        "webp-7mpx.webp": webp_bomb(2700, 2700),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    warm = base64.b64encode(_encode(Image.new("RGB", (8, 8)), "PNG")).decode()
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, warm, *(str(tmp_path / name) for name in files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    peaks = dict(zip(files, json.loads(result.stdout), strict=True))
    for name, peak in peaks.items():
        assert peak <= DEFAULT_DECODE_BUDGET + 16 * 2**20, f"{name} took {peak / 2**20:.0f} MiB"
