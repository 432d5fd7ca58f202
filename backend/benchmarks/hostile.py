"""The hostile battery: malformed images, decompression bombs and misbehaving clients, one case at a time.

Used by load_test.py against a server on loopback. Each case records the status the client saw (or the
transport error: "reset", "closed"), how long it took, then the server's resident memory and whether /health
still answers. Image files come from tests/images.py, the same builders the regression tests use.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # backend/: the `tests` package

from tests import images


def strip_png(width: int, height: int) -> bytes:
    """A one-colour PNG of extreme aspect ratio: a few hundred bytes that checks scaling its short side up
    would turn into gigabytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 120)).save(buffer, "PNG")
    return buffer.getvalue()


# Upload cases: name, file builder. Expected: 4xx for all but the three that are valid images.
IMAGE_CASES: list[tuple[str, Callable[[], bytes]]] = [
    ("valid JPEG 640x480", lambda: images.jpeg(640, 480)),
    ("valid HEIC 1024x768", lambda: images.heic(1024, 768)),
    ("WebP bomb, 38 B, 60 Mpx", images.webp_bomb),
    ("16-bit PNG bomb, 115 kB, 60 Mpx", images.png16_bomb),
    ("palette PNG bomb, 58 kB, 60 Mpx", images.palette_png_bomb),
    ("bilevel PNG bomb, 100 Mpx", images.decompression_bomb_png),
    ("PNG 60000x1", lambda: strip_png(60000, 1)),
    ("PNG 1x60000", lambda: strip_png(1, 60000)),
    ("PNG zTXt bomb", images.png_ztxt_bomb),
    ("BMP unknown compression", images.bmp_unknown_compression),
    ("PNG truncated IHDR", images.png_truncated_ihdr),
    ("WebP frame outside canvas", images.webp_frame_outside_canvas),
    ("JPEG mistyped EXIF (struct.error)", images.jpeg_with_mistyped_exif),
    ("JPEG cut in headers", images.jpeg_cut_in_headers),
    ("JPEG truncated in pixels", images.truncated_jpeg),
    ("GIF", images.animated_gif),
    ("TIFF", images.tiff),
    ("text named .jpg", lambda: b"just some text\n" * 100),
    ("empty file", lambda: b""),
]


def iphone_heic() -> bytes:
    """A 24-megapixel HEIC (5712x4284, recent iPhones' default), one colour so that it encodes in seconds."""
    buffer = io.BytesIO()
    Image.new("RGB", (5712, 4284), (200, 150, 120)).save(buffer, "HEIF", quality=50)
    return buffer.getvalue()


class Battery:
    def __init__(self, base_url: str, rss: Callable[[], float | None], keep_alive_s: float = 5.0) -> None:
        self.base_url = base_url
        self.host, self.port = base_url.removeprefix("http://").split(":")
        self.port = int(self.port)
        self.rss = rss
        self.keep_alive_s = keep_alive_s
        self.results: list[dict[str, Any]] = []

    # --- plumbing ---------------------------------------------------------------------------------------

    def health(self) -> tuple[int | str, float]:
        started = time.perf_counter()
        try:
            status: int | str = httpx.get(f"{self.base_url}/health", timeout=10).status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        return status, round((time.perf_counter() - started) * 1000, 1)

    def record(self, name: str, outcome: Any, seconds: float, **extra: Any) -> None:
        health_status, health_ms = self.health()
        row = {
            "case": name,
            "outcome": outcome,
            "seconds": round(seconds, 2),
            "rss_mb": self.rss(),
            "health": health_status,
            "health_ms": health_ms,
            **extra,
        }
        self.results.append(row)
        print(
            f"  {name:42s} {outcome!s:28s} {row['seconds']:6.2f} s  rss {row['rss_mb']} MB  "
            f"health {health_status} ({health_ms} ms)",
            flush=True,
        )

    def upload(self, data: bytes, name: str = "upload.jpg", timeout: float = 60) -> int | str:
        try:
            return httpx.post(f"{self.base_url}/predict", files={"file": (name, data)}, timeout=timeout).status_code
        except httpx.HTTPError as error:
            return type(error).__name__

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=30)

    @staticmethod
    def head(length: int | None) -> bytes:
        size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
        return (
            f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b0undary"
            f"\r\n{size}\r\n\r\n"
        ).encode()

    FILE_PART = b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'

    @staticmethod
    def read_status(sock: socket.socket) -> int | str:
        """The status line of the answer, or what went wrong reading it."""
        try:
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return "closed"
                data += chunk
            return int(data.split()[1])
        except ConnectionResetError:
            return "reset"
        except TimeoutError:
            return "timeout"

    # --- cases ------------------------------------------------------------------------------------------

    def image_cases(self) -> None:
        for name, build in IMAGE_CASES:
            data = build()
            started = time.perf_counter()
            self.record(name, self.upload(data), time.perf_counter() - started, bytes=len(data))

    def at_once(self, name: str, build: Callable[[], bytes], count: int = 3) -> None:
        data = build()
        peak = [self.rss() or 0.0]
        started = time.perf_counter()
        with ThreadPoolExecutor(count + 1) as pool:
            futures = [pool.submit(self.upload, data) for _ in range(count)]
            while not all(future.done() for future in futures):
                peak.append(self.rss() or 0.0)
                time.sleep(0.02)
        outcomes = sorted(str(future.result()) for future in futures)
        self.record(name, ", ".join(outcomes), time.perf_counter() - started, peak_rss_mb=max(peak))

    def oversized(self, size: int = 50 * 2**20) -> None:
        """A 50 MB upload: does the client get to send it and read the 413, or is it cut off mid-body?

        The headers go first and the body after a pause, so the server has answered before the body arrives.
        A server that then closes makes the sender fail (EPIPE or reset): clients such as `requests` report
        that, not the 413.
        """
        started = time.perf_counter()
        with self.connect() as sock:
            sock.sendall(self.head(size + len(self.FILE_PART)) + self.FILE_PART)
            time.sleep(0.3)
            sending = "body sent"
            try:
                chunk = b"\0" * 2**20
                for _ in range(size // len(chunk)):
                    sock.sendall(chunk)
            except OSError as error:
                sending = f"send failed: {type(error).__name__}"
            outcome = f"{self.read_status(sock)}, {sending}"
        self.record("50 MB upload (raw socket)", outcome, time.perf_counter() - started)
        started = time.perf_counter()
        self.record("50 MB upload with httpx", self.upload(b"\0" * size), time.perf_counter() - started)

    def many_files(self) -> None:
        part = self.FILE_PART + b"x\r\n"
        body = part * 1000 + b"--b0undary--\r\n"
        started = time.perf_counter()
        status = httpx.post(
            f"{self.base_url}/predict",
            content=body,
            timeout=30,
            headers={"content-type": "multipart/form-data; boundary=b0undary"},
        ).status_code
        self.record("1,000 files in one request", status, time.perf_counter() - started)

    def idle_connections(self, count: int = 20) -> None:
        sockets = [self.connect() for _ in range(count)]
        started = time.perf_counter()
        time.sleep(self.keep_alive_s + 3)
        open_count = 0
        for sock in sockets:
            sock.setblocking(False)
            try:
                open_count += sock.recv(1) != b""
            except BlockingIOError:
                open_count += 1  # nothing to read and not closed: still open
            except OSError:
                pass
            sock.close()
        self.record(
            f"{count} idle connections",
            f"{open_count} still open after {self.keep_alive_s + 3:.0f} s",
            time.perf_counter() - started,
        )

    def slow_headers(self) -> None:
        started = time.perf_counter()
        with self.connect() as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            outcome: int | str = "accepted"
            for _ in range(30):  # one header line a second, for up to 30 s
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    outcome = self.read_status(sock)
                    break
                time.sleep(1)
        self.record("headers trickled 1 line/s", outcome, time.perf_counter() - started)

    def slow_body(self) -> None:
        started = time.perf_counter()
        with self.connect() as sock:
            sock.sendall(self.head(100_000) + self.FILE_PART)
            outcome: int | str = "accepted"
            for _ in range(60):  # 10 bytes a second, for up to 60 s
                try:
                    sock.sendall(b"x" * 10)
                except OSError:
                    outcome = self.read_status(sock)
                    break
                time.sleep(1)
        self.record("body trickled 10 B/s", outcome, time.perf_counter() - started)

    def held_uploads(self, count: int = 20, size: int = int(9.9 * 2**20)) -> None:
        """`count` clients each send a 9.9 MB upload but its last byte; how much memory do they hold?"""
        body = self.FILE_PART + b"\0" * size + b"\r\n--b0undary--\r\n"
        sockets, statuses = [], []
        started = time.perf_counter()
        for _ in range(count):
            sock = self.connect()
            with contextlib.suppress(OSError):
                sock.sendall(self.head(len(body)) + body[:-1])
            sockets.append(sock)
        time.sleep(2)
        held_rss = self.rss()
        for sock in sockets:
            sock.setblocking(False)
            try:
                data = sock.recv(4096)
                statuses.append(int(data.split()[1]) if data else "closed")
            except BlockingIOError:
                statuses.append("held")
            except OSError:
                statuses.append("reset")
            sock.close()
        counts = Counter(map(str, statuses))
        summary = ", ".join(f"{counts[outcome]}x {outcome}" for outcome in sorted(counts))
        self.record(f"{count} held 9.9 MB uploads", summary, time.perf_counter() - started, held_rss_mb=held_rss)

    def run(self, slow: bool = True) -> list[dict[str, Any]]:
        self.image_cases()
        self.at_once("3 x 16-bit PNG bombs at once", images.png16_bomb)
        self.at_once("3 x palette PNG bombs at once (accepted)", images.palette_png_bomb)
        self.at_once("3 x HEIC 24 Mpx at once (accepted)", iphone_heic)
        self.many_files()
        self.oversized()
        self.held_uploads()
        if slow:
            self.idle_connections()
            self.slow_headers()
            self.slow_body()
        return self.results


def run_battery(base_url: str, rss: Callable[[], float | None], keep_alive_s: float, slow: bool) -> list[dict]:
    return Battery(base_url, rss, keep_alive_s).run(slow)
