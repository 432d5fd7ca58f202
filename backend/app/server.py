"""Run the API for the open internet: `python -m app.server app.main:app [uvicorn options]`.

This is uvicorn's own command line with safer defaults, taken from the settings (an option given on the
command line still wins): the hardened protocol (idle and header deadlines), the keep-alive timeout, a
bounded graceful shutdown, a cap on connections, and no `server` header. It also asks glibc's allocator to
give large freed blocks back to the system, so memory used by one big decode is not kept by the process.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from uvicorn.main import main as uvicorn_command

from app.core.config import Settings

PROTOCOL = "app.core.protocol:HardenedHttpToolsProtocol"
# mallopt(3) parameters: allocations of 16 MiB and more get their own mapping, unmapped when freed; few arenas.
# Pillow holds a decoded picture in blocks of exactly 16 MiB, so a big decode's memory goes back to the system.
# ONNX Runtime's activations (a few MB each, allocated afresh every run: its arena is off) stay below it and are
# reused from the heap: at 1 MiB they were mapped and zero-filled anew on every run, which cost the two-model
# ensemble 3.8 ms of its 14 ms forward pass and the mirror-image ensemble 6 ms.
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8
MMAP_THRESHOLD_BYTES = 16 << 20
MALLOC_ARENAS = 2


def command_line(host: str, port: int) -> list[str]:
    """How to start this server from Python, as the Docker image does (for benchmarks and tests)."""
    return [sys.executable, "-m", "app.server", "app.main:app", "--host", host, "--port", str(port), "--no-access-log"]


def uvicorn_defaults(settings: Settings) -> dict[str, Any]:
    """uvicorn option names (as its command line calls them) and the values this server uses."""
    return {
        "http": PROTOCOL,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "timeout_graceful_shutdown": settings.shutdown_timeout_s,
        "limit_concurrency": settings.max_connections,
        "server_header": False,
    }


def return_freed_memory() -> bool:
    """Tune glibc malloc (Linux); True if it took the settings. Elsewhere it does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS))


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    return_freed_memory()
    uvicorn_command.main(
        args=sys.argv[1:] if argv is None else argv,
        prog_name="python -m app.server",
        default_map=uvicorn_defaults(settings),
    )


if __name__ == "__main__":
    main()
