"""Load test: the hostile battery, clients back to back, a burst and a soak against the API on loopback.

    python backend/benchmarks/load_test.py --model-dir models/reference       # starts its own server
    python backend/benchmarks/load_test.py --url http://127.0.0.1:8000         # an API already running

Phases, each bounded in requests and time:
  hostile  malformed images, bombs and misbehaving clients (benchmarks/hostile.py): status, RSS, /health
  clients  1, 2, 4, ... 64 clients sending a 224x224 JPEG back to back (25 requests each): 200s, 503s,
           p50, p99, good answers per second, peak RSS and /health meanwhile, plotted against clients
  burst    --burst uploads at once (50) while another thread polls /health every 50 ms
  soak     --soak uploads (10,000) with --soak-concurrency in flight, RSS sampled every half second
Only loopback addresses are accepted. Without --url the server is `python -m app.server` (the production
entry point) on a free port. The server's RSS is read from /proc: its own process, or the one listening on
the --url port (or --pid). Results go to --output (JSON), --report (Markdown) and the plot beside them (PNG).
The report ends with the bars the server is held to, each met or not.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

BENCHMARKS_DIR = Path(__file__).resolve().parent
BACKEND_DIR = BENCHMARKS_DIR.parent
REPO_DIR = BACKEND_DIR.parent
sys.path.insert(0, str(BACKEND_DIR))

from hostile import run_battery  # noqa: E402
from serve_benchmark import (  # noqa: E402
    CLIENT_LEVELS,
    LEVEL_HEADER,
    HealthPoller,
    RssSampler,
    free_port,
    generated_jpeg,
    level_row,
    machine_facts,
    plot_levels,
    rss_mb,
    run_level,
    stop,
    wait_healthy,
)

from app.core.config import Settings  # noqa: E402
from app.server import command_line  # noqa: E402
from skin_classifier.serving.machine import packages_text  # noqa: E402

PHASES = ("hostile", "clients", "burst", "soak")
# A 512 MB host (Render's free tier) must survive all of it.
RSS_LIMIT_MB = 512
# What the clients phase must show: no shedding up to 16 clients, throughput that rises with them, a short p99.
NO_SHEDDING_UP_TO = 16
SPEED_UP = 1.2
P99_LIMIT_MS = 500
HEALTH_LIMIT_MS = 100
BURST_LIMIT_S = 3.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running API on loopback (default: start one)")
    parser.add_argument("--pid", type=int, help="the running API's process id, for RSS (default: found by port)")
    parser.add_argument(
        "--model-dir", type=Path, default=REPO_DIR / "models" / "reference", help="artifact the started server serves"
    )
    parser.add_argument("--runtime", default="auto", help="MODEL_RUNTIME of the started server")
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--clients", type=int, nargs="+", default=list(CLIENT_LEVELS), help="clients phase levels")
    parser.add_argument("--per-client", type=int, default=25, help="requests per client in the clients phase")
    parser.add_argument("--clients-image-side", type=int, default=224, help="side of the clients phase's JPEG")
    parser.add_argument("--burst", type=int, default=50, help="uploads sent at once")
    parser.add_argument("--soak", type=int, default=10_000, help="uploads in the soak")
    parser.add_argument("--soak-concurrency", type=int, default=4, help="uploads in flight during the soak")
    parser.add_argument("--image-side", type=int, default=1024, help="side of the generated lesion-like JPEG")
    parser.add_argument(
        "--quick-hostile",
        action="store_true",
        help="skip the slow-client cases (idle connections, trickled headers and body: ~50 s)",
    )
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="the soak stops sending after this")
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds to wait for /health")
    parser.add_argument("--note", help="a sentence for the report (e.g. what else ran on the machine)")
    parser.add_argument("--output", type=Path, default=REPO_DIR / "docs" / "load-test.json")
    parser.add_argument("--report", type=Path, default=REPO_DIR / "docs" / "load-test.md")
    args = parser.parse_args(argv)
    if args.url:
        host = urlsplit(args.url).hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            parser.error(f"--url must be a loopback address (127.0.0.0/8, ::1 or localhost), not {host!r}")
    for name in ("burst", "soak", "soak_concurrency", "per_client"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def listening_pid(port: int) -> int | None:
    """The process that listens on this TCP port (Linux /proc), if it is ours to see."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    return None


def percentiles(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    values = np.array(seconds) * 1000
    p50, p99 = np.percentile(values, [50, 99])
    return {"p50_ms": round(float(p50), 1), "p99_ms": round(float(p99), 1), "max_ms": round(float(values.max()), 1)}


def outcome_of(response: httpx.Response | None, error: Exception | None) -> str:
    return str(response.status_code) if response is not None else type(error).__name__


async def burst(base_url: str, image: bytes, count: int, timeout: float) -> dict[str, Any]:
    """`count` uploads at once; the answers, their latencies by status, and /health meanwhile."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    results: list[tuple[str, float]] = []

    async def one(client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        response, error = None, None
        try:
            response = await client.post(f"{base_url}/predict", files={"file": ("lesion.jpg", image, "image/jpeg")})
        except httpx.HTTPError as caught:
            error = caught
        results.append((outcome_of(response, error), time.perf_counter() - started))

    with HealthPoller(base_url) as health:
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
            await asyncio.gather(*(one(client) for _ in range(count)))
        wall = time.perf_counter() - started
    statuses = Counter(outcome for outcome, _ in results)
    return {
        "requests": count,
        "wall_s": round(wall, 2),
        "statuses": dict(statuses),
        "shed_rate": round(statuses.get("503", 0) / count, 3),
        "ok": percentiles([seconds for outcome, seconds in results if outcome == "200"]),
        "shed": percentiles([seconds for outcome, seconds in results if outcome == "503"]),
        "health": {"polls": len(health.latencies), "statuses": dict(health.outcomes), **percentiles(health.latencies)},
    }


async def soak(
    base_url: str, image: bytes, total: int, concurrency: int, timeout: float, max_seconds: float
) -> dict[str, Any]:
    """`total` uploads, `concurrency` in flight, until done or `max_seconds` have passed."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: dict[str, list[float]] = {}
    pending = iter(range(total))
    deadline = time.perf_counter() + max_seconds
    sent = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        for _ in pending:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            response, error = None, None
            try:
                response = await client.post(f"{base_url}/predict", files={"file": ("lesion.jpg", image, "image/jpeg")})
            except httpx.HTTPError as caught:
                error = caught
            latencies.setdefault(outcome_of(response, error), []).append(time.perf_counter() - started)
            sent += 1
            if sent % 1000 == 0:
                print(f"  soak: {sent:,}/{total:,} requests", flush=True)

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    wall = time.perf_counter() - started
    statuses = {outcome: len(values) for outcome, values in latencies.items()}
    return {
        "requests": sent,
        "planned": total,
        "stopped_early": sent < total,
        "concurrency": concurrency,
        "wall_s": round(wall, 1),
        "throughput_rps": round(statuses.get("200", 0) / wall, 2) if wall else None,
        "statuses": statuses,
        "shed_rate": round(statuses.get("503", 0) / sent, 4) if sent else None,
        "ok": percentiles(latencies.get("200", [])),
        "shed": percentiles(latencies.get("503", [])),
    }


def server_settings() -> dict[str, Any]:
    """The limits the server runs with: the defaults, or this environment's overrides (a started server's)."""
    settings = Settings()
    names = (
        "max_upload_bytes",
        "max_image_pixels",
        "decode_budget_mb",
        "inference_threads",
        "decode_threads",
        "max_queue_wait_s",
        "max_queued_uploads",
        "max_queued_upload_mb",
        "max_batch_size",
        "batch_window_ms",
        "body_timeout_s",
        "body_min_rate",
        "header_timeout_s",
        "keep_alive_timeout_s",
        "shutdown_timeout_s",
        "max_connections",
    )
    return {name: getattr(settings, name) for name in names}


def rss_summary(samples: list[tuple[float, float]], start: float | None, end: float | None) -> dict[str, Any]:
    return {
        "start_mb": start,
        "end_mb": end,
        "peak_mb": max((value for _, value in samples), default=None),
        "samples": len(samples),
        "growth_mb": round(end - start, 1) if start and end else None,
    }


MS_KEYS = ("p50_ms", "p99_ms", "max_ms")


def dash(value: Any) -> str:
    return "–" if value is None else str(value)


def markdown(result: dict[str, Any]) -> str:
    machine, settings = result["machine"], result["server_settings"]
    lines = [
        "# Load test",
        "",
        "Written by `backend/benchmarks/load_test.py` (`make load`); the JSON beside it has every figure.",
        "",
        f"- Command: `{result['command']}`",
        f"- Server: `{result['server_command']}`" if result.get("server_command") else f"- Server: {result['url']}",
        (
            f"- Date: {result['started_at']}; machine: {machine['cpu']}, {machine['usable_cores']} usable cores, "
            f"{machine.get('memory_gb')} GB; Python {machine['python']} on {machine['platform']}"
        ),
        f"- Packages: {packages_text(machine.get('packages', {}))}",
        (
            f"- Model: {result['server'].get('model_version')} ({result['server'].get('runtime')}); upload: "
            f"{result['image']['bytes']:,}-byte JPEG, {result['image']['side']} px square"
        ),
        "- Limits: " + ", ".join(f"{name.upper()}={value}" for name, value in settings.items()),
        (
            f"- Load average (1, 5, 15 min): {result['load_average']['start']} at the start, "
            f"{result['load_average'].get('end')} at the end, on {machine['usable_cores']} cores"
        ),
        *([f"- Note: {result['note']}"] if result.get("note") else []),
        "",
        (
            f"Server RSS: {result['rss_start_mb']} MB at start (after 5 warm-up uploads), {result['rss_end_mb']} MB at "
            f"the end; high-water mark {result['rss_hwm_mb']} MB over the whole run, start-up included (limit "
            f"{RSS_LIMIT_MB} MB)."
        ),
    ]
    if result.get("bars"):
        lines += ["", "## Bars", "", "| bar | measured | met |", "|---|---|---|"]
        lines += [
            f"| {row['bar']} | {row['measured']} | {'yes' if row['met'] else '**no**'} |" for row in result["bars"]
        ]
    if "clients" in result:
        clients = result["clients"]
        lines += [
            "",
            "## Clients sending back to back",
            "",
            (
                f"Each client sends a {clients['image']['bytes']:,}-byte {clients['image']['side']}x"
                f"{clients['image']['side']} JPEG, then the next as soon as the answer arrives. Latencies are "
                "of the 200s; a 503 is the queue refusing a request whose expected wait is over MAX_QUEUE_WAIT_S."
            ),
            "",
            LEVEL_HEADER + " /health max ms |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [f"{level_row(level)} {level['health']['max_ms']} |" for level in clients["levels"]]
        if clients.get("plot"):
            lines += ["", f"![Answers per second and p99 latency against clients]({clients['plot']})"]
    if "hostile" in result:
        lines += [
            "",
            "## Hostile battery",
            "",
            "| case | answer | s | RSS MB after | /health after |",
            "|---|---|---:|---:|---|",
        ]
        for row in result["hostile"]["cases"]:
            peak = f" (peak {row['peak_rss_mb']})" if row.get("peak_rss_mb") else ""
            held = f" (held {row['held_rss_mb']})" if row.get("held_rss_mb") else ""
            lines.append(
                f"| {row['case']} | {row['outcome']} | {row['seconds']} | {row['rss_mb']}{peak}{held} | "
                f"{row['health']} in {row['health_ms']} ms |"
            )
    if "burst" in result:
        burst_result = result["burst"]
        lines += [
            "",
            f"## Burst: {burst_result['requests']} uploads at once",
            "",
            (
                f"Answers: {burst_result['statuses']} in {burst_result['wall_s']} s; shed rate "
                f"{burst_result['shed_rate']:.0%}."
            ),
            "",
            "| | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|",
        ]
        for name, label in (("ok", "200 (classified)"), ("shed", "503 (shed)"), ("health", "/health meanwhile")):
            lines.append(f"| {label} | " + " | ".join(dash(burst_result[name][key]) for key in MS_KEYS) + " |")
    if "soak" in result:
        soak_result = result["soak"]
        rss = soak_result["rss"]
        lines += [
            "",
            f"## Soak: {soak_result['requests']:,} uploads, {soak_result['concurrency']} in flight",
            "",
            f"Answers: {soak_result['statuses']} in {soak_result['wall_s']} s "
            f"({soak_result['throughput_rps']} classified/s); shed rate {soak_result['shed_rate']}"
            + (" (stopped early at --max-seconds)" if soak_result["stopped_early"] else "")
            + ".",
            "",
            "| | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|",
        ]
        for name, label in (("ok", "200 (classified)"), ("shed", "503 (shed)")):
            lines.append(f"| {label} | " + " | ".join(dash(soak_result[name][key]) for key in MS_KEYS) + " |")
        lines += [
            "",
            f"RSS during the soak: {rss['start_mb']} MB at start, {rss['end_mb']} MB at the end "
            f"({rss['growth_mb']:+} MB), peak {rss['peak_mb']} MB."
            if rss["growth_mb"] is not None
            else "",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def run(args: argparse.Namespace, base_url: str, pid: int | None, result: dict[str, Any]) -> None:
    image = generated_jpeg(args.image_side)
    result["image"] = {"side": args.image_side, "bytes": len(image)}
    rss = (lambda: rss_mb(pid)) if pid else (lambda: None)
    for _ in range(5):  # warm-up, unmeasured
        httpx.post(f"{base_url}/predict", files={"file": ("lesion.jpg", image)}, timeout=args.request_timeout)
    result["rss_start_mb"] = rss()
    with RssSampler(pid, 0.25) as sampler:
        if "hostile" in args.phases:
            print("hostile battery:", flush=True)
            keep_alive = result["server_settings"]["keep_alive_timeout_s"]
            first_sample = len(sampler.samples)
            cases = run_battery(base_url, rss, keep_alive, slow=not args.quick_hostile)
            peak = max((value for _, value in sampler.samples[first_sample:]), default=None)
            result["hostile"] = {"cases": cases, "peak_rss_mb": peak, "hwm_mb": rss_mb(pid, "VmHWM") if pid else None}
        if "clients" in args.phases:
            print(f"clients back to back ({args.per_client} requests each):", flush=True)
            small = generated_jpeg(args.clients_image_side)
            result["clients"] = {"image": {"side": args.clients_image_side, "bytes": len(small)}, "levels": []}
            for clients in args.clients:
                level = asyncio.run(
                    run_level(
                        f"{base_url}/predict",
                        small,
                        clients,
                        args.per_client * clients,
                        warmup=0,
                        request_timeout=args.request_timeout,
                        level_timeout=args.max_seconds,
                        pid=pid,
                    )
                )
                result["clients"]["levels"].append(level)
                print("  " + level_row(level), flush=True)
            plot = args.output.with_suffix(".png")
            title = f"POST /predict, {result['server'].get('runtime')}, {len(small):,}-byte JPEG"
            plot_levels(result["clients"]["levels"], plot, title)
            result["clients"]["plot"] = plot.name
        if "burst" in args.phases:
            print(f"burst of {args.burst}:", flush=True)
            result["burst"] = asyncio.run(burst(base_url, image, args.burst, args.request_timeout))
            print(f"  {result['burst']['statuses']}, /health max {result['burst']['health']['max_ms']} ms", flush=True)
        if "soak" in args.phases:
            print(f"soak of {args.soak:,}:", flush=True)
            soak_start, first_sample = rss(), len(sampler.samples)
            result["soak"] = asyncio.run(
                soak(base_url, image, args.soak, args.soak_concurrency, args.request_timeout, args.max_seconds)
            )
            result["soak"]["rss"] = rss_summary(sampler.samples[first_sample:], soak_start, rss())
    result["rss_end_mb"] = rss()
    result["rss_hwm_mb"] = rss_mb(pid, "VmHWM") if pid else None  # the kernel's own peak: nothing missed
    result["rss_peak_sampled_mb"] = sampler.peak()
    result["rss_samples"] = sampler.samples
    result["load_average"]["end"] = [round(value, 2) for value in os.getloadavg()]
    result["bars"] = bars(result)


def bars(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each bar the server is held to, with what was measured and whether it holds."""
    checks: list[dict[str, Any]] = []

    def check(name: str, measured: str, met: bool) -> None:
        checks.append({"bar": name, "measured": measured, "met": met})

    levels = {level["concurrency"]: level for level in result.get("clients", {}).get("levels", [])}
    one = levels.get(1, {}).get("throughput_rps")
    for clients in (8, NO_SHEDDING_UP_TO):
        level = levels.get(clients)
        if level is None or not one:
            continue
        speed_up = level["throughput_rps"] / one
        check(
            f"{clients} clients: 0 x 503, {SPEED_UP}x one client's answers per second, p99 <= {P99_LIMIT_MS} ms",
            f"{level['shed']} x 503, {speed_up:.2f}x ({level['throughput_rps']} vs {one}/s), p99 {level['p99_ms']} ms",
            level["shed"] == 0 and speed_up >= SPEED_UP and (level["p99_ms"] or 0) <= P99_LIMIT_MS,
        )
    if levels:
        crowd = levels[max(levels)]
        other = {reason: count for reason, count in crowd["failures"].items() if reason != "503"}
        missing = crowd["retry_after_s"].get("missing", 0)
        check(
            f"{max(levels)} clients: only 200 or 503 with Retry-After; /health <= {HEALTH_LIMIT_MS} ms; "
            f"RSS <= {RSS_LIMIT_MB} MB",
            f"{crowd['ok']} x 200, {crowd['shed']} x 503 ({missing} without Retry-After), other {other or 'none'}; "
            f"/health max {crowd['health']['max_ms']} ms; peak RSS {crowd['peak_rss_mb']} MB",
            not other
            and not missing
            and crowd["health"]["max_ms"] <= HEALTH_LIMIT_MS
            and (crowd["peak_rss_mb"] or 0) <= RSS_LIMIT_MB,
        )
    if "burst" in result:
        burst_result = result["burst"]
        all_ok = burst_result["statuses"] == {"200": burst_result["requests"]}
        check(
            f"a burst of {burst_result['requests']}: all 200 within {BURST_LIMIT_S} s",
            f"{burst_result['statuses']} in {burst_result['wall_s']} s",
            all_ok and burst_result["wall_s"] <= BURST_LIMIT_S,
        )
    if "hostile" in result:
        cases = result["hostile"]["cases"]
        errors = [row["case"] for row in cases if "500" in str(row["outcome"])]
        unhealthy = [row["case"] for row in cases if row["health"] != 200]
        peak = result["hostile"]["hwm_mb"] or result["hostile"]["peak_rss_mb"] or 0
        check(
            f"hostile battery: 0 x 500, peak RSS <= {RSS_LIMIT_MB} MB, healthy after every case",
            f"{len(errors)} x 500, peak RSS {peak} MB (start-up included), unhealthy after {unhealthy or 'none'}",
            not errors and peak <= RSS_LIMIT_MB and not unhealthy,
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops a started server
    result: dict[str, Any] = {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "note": args.note,
        "machine": machine_facts(),
        # Other work on the machine shapes every figure: 1, 5 and 15 minute load averages.
        "load_average": {"start": [round(value, 2) for value in os.getloadavg()]},
    }
    process = None
    with tempfile.TemporaryFile() as log:
        try:
            if args.url:
                base_url = args.url.rstrip("/")
                pid = args.pid or listening_pid(urlsplit(base_url).port or 80)
                result.update(
                    url=base_url,
                    server=httpx.get(f"{base_url}/health", timeout=10).json(),
                    server_settings=server_settings(),
                )
            else:
                port = free_port()
                base_url = f"http://127.0.0.1:{port}"
                command = command_line("127.0.0.1", port)
                env = {
                    **os.environ,
                    "MODEL_DIR": str(args.model_dir.resolve()),
                    "MODEL_RUNTIME": args.runtime,
                    "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
                }
                result.update(server_command=shlex.join(["python", *command[1:]]), server_settings=server_settings())
                process = subprocess.Popen(command, cwd=BACKEND_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
                try:
                    result["server"] = wait_healthy(base_url, process, args.startup_timeout)
                except (RuntimeError, TimeoutError) as error:
                    print(f"The server did not become healthy: {error}", file=sys.stderr)
                    return 1
                pid = process.pid
            run(args, base_url, pid, result)
        finally:
            if process is not None:
                stop(process)
                log.seek(0)
                tail = log.read().decode(errors="replace").splitlines()[-20:]
                result["server_log_tail"] = tail
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    args.report.write_text(markdown(result), encoding="utf-8")
    print(f"wrote {args.output} and {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
