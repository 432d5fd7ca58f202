"""Serving benchmark: POST /predict latency and throughput over real HTTP, next to the bare model time.

It starts uvicorn on a free local port with MODEL_DIR set, waits (bounded) for /health, then at each level
sends requests from that many clients back to back (at least --requests, and --per-client for each client),
while another process polls /health and one samples the server's resident memory. Each level records its 200s,
its 503s (each must carry Retry-After), p50 and p99, good answers per second and peak RSS. Then it stops the
server and times the model's batch-1 forward pass in this process: the gap is the cost of HTTP, multipart,
decoding and queueing. Results go to JSON (--output), a plot of throughput and p99 against clients beside it
(PNG), and a Markdown table on stdout.

    python backend/benchmarks/serve_benchmark.py --model-dir models/reference --concurrency 1 2 4 8 16 32 64
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from app.server import command_line
from skin_classifier.serving.machine import packages_text
from skin_classifier.serving.runtimes import AUTO, RUNTIMES

# Clients sending back to back, from one person to a crowd.
CLIENT_LEVELS = (1, 2, 4, 8, 16, 32, 64)
BACKEND_DIR = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = BACKEND_DIR.parent / "models" / "reference"
PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "numpy",
    "pillow",
    "skin-classifier",
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "ai-edge-litert",
    "onnxruntime",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR, help="artifact folder to serve")
    parser.add_argument(
        "--runtime",
        default=AUTO,
        choices=(AUTO, *RUNTIMES),
        help=f"{AUTO} (the artifact's default) or one of {', '.join(RUNTIMES)}",
    )
    parser.add_argument("--requests", type=int, default=200, help="least measured requests per level")
    parser.add_argument("--per-client", type=int, default=25, help="least measured requests per client at a level")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=list(CLIENT_LEVELS), help="clients sending back to back"
    )
    parser.add_argument("--image", type=Path, help="image to upload (default: a generated 224x224 JPEG)")
    parser.add_argument(
        "--output", type=Path, default=Path("runs/serve_benchmark.json"), help="JSON result (the plot goes beside it)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="also measure POST /predict?explain=true (heat maps) at concurrency 1"
    )
    parser.add_argument("--warmup-requests", type=int, default=5, help="unmeasured requests per level")
    parser.add_argument("--forward-runs", type=int, default=30, help="timed batch-1 forwards in this process")
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds to wait for /health")
    parser.add_argument("--request-timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--level-timeout", type=float, default=600.0, help="seconds per concurrency level")
    return parser.parse_args(argv)


def generated_jpeg(size: int = 224) -> bytes:
    """A lesion-like picture: a dark blob on noisy skin tone, so decoding costs what a photo would."""
    from skin_classifier.hostile_images import encode
    from skin_classifier.synthetic import lesion_picture

    return encode(lesion_picture(size, (110, 70, 50), np.random.default_rng(0)), "JPEG", quality=90)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """Resident memory of a process from /proc (Linux); None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def machine_facts() -> dict[str, Any]:
    from skin_classifier.serving.machine import machine_facts as facts

    return facts(PACKAGES)


def percentiles_ms(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    values = np.array(seconds) * 1000
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "mean_ms": round(float(values.mean()), 2),
    }


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float) -> dict[str, Any]:
    """Poll /health until 200; fail if the server exits or the deadline passes."""
    started = time.perf_counter()
    deadline = started + timeout
    with httpx.Client(timeout=5.0) as client:
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with code {process.returncode} before becoming healthy")
            try:
                response = client.get(f"{base_url}/health")
                if response.status_code == 200:
                    return {"time_to_healthy_s": round(time.perf_counter() - started, 2), **response.json()}
                if "failed to load" in response.text:  # it will never become healthy
                    raise RuntimeError(response.json()["detail"])
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.25)
    raise TimeoutError(f"/health not 200 within {timeout:.0f} s")


class RssSampler:
    """A process's resident memory every `interval` seconds, in a background thread (Linux /proc)."""

    def __init__(self, pid: int | None, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            value = rss_mb(self.pid) if self.pid else None
            if value is not None:
                self.samples.append((round(time.monotonic() - self._started, 1), value))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self) -> float | None:
        return max((value for _, value in self.samples), default=None)


def _poll_health(url: str, ready: Any, stop: Any, results: Any) -> None:
    """The poller process: GET `url` every 50 ms until `stop`, then send the latencies and outcomes back."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                outcomes[str(client.get(url).status_code)] += 1
            except httpx.HTTPError as error:
                outcomes[type(error).__name__] += 1
            latencies.append(time.perf_counter() - started)
            ready.set()
            stop.wait(0.05)
    results.send((latencies, dict(outcomes)))


class HealthPoller:
    """/health every 50 ms from a process of its own, as a load balancer's probe is: sharing no interpreter
    (and no GIL) with the uploads' client, it measures the server's answer, not this process's scheduling."""

    def __init__(self, base_url: str) -> None:
        self.latencies: list[float] = []
        self.outcomes: Counter[str] = Counter()
        context = multiprocessing.get_context("spawn")
        self._ready, self._stop = context.Event(), context.Event()
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_poll_health, args=(f"{base_url}/health", self._ready, self._stop, sender), daemon=True
        )

    def __enter__(self) -> HealthPoller:
        self._process.start()
        if not self._ready.wait(60):  # polling before the load starts, so that none of the load goes unwatched
            self._process.kill()
            raise RuntimeError("the /health poller did not start")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._results.poll(30):
            latencies, outcomes = self._results.recv()
            self.latencies, self.outcomes = latencies, Counter(outcomes)
        self._process.join(10)

    def summary(self) -> dict[str, Any]:
        values = np.array(self.latencies or [0.0]) * 1000
        return {
            "polls": len(self.latencies),
            "statuses": dict(self.outcomes),
            "p99_ms": round(float(np.percentile(values, 99)), 1),
            "max_ms": round(float(values.max()), 1),
        }


async def run_level(
    url: str,
    image: bytes,
    concurrency: int,
    total: int,
    warmup: int,
    request_timeout: float,
    level_timeout: float,
    pid: int | None = None,
) -> dict[str, Any]:
    """`concurrency` clients send `total` uploads back to back; stop taking new ones at the level deadline.

    Records every outcome (a 503 without Retry-After apart), the 200s' latencies, /health meanwhile and the
    server's peak RSS (with `pid`).
    """
    base_url = url.split("/predict", 1)[0]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=request_timeout, limits=limits) as client:
        for _ in range(warmup):
            await client.post(url, files={"file": ("bench.jpg", image, "image/jpeg")})
        latencies: list[float] = []
        failures: Counter[str] = Counter()
        retry_after: Counter[str] = Counter()
        pending = iter(range(total))  # shared by the workers: each request is taken exactly once
        deadline = time.perf_counter() + level_timeout

        async def worker() -> None:
            for _ in pending:
                if time.perf_counter() > deadline:
                    failures["not sent: level timeout"] += 1
                    continue
                sent = time.perf_counter()
                try:
                    response = await client.post(url, files={"file": ("bench.jpg", image, "image/jpeg")})
                    outcome = str(response.status_code)
                    if outcome == "503":
                        retry_after[response.headers.get("retry-after", "missing")] += 1
                except httpx.HTTPError as error:
                    outcome = type(error).__name__
                if outcome == "200":
                    latencies.append(time.perf_counter() - sent)
                else:
                    failures[outcome] += 1

        with RssSampler(pid) as memory, HealthPoller(base_url) as health:
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": total,
        "ok": len(latencies),
        "failures": dict(failures),
        "shed": failures.get("503", 0),
        "retry_after_s": dict(retry_after),
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(latencies) / wall, 2) if wall > 0 else None,
        **percentiles_ms(latencies),
        "peak_rss_mb": memory.peak(),
        "health": health.summary(),
    }


def plot_levels(levels: list[dict[str, Any]], target: Path, title: str) -> None:
    """Good answers per second and p99 latency against clients, one panel each, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clients = [level["concurrency"] for level in levels]
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    throughput.plot(clients, [level["throughput_rps"] or 0 for level in levels], marker="o")
    throughput.set(xlabel="clients sending back to back", ylabel="answers 200 per second", ylim=(0, None))
    latency.plot(clients, [level["p99_ms"] or 0 for level in levels], marker="o", color="tab:red")
    latency.set(xlabel="clients sending back to back", ylabel="p99 latency of 200s (ms)", ylim=(0, None))
    for axes in (throughput, latency):
        axes.set_xscale("log", base=2)
        axes.set_xticks(clients, [str(count) for count in clients])
        axes.grid(alpha=0.3)
    figure.suptitle(title)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=100)
    plt.close(figure)


def model_forward_times(model_dir: Path, runtime: str, image: bytes, runs: int) -> dict[str, Any]:
    """Batch-1 times of the same artifact in this process (median of `runs`): decoding with the quality check,
    the forward pass, and turning its outputs into the answer without and with the heat map (image kind
    included)."""
    from skin_classifier.serving.classifier import load_classifier

    classifier = load_classifier(model_dir, runtime)
    steps: dict[str, list[float]] = {"preprocess": [], "forward": [], "answer": [], "answer_with_heatmap": []}
    for index in range(runs + 3):  # the first three warm caches and graphs, unmeasured
        times = [time.perf_counter()]
        inspected = classifier.inspect(image)
        times.append(time.perf_counter())
        outputs = classifier.predict_outputs(inspected.pixels[None])
        times.append(time.perf_counter())
        classifier.answer(outputs, inspected)
        times.append(time.perf_counter())
        classifier.answer(outputs, inspected, explain_top=True)
        times.append(time.perf_counter())
        if index >= 3:
            for name, (start, end) in zip(steps, itertools.pairwise(times), strict=True):
                steps[name].append(end - start)
    return {
        "runtime": classifier.runtime,
        "runs": runs,
        **{f"{name}_median_ms": round(float(np.median(values)) * 1000, 2) for name, values in steps.items()},
    }


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


LEVEL_HEADER = "| clients | requests | 200 | 503 | p50 ms | p99 ms | 200s per second | peak RSS MB |"


def level_row(level: dict[str, Any]) -> str:
    """One level as a row under LEVEL_HEADER (a dash for what the level did not record)."""
    values = (
        level["concurrency"],
        level["requests"],
        level["ok"],
        level.get("shed", level["failures"].get("503", 0)),
        level["p50_ms"],
        level["p99_ms"],
        level["throughput_rps"],
        level.get("peak_rss_mb"),
    )
    return "| " + " | ".join("–" if value is None else str(value) for value in values) + " |"


def markdown(result: dict[str, Any]) -> str:
    server, forward = result["server"], result.get("model_forward") or {}
    lines = [
        (
            f"Model {server.get('model_version')} ({server.get('runtime')}), {result['image']['bytes']:,}-byte upload, "
            f"{result['machine']['cpu']} x{result['machine']['usable_cores']}"
        ),
        f"Packages: {packages_text(result['machine'].get('packages', {}))}.",
        "",
        LEVEL_HEADER,
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [level_row(level) for level in result["levels"]]
    lines += [
        level_row({**level, "concurrency": f"{level['concurrency']}, explain=true"})
        for level in result.get("explain_levels", [])
    ]
    lines += [
        "",
        (
            f"Time to healthy: {server.get('time_to_healthy_s')} s; server RSS after warm-up: "
            f"{server.get('rss_after_warmup_mb')} MB (after the run: {server.get('rss_after_run_mb')} MB)."
        ),
        (
            f"Model forward, batch 1, in-process median: {forward.get('forward_median_ms')} ms "
            f"(preprocessing {forward.get('preprocess_median_ms')} ms; the answer from its outputs "
            f"{forward.get('answer_median_ms')} ms, with the heat map {forward.get('answer_with_heatmap_median_ms')} ms)."
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Turn SIGTERM into SystemExit so the `finally` below still stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    image = args.image.read_bytes() if args.image else generated_jpeg()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # The production entry point (uvicorn with the API's connection deadlines), as the Docker image runs it.
    server_command = command_line("127.0.0.1", port)
    env = {**os.environ, "MODEL_DIR": str(args.model_dir.resolve()), "MODEL_RUNTIME": args.runtime}
    result: dict[str, Any] = {
        # Reports are committed: no machine's absolute paths in them.
        "command": shlex.join(["python", *sys.argv]),
        "server_command": shlex.join(["python", *server_command[1:]]),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model_dir": str(args.model_dir),
        "image": {"source": str(args.image) if args.image else "generated 224x224 JPEG", "bytes": len(image)},
        "machine": machine_facts(),
        "levels": [],
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(server_command, cwd=BACKEND_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            result["server"] = wait_healthy(base_url, process, args.startup_timeout)
            result["server"]["pid"] = process.pid
            result["server"]["rss_after_warmup_mb"] = rss_mb(process.pid)

            def level(query: str, concurrency: int) -> dict[str, Any]:
                return asyncio.run(
                    run_level(
                        f"{base_url}/predict{query}",
                        image,
                        concurrency,
                        max(args.requests, args.per_client * concurrency),
                        args.warmup_requests,
                        args.request_timeout,
                        args.level_timeout,
                        process.pid,
                    )
                )

            result["levels"] = [level("", concurrency) for concurrency in args.concurrency]
            if args.explain:
                result["explain_levels"] = [level("?explain=true", 1)]
            result["server"]["rss_after_run_mb"] = rss_mb(process.pid)
            result["server"]["peak_rss_mb"] = rss_mb(process.pid, "VmHWM")
        except Exception:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            stop(process)
    # With the server gone, the model gets the CPU to itself.
    result["model_forward"] = model_forward_times(args.model_dir, args.runtime, image, args.forward_runs)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    plot = args.output.with_suffix(".png")
    result["plot"] = plot.name
    plot_levels(result["levels"], plot, f"POST /predict, {result['server']['runtime']}, {result['image']['source']}")
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))
    print(f"\nWrote {args.output} and {plot}")
    levels = result["levels"] + result.get("explain_levels", [])
    return 1 if any(level_failed(level) for level in levels) else 0


def level_failed(level: dict[str, Any]) -> bool:
    """Any failure at one client; above, any but shedding (a 503 with Retry-After, by design when overloaded)."""
    unexpected = {reason: count for reason, count in level["failures"].items() if reason != "503"}
    no_retry_after = level.get("retry_after_s", {}).get("missing", 0)
    return bool(unexpected) or bool(no_retry_after) or (level["concurrency"] == 1 and level["ok"] < level["requests"])


if __name__ == "__main__":
    sys.exit(main())
