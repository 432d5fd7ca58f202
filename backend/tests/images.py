"""Small image files made in memory, one per kind of upload the API must handle."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

EXIF_ORIENTATION = 0x0112
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


# Decompression bombs: a few bytes on the wire, tens of megapixels once decoded.

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int, bit_depth: int = 8, color_type: int = 0, palette: bytes | None = None,
             extra_chunks: bytes = b"") -> bytes:
    """An all-zero side x side PNG, written row by row so that building it never holds the bitmap."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    row = b"\0" + bytes((side * channels * bit_depth + 7) // 8)  # filter byte, then the pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, bit_depth, color_type, 0, 0, 0)
    return (PNG_SIGNATURE + _png_chunk(b"IHDR", header) + extra_chunks
            + (_png_chunk(b"PLTE", palette) if palette is not None else b"")
            + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b""))


def png16_bomb(side: int = 7745) -> bytes:
    """16-bit greyscale, 60 megapixels by default: ~115 kB."""
    return png_bomb(side, bit_depth=16)


def palette_png_bomb(side: int = 7745) -> bytes:
    """A palette image, 60 megapixels by default: ~60 kB."""
    return png_bomb(side, color_type=3, palette=bytes(range(256)) * 3)


def webp_bomb(width: int = 7745, height: int = 7745) -> bytes:
    """A lossless WebP of one colour costs no bits per pixel: its header alone sets the size (38 bytes)."""
    data = bytearray(_encode(Image.new("RGB", (16, 16), (200, 150, 120)), "WEBP", lossless=True, method=0))
    assert data[12:16] == b"VP8L" and data[20] == 0x2F
    fields = int.from_bytes(data[21:25], "little")
    data[21:25] = ((width - 1) | (height - 1) << 14 | fields & ~((1 << 28) - 1)).to_bytes(4, "little")
    return bytes(data)


# Malformed files that once made Pillow raise exception types nobody caught (each gave a 500).

def png_ztxt_bomb() -> bytes:
    """A compressed text chunk that inflates to 50 MB, before the pixels."""
    text = _png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * (50 << 20), 9))
    return png_bomb(8, extra_chunks=text)


def png_truncated_ihdr() -> bytes:
    return PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + b"\0\0\0\x08\0\0"


def bmp_unknown_compression() -> bytes:
    data = bytearray(bmp())
    data[30:34] = struct.pack("<I", 99)  # BITMAPINFOHEADER.biCompression
    return bytes(data)


def webp_frame_outside_canvas() -> bytes:
    """An animated WebP whose 64x64 frame is placed on a 16x16 canvas."""
    frame = _encode(noise_image(64, 64), "WEBP", lossless=True)[12:]  # the VP8L chunk

    def chunk(kind: bytes, data: bytes) -> bytes:
        return kind + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)

    def u24(value: int) -> bytes:
        return value.to_bytes(3, "little")

    body = (b"WEBP" + chunk(b"VP8X", bytes([0x02, 0, 0, 0]) + u24(15) + u24(15))
            + chunk(b"ANIM", struct.pack("<IH", 0, 0))
            + chunk(b"ANMF", u24(0) + u24(0) + u24(63) + u24(63) + u24(100) + b"\0" + frame))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_with_mistyped_exif() -> bytes:
    """Orientation 6 next to an XResolution typed as a signed short: rewriting the EXIF raises struct.error."""
    entries = [(EXIF_ORIENTATION, 3, 1, struct.pack("<HH", 6, 0)), (0x011A, 8, 1, struct.pack("<hH", -1, 0))]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHI", *entry[:3]) + entry[3] for entry in entries)
    exif = b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)
    return _encode(noise_image(80, 40), "JPEG", exif=exif)


def jpeg_cut_in_headers() -> bytes:
    """The first 300 bytes of a JPEG: inside its quantisation and Huffman tables, before any pixel."""
    return jpeg(256, 256)[:300]
