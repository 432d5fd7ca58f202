"""Image files made to strain a decoder: decompression bombs (a few bytes on the wire, tens of megapixels once
decoded) and malformed files that once made Pillow raise exception types nobody caught.

The preprocessing tests, the API tests and the API's load test all attack the decoder with these same files.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

EXIF_ORIENTATION = 0x0112
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(image: Image.Image, format_name: str, **options: object) -> bytes:
    """The image as a file in `format_name` (a Pillow format), in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format_name, **options)
    return buffer.getvalue()


def noise_image(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    """Random RGB pixels: nothing compresses, so a file of it costs what a photo of its size would to decode."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(
    side: int, bit_depth: int = 8, color_type: int = 0, palette: bytes | None = None, extra_chunks: bytes = b""
) -> bytes:
    """An all-zero side x side PNG, written row by row so that building it never holds the bitmap."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    row = b"\0" + bytes((side * channels * bit_depth + 7) // 8)  # filter byte, then the pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, bit_depth, color_type, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + extra_chunks
        + (png_chunk(b"PLTE", palette) if palette is not None else b"")
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def decompression_bomb_png(side: int = 10_000) -> bytes:
    """A few kilobytes that decode to side x side pixels (100 million by default)."""
    return encode(Image.new("1", (side, side)), "PNG", optimize=True)


def png16_bomb(side: int = 7745) -> bytes:
    """16-bit greyscale, 60 megapixels by default: ~115 kB."""
    return png_bomb(side, bit_depth=16)


def palette_png_bomb(side: int = 7745) -> bytes:
    """A palette image, 60 megapixels by default: ~60 kB."""
    return png_bomb(side, color_type=3, palette=bytes(range(256)) * 3)


def webp_bomb(width: int = 7745, height: int = 7745) -> bytes:
    """A lossless WebP of one colour costs no bits per pixel: its header alone sets the size (38 bytes)."""
    data = bytearray(encode(Image.new("RGB", (16, 16), (200, 150, 120)), "WEBP", lossless=True, method=0))
    assert data[12:16] == b"VP8L" and data[20] == 0x2F
    fields = int.from_bytes(data[21:25], "little")
    data[21:25] = ((width - 1) | (height - 1) << 14 | fields & ~((1 << 28) - 1)).to_bytes(4, "little")
    return bytes(data)


def png_ztxt_bomb() -> bytes:
    """A compressed text chunk that inflates to 50 MB, before the pixels."""
    text = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * (50 << 20), 9))
    return png_bomb(8, extra_chunks=text)


def png_truncated_ihdr() -> bytes:
    return PNG_SIGNATURE + struct.pack(">I", 13) + b"IHDR" + b"\0\0\0\x08\0\0"


def bmp_unknown_compression(image: Image.Image | None = None) -> bytes:
    data = bytearray(encode(image or noise_image(), "BMP"))
    data[30:34] = struct.pack("<I", 99)  # BITMAPINFOHEADER.biCompression
    return bytes(data)


def webp_frame_outside_canvas() -> bytes:
    """An animated WebP whose 64x64 frame is placed on a 16x16 canvas."""
    frame = encode(noise_image(64, 64), "WEBP", lossless=True)[12:]  # the VP8L chunk

    def chunk(kind: bytes, data: bytes) -> bytes:
        return kind + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)

    def u24(value: int) -> bytes:
        return value.to_bytes(3, "little")

    body = (
        b"WEBP"
        + chunk(b"VP8X", bytes([0x02, 0, 0, 0]) + u24(15) + u24(15))
        + chunk(b"ANIM", struct.pack("<IH", 0, 0))
        + chunk(b"ANMF", u24(0) + u24(0) + u24(63) + u24(63) + u24(100) + b"\0" + frame)
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_with_mistyped_exif(image: Image.Image | None = None) -> bytes:
    """Orientation 6 next to an XResolution typed as a signed short: rewriting the EXIF raises struct.error."""
    entries = [(EXIF_ORIENTATION, 3, 1, struct.pack("<HH", 6, 0)), (0x011A, 8, 1, struct.pack("<hH", -1, 0))]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHI", *entry[:3]) + entry[3] for entry in entries)
    exif = b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)
    return encode(image or noise_image(80, 40), "JPEG", quality=95, exif=exif)


def jpeg_cut_in_headers() -> bytes:
    """The first 300 bytes of a JPEG: inside its quantisation and Huffman tables, before any pixel."""
    return encode(noise_image(256, 256), "JPEG", quality=90)[:300]
