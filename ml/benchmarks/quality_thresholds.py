"""Choose the image quality thresholds on a data set's own images, and measure what the check costs.

Measures every image under DATA_DIR/<class folder>/ through the serving path (`preprocessing.decode`, then
`answer_definitions.measure`), sets too-dark and blurred at the `--tail` percentile (default 0.5) from below and
too-bright at the same from above, rounded outward, and keeps the minimum size at `--min-short-side` (the
training images' size). Writes JSON and Markdown with the machine, the command, the distributions, the
share of images flagged per reason and in total, and the per-image cost of the check. The chosen values go
into `skin_classifier/serving/quality.py` (THRESHOLDS); the report says whether the module already holds them.

    python ml/benchmarks/quality_thresholds.py ../shared/datasets/ham10000 --output docs/quality-thresholds
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from skin_classifier.answer_definitions import QualityMeasures, judge, measure
from skin_classifier.dataset import scan_image_folder
from skin_classifier.serving.machine import machine_facts, packages_text
from skin_classifier.serving.preprocessing import decode
from skin_classifier.serving.quality import THRESHOLDS, Thresholds

CODES = ("too_dark", "too_bright", "blurred", "too_small")
PERCENTILES = (0.1, 0.5, 1, 5, 50, 95, 99, 99.5, 99.9)
# A 12-megapixel phone photo, to time the check on what the API mostly receives.
PHONE_SIZE = (4032, 3024)


def _floor(value: float, digits: int) -> float:
    return math.floor(value * 10**digits) / 10**digits


def _ceil(value: float, digits: int) -> float:
    return math.ceil(value * 10**digits) / 10**digits


def choose(measures: list[QualityMeasures], tail: float, min_short_side: int) -> Thresholds:
    brightness = np.array([m.brightness for m in measures])
    sharpness = np.array([m.sharpness for m in measures])
    return Thresholds(
        too_dark_below=_floor(float(np.percentile(brightness, tail)), 1),
        too_bright_above=_ceil(float(np.percentile(brightness, 100 - tail)), 1),
        blurred_below=_floor(float(np.percentile(sharpness, tail)), 1),
        min_short_side=min_short_side,
    )


def _phone_photo() -> bytes:
    """A smooth, textured 12 MP JPEG (a skin-coloured gradient with noise), as phones send."""
    rng = np.random.default_rng(0)
    width, height = PHONE_SIZE
    ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    base = np.array([200, 150, 130], np.float32) * (0.7 + 0.3 * ramp)
    small = rng.normal(0, 12, (height // 8, width // 8, 3)).astype(np.float32)
    noise = np.asarray(Image.fromarray(np.clip(small + 128, 0, 255).astype(np.uint8)).resize(PHONE_SIZE)) - 128.0
    pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def time_check(source: bytes | Path, image_size: int, runs: int) -> dict[str, float]:
    """Milliseconds (median) to decode, and to run the quality check on the decoded picture."""
    decode_ms, check_ms = [], []
    for _ in range(runs):
        tick = time.perf_counter()
        decoded = decode(source, image_size)
        tock = time.perf_counter()
        judge(measure(decoded.picture, decoded.stored_size))
        decode_ms.append((tock - tick) * 1000)
        check_ms.append((time.perf_counter() - tock) * 1000)
    width, height = decoded.picture.size
    return {
        "decoded_picture": f"{width}x{height}",
        "decode_ms": round(float(np.median(decode_ms)), 2),
        "check_ms": round(float(np.median(check_ms)), 2),
    }


def flagged_elsewhere(data_dir: Path, thresholds: Thresholds, image_size: int) -> dict:
    """Shares flagged on another data set with the chosen thresholds: a check, never used to choose."""
    paths = sorted(p for p in data_dir.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    flagged = []
    for path in paths:
        decoded = decode(path, image_size)
        flagged.append(judge(measure(decoded.picture, decoded.stored_size), thresholds))
    count = len(flagged)
    shares = {code: round(sum(any(w.code == code for w in ws) for ws in flagged) / count, 4) for code in CODES}
    return {"images": count, "per_reason": shares, "total": round(sum(map(bool, flagged)) / count, 4)}


def run(
    data_dir: Path,
    output: Path,
    tail: float,
    min_short_side: int,
    image_size: int,
    others: list[Path],
    argv: list[str],
) -> dict:
    folder = scan_image_folder(data_dir)
    measures, sizes, check_ms = [], [], []
    for path in folder.paths:
        decoded = decode(path, image_size)
        tick = time.perf_counter()
        measures.append(measure(decoded.picture, decoded.stored_size))
        check_ms.append((time.perf_counter() - tick) * 1000)
        sizes.append(decoded.stored_size)
    chosen = choose(measures, tail, min_short_side)
    flagged = [judge(m, chosen) for m in measures]
    codes = CODES
    count = len(measures)
    per_reason = {code: sum(any(w.code == code for w in warnings) for warnings in flagged) for code in codes}
    total = sum(bool(warnings) for warnings in flagged)
    short_sides = [min(size) for size in sizes]
    report = {
        "data_dir": data_dir.name,
        "images": count,
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *argv]),
        "machine": machine_facts(),
        "tail_percentile": tail,
        "image_size": image_size,
        "thresholds": vars(chosen),
        "module_matches": chosen == THRESHOLDS,
        "flagged": {
            "per_reason": {code: {"images": n, "share": round(n / count, 4)} for code, n in per_reason.items()},
            "total": {"images": total, "share": round(total / count, 4)},
        },
        "stored_sizes": {
            "short_side_min": min(short_sides),
            "short_side_max": max(short_sides),
            "distinct": sorted({f"{w}x{h}" for w, h in sizes}),
        },
        "distributions": {
            name: {str(p): round(float(np.percentile(values, p)), 2) for p in PERCENTILES}
            for name, values in (
                ("brightness", [m.brightness for m in measures]),
                ("sharpness", [m.sharpness for m in measures]),
            )
        },
        "cost_ms": {
            "check_per_image_median": round(float(np.median(check_ms)), 3),
            "check_per_image_p95": round(float(np.percentile(check_ms, 95)), 3),
            "phone_photo": {"stored": f"{PHONE_SIZE[0]}x{PHONE_SIZE[1]}", **time_check(_phone_photo(), image_size, 20)},
        },
        "other_data_sets": {other.name: flagged_elsewhere(other, chosen, image_size) for other in others},
        "examples": {
            code: sorted(
                str(path.relative_to(data_dir))
                for path, warnings in zip(folder.paths, flagged, strict=True)
                if any(w.code == code for w in warnings)
            )[:5]
            for code in codes
        },
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    output.with_suffix(".md").write_text(markdown(report))
    return report


def markdown(report: dict) -> str:
    machine, t, flagged, cost = report["machine"], report["thresholds"], report["flagged"], report["cost_ms"]
    reasons = flagged["per_reason"]
    rows = [
        ("too_dark", f"mean luma < {t['too_dark_below']}", reasons["too_dark"]),
        ("too_bright", f"mean luma > {t['too_bright_above']}", reasons["too_bright"]),
        ("blurred", f"Laplacian variance < {t['blurred_below']}", reasons["blurred"]),
        ("too_small", f"shorter side < {t['min_short_side']} px", reasons["too_small"]),
    ]
    lines = [
        "# Image quality thresholds",
        "",
        (
            f"Chosen on the {report['images']:,} images of `{report['data_dir']}` so that few of the data set's own "
            f"images are flagged: too dark and blurred at the {report['tail_percentile']}th percentile from below, too "
            f"bright at the same from above (rounded outward); too small below the training images' "
            f"{t['min_short_side']} px. Thresholds live in `ml/skin_classifier/serving/quality.py` (`THRESHOLDS`); "
            f"it {'holds' if report['module_matches'] else 'does NOT yet hold'} these values."
        ),
        "",
        (
            f"Machine: {machine['cpu']} ({machine['cores']} cores), Python {machine['python']}; packages: "
            f"{packages_text(machine.get('packages', {}))}. Command: `{report['command']}`"
        ),
        "",
        "| warning | rule | images flagged | share |",
        "|---|---|---:|---:|",
        *(f"| `{code}` | {rule} | {n['images']} | {n['share']:.2%} |" for code, rule, n in rows),
        f"| **any** | | **{flagged['total']['images']}** | **{flagged['total']['share']:.2%}** |",
        "",
        (
            "Measures: mean luma (ITU-R 601, 0..255) and the variance of a 4-neighbour Laplacian of the grey picture "
            "resized to a 224 px shorter side, so sharpness does not depend on the upload's resolution. Blur is not "
            "judged on a picture already too dark or too bright."
        ),
        "",
        (
            f"Stored sizes: {', '.join(report['stored_sizes']['distinct'])} (shorter side "
            f"{report['stored_sizes']['short_side_min']} to {report['stored_sizes']['short_side_max']} px), so no "
            "image of the data set is too small."
        ),
        "",
        "| percentile | " + " | ".join(report["distributions"]["brightness"]) + " |",
        "|---|" + "---:|" * len(PERCENTILES),
        *(
            f"| {name} | " + " | ".join(f"{v:g}" for v in values.values()) + " |"
            for name, values in report["distributions"].items()
        ),
        "",
        (
            f"Cost of the check (the decode is done for the prediction anyway): median "
            f"{cost['check_per_image_median']} ms per {report['data_dir']} image (p95 {cost['check_per_image_p95']} "
            f"ms); {cost['phone_photo']['check_ms']} ms on a {cost['phone_photo']['stored']} phone-sized JPEG, "
            f"decoded to {cost['phone_photo']['decoded_picture']} (its decode: {cost['phone_photo']['decode_ms']} ms)."
        ),
        "",
    ]
    if report["other_data_sets"]:
        lines += [
            "Shares flagged on other data sets with these thresholds (a check only; they were not used to choose):",
            "",
            "| data set | images | " + " | ".join(f"`{code}`" for code in CODES) + " | any |",
            "|---|---:|" + "---:|" * (len(CODES) + 1),
            *(
                f"| `{name}` | {other['images']} | "
                + " | ".join(f"{other['per_reason'][code]:.1%}" for code in CODES)
                + f" | {other['total']:.1%} |"
                for name, other in report["other_data_sets"].items()
            ),
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--output", type=Path, default=Path("docs/quality-thresholds"))
    parser.add_argument("--tail", type=float, default=0.5, help="percentile flagged per measure and tail")
    parser.add_argument("--min-short-side", type=int, default=224)
    parser.add_argument("--also", type=Path, action="append", default=[], help="another data set to report on")
    parser.add_argument("--image-size", type=int, default=260, help="the model input the decode reduces toward")
    args = parser.parse_args(argv)
    report = run(
        args.data_dir,
        args.output,
        args.tail,
        args.min_short_side,
        args.image_size,
        args.also,
        sys.argv[1:] if argv is None else argv,
    )
    print(json.dumps({"thresholds": report["thresholds"], "flagged": report["flagged"]["total"]}))


if __name__ == "__main__":
    main()
