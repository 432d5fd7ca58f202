"""Facts about the machine: the CPUs this process may really use (what runtimes size their threads by), and
the description recorded beside every measured figure (training, benchmarks)."""

from __future__ import annotations

import contextlib
import math
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

CGROUP_ROOT = Path("/sys/fs/cgroup")
# What a model's figures depend on beyond the code: the framework that trains and converts it, the runtimes that
# serve it, and the array and image libraries (uv.lock pins them; a report names the ones it ran with).
MODEL_PACKAGES = ("tensorflow-cpu", "tensorflow", "keras", "onnxruntime", "ai-edge-litert", "numpy", "pillow")


def cgroup_cpu_quota(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota of this process's cgroup in CPUs (v2 `cpu.max`, or v1 CFS quota), None if unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]  # cgroup v2: "max 100000" or "150000 100000"
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())  # cgroup v1: -1 means no quota
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


def available_cpus(root: Path = CGROUP_ROOT) -> int:
    """CPUs in this process's affinity mask, capped by its cgroup quota (rounded up); at least 1.

    In a container that is often fewer than the host has, which is what `os.cpu_count` reports.
    """
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    quota = cgroup_cpu_quota(root)
    if quota is not None:
        count = min(count, math.ceil(quota))
    return max(1, count)


def cpu_name() -> str:
    """The CPU model as the kernel reports it, or the best guess the platform module has."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def memory_gb() -> float | None:
    """Total memory in GiB (Linux), None elsewhere."""
    try:
        kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        return None
    return round(kb / 2**20, 1)


def package_versions(packages: tuple[str, ...] = MODEL_PACKAGES) -> dict[str, str]:
    """The version of each of `packages` installed in this environment (those not installed left out), so that
    a report says which releases produced its figures."""
    versions = {}
    for package in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


def packages_text(versions: dict[str, str]) -> str:
    """`tensorflow-cpu 2.21.0, keras 3.15.1, ...` for a Markdown report; "not recorded" for older reports."""
    return ", ".join(f"{name} {version}" for name, version in versions.items()) or "not recorded"


def machine_facts(packages: tuple[str, ...] = MODEL_PACKAGES) -> dict[str, Any]:
    """What a measured figure depends on: CPU, cores (all, and usable here), memory, Python, package versions."""
    versions = package_versions(packages)
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "usable_cores": available_cpus(),
        "memory_gb": memory_gb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
    }
