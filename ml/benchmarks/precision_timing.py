"""Time a training step in float32 and in bfloat16 (Keras mixed precision) on this machine, for one backbone.

Each precision runs in a fresh process (the global policy is process-wide), builds the reference recipe's model
(the whole network trainable, batch normalisation included), compiles it with AdamW, and times `--steps` steps
on random images after `--warmup` untimed ones. Writes JSON and Markdown with the machine and the command:
bfloat16 is worth keeping only where it is faster, and only then is its accuracy worth measuring.

    python ml/benchmarks/precision_timing.py --backbone efficientnet-lite0 --image-size 128 \\
        --output models/reference/benchmarks/precision
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


def time_steps(backbone: str, image_size: int, policy: str, batch_size: int, steps: int, warmup: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    from skin_classifier.model import build_model, set_trainable_from

    keras.mixed_precision.set_global_policy(policy)
    model = build_model(7, backbone, image_size, "none", head_units=0, dropout=0.3, train_batchnorm=True)
    set_trainable_from(model, "stem" if backbone.startswith("efficientnet") else None)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=0.01), loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch_size, image_size, image_size, 3)).astype("float32")
    targets = np.eye(7, dtype="float32")[rng.integers(0, 7, batch_size)]
    for _ in range(warmup):
        model.train_on_batch(images, targets)
    started = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(images, targets)
    seconds = (time.perf_counter() - started) / steps
    return {"policy": policy, "seconds_per_step": round(seconds, 3), "images_per_s": round(batch_size / seconds, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="efficientnet-lite0")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--note", help="a sentence for the report (e.g. what else ran on the machine)")
    parser.add_argument("--output", type=Path, default=Path("runs/precision"), help="writes OUTPUT.json and .md")
    parser.add_argument("--worker", choices=PRECISIONS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = time_steps(
            args.backbone, args.image_size, PRECISIONS[args.worker], args.batch_size, args.steps, args.warmup
        )
        print(json.dumps(result))
        return

    from skin_classifier.jsonio import write_json
    from skin_classifier.serving.machine import cpu_name, package_versions, packages_text

    results = {}
    for name in PRECISIONS:
        command = [sys.executable, __file__, *(argv or sys.argv[1:]), "--worker", name]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    speedup = results["float32"]["seconds_per_step"] / results["bfloat16"]["seconds_per_step"]
    report = {
        "command": " ".join(shlex.quote(part) for part in [Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "packages": package_versions()},
        "load_average": os.getloadavg(),
        "note": args.note,
        "backbone": args.backbone,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "results": results,
        "bfloat16_speedup": round(speedup, 2),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output.with_suffix(".json"), report)
    lines = [
        "# Training step: float32 against bfloat16",
        "",
        f"`{report['command']}` on {report['machine']['cpu']} ({report['machine']['cores']} cores, load average "
        f"{report['load_average'][0]:.1f}); {packages_text(report['machine']['packages'])}."
        + (f" {args.note}" if args.note else ""),
        "",
        f"{args.backbone} at {args.image_size} px, batch {args.batch_size}, every layer trained:",
        "",
        "| precision | s a step | images/s |",
        "|---|---|---|",
        *[f"| {name} | {r['seconds_per_step']} | {r['images_per_s']} |" for name, r in results.items()],
        "",
        f"bfloat16 takes {1 / speedup:.2f}x float32's time a step.",
    ]
    args.output.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.output.with_suffix(".md"))


if __name__ == "__main__":
    main()
