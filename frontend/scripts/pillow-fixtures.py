"""The server's pixels for fixed inputs, so the page's copy of Pillow's arithmetic can be held to them exactly.

    .venv/bin/python frontend/scripts/pillow-fixtures.py           write the fixture (FIXTURE_PATH)
    .venv/bin/python frontend/scripts/pillow-fixtures.py --check   fail when the committed fixture differs

Each case is a picture of pseudo-random pixels, sent as a lossless PNG through the server's own functions:
`preprocessing.decode(png, S).resized(S)` for the model's input and `quality.analysis_picture(decoded.picture)`
for the quality check's grey picture. The pixels come from a fixed generator, so the whole file can be made
again and compared (ml/tests/test_pillow_fixtures.py does, and fails when a Pillow upgrade changes a value).
Arrays are base64 of their uint8 values, rows top to bottom, channels interleaved.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from skin_classifier.serving import quality
from skin_classifier.serving.preprocessing import decode

FIXTURE_PATH = (
    Path(__file__).resolve().parents[1] / "src" / "features" / "on-device" / "pixels" / "pillow-fixtures.json"
)


@dataclass(frozen=True)
class Case:
    name: str
    width: int
    height: int
    # "RGB", "RGBA" (alpha of every kind: 0, 255 and between), "RGBA opaque" (an alpha channel, all 255) or
    # "L" (a grey photo; its model input is stored once, as the server's three channels are equal).
    kind: str
    image_size: int
    analysis: bool = False


CASES = (
    Case("same size: no resize", 16, 16, "RGB", 16),
    Case("upscale, not square", 11, 7, "RGB", 16),
    Case("downscale within twice the size", 29, 23, "RGB", 16),
    # Pillow 13 resizes vertically first when the height loses more than twice the pixels the width does.
    Case("height shrinks more than twice as much: vertical pass first", 20, 31, "RGB", 16),
    Case("height shrinks exactly twice as much: horizontal pass first", 20, 24, "RGB", 16),
    Case("reduce 3x2, partial blocks on both edges", 53, 37, "RGB", 8),
    Case("reduce 2x2, partial blocks on both edges", 33, 35, "RGB", 8),
    Case("reduce 5x7, partial blocks on both edges", 44, 57, "RGB", 4),
    Case("reduce 11x9, partial blocks on both edges", 47, 38, "RGB", 2),
    Case("reduce 4x1, partial block on the right", 35, 9, "RGB", 4),
    Case("reduce 1x3, partial block at the bottom", 9, 26, "RGB", 4),
    Case("transparency, reduced 2x2 (premultiplied)", 37, 41, "RGBA", 8),
    Case("transparency, not reduced", 13, 11, "RGBA", 8),
    Case("alpha channel all opaque, reduced 2x1", 35, 19, "RGBA opaque", 8),
    Case("model size 224 from a grey photo; analysis shrinks (BOX)", 226, 225, "L", 224, analysis=True),
    Case("analysis enlarges (BILINEAR), not square", 24, 23, "RGB", 8, analysis=True),
)

# Sizes whose analysis picture rounds a half (Python rounds halves to even), keeps its size, or is a long strip.
ANALYSIS_SIZES = ((449, 448), (451, 448), (300, 225), (224, 300), (20, 400), (1000, 50))

LUMA_COLOURS = 64


def pseudo_random_bytes(count: int, seed: int) -> bytes:
    """xorshift32's top bytes: the same on every machine and every NumPy, so the fixture can be made again."""
    state = seed
    out = bytearray(count)
    for i in range(count):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        out[i] = state >> 24
    return bytes(out)


def case_pixels(case: Case, seed: int) -> np.ndarray:
    """The case's pixels, (H, W) for grey and (H, W, channels) otherwise."""
    channels = {"L": 1, "RGB": 3}.get(case.kind, 4)
    values = np.frombuffer(pseudo_random_bytes(case.width * case.height * channels, seed), dtype=np.uint8)
    pixels = values.reshape(case.height, case.width, channels).copy()
    if case.kind == "RGBA":
        # A quarter fully transparent, a quarter opaque, the rest in between.
        choice = np.frombuffer(pseudo_random_bytes(case.width * case.height, seed + 1), dtype=np.uint8)
        choice = choice.reshape(case.height, case.width)
        pixels[..., 3] = np.where(choice < 64, 0, np.where(choice < 128, 255, pixels[..., 3]))
    elif case.kind == "RGBA opaque":
        pixels[..., 3] = 255
    return pixels[..., 0] if channels == 1 else pixels


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def encode(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.uint8).tobytes()).decode("ascii")


def build_case(case: Case, seed: int) -> dict:
    pixels = case_pixels(case, seed)
    decoded = decode(png_bytes(pixels), case.image_size)
    model_input = decoded.resized(case.image_size)
    if case.kind == "L":
        assert (model_input == model_input[..., :1]).all(), "a grey photo's three channels differ"
        model_input = model_input[..., 0]
    entry: dict = {
        "name": case.name,
        "width": case.width,
        "height": case.height,
        "channels": 1 if pixels.ndim == 2 else pixels.shape[2],
        "imageSize": case.image_size,
        "pixels": encode(pixels),
        "modelInput": encode(model_input),
    }
    if case.analysis:
        grey = quality.analysis_picture(decoded.picture)
        assert (grey == grey.astype(np.uint8)).all(), "the grey picture holds values that are not whole bytes"
        entry["analysisGrey"] = {"width": grey.shape[1], "height": grey.shape[0], "data": encode(grey)}
    return entry


def luma_case() -> dict:
    """Pillow's convert("L") for pseudo-random colours, black, white and the primaries."""
    colours = np.frombuffer(pseudo_random_bytes(LUMA_COLOURS * 3, 7), dtype=np.uint8).reshape(1, -1, 3)
    fixed = np.array([[[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=np.uint8)
    colours = np.concatenate([colours, fixed], axis=1)
    grey = np.asarray(Image.fromarray(colours, "RGB").convert("L"))
    return {"rgb": encode(colours), "grey": encode(grey)}


def analysis_size(width: int, height: int) -> list[int]:
    grey = quality.analysis_picture(Image.new("RGB", (width, height)))
    return [width, height, grey.shape[1], grey.shape[0]]


def build_fixture() -> dict:
    return {
        "cases": [build_case(case, seed) for seed, case in enumerate(CASES, start=1)],
        "luma": luma_case(),
        "analysisSizes": [analysis_size(width, height) for width, height in ANALYSIS_SIZES],
    }


def render(fixture: dict) -> str:
    return json.dumps(fixture, indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed fixture differs")
    arguments = parser.parse_args()
    text = render(build_fixture())
    if arguments.check:
        if FIXTURE_PATH.read_text() != text:
            print(f"{FIXTURE_PATH} differs from what Pillow produces now", file=sys.stderr)
            return 1
        return 0
    FIXTURE_PATH.write_text(text)
    print(f"wrote {FIXTURE_PATH} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
