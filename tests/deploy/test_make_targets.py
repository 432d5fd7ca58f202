"""The Makefile's commands are discoverable, and pre-commit runs the same checks as `make lint`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read .pre-commit-config.yaml")

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"


def recipes() -> dict[str, list[str]]:
    """Each target the Makefile defines by name (not the files it builds), with its recipe lines."""
    targets: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([a-z][a-z0-9-]*):(?!=)", line)
        if match:
            current = targets.setdefault(match.group(1), [])
        elif line.startswith("\t") and current is not None:
            current.append(line.strip())
        elif not line.startswith("\t"):
            current = None
    return targets


def test_make_help_lists_every_target() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    listed = subprocess.run(
        ["make", "--no-print-directory", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    shown = {line.split()[1] for line in listed.splitlines() if line.strip().startswith("make ")}
    assert shown == set(recipes()), f"not in `make help`: {set(recipes()) - shown}; unknown: {shown - set(recipes())}"


def test_lint_runs_python_and_frontend_checks() -> None:
    prerequisites = re.search(r"^lint:([^#\n]*)", MAKEFILE.read_text(encoding="utf-8"), re.M)
    assert prerequisites and set(prerequisites.group(1).split()) == {"lint-lock", "lint-python", "lint-frontend"}
    python = recipes()["lint-python"]
    assert python == ["$(PY) -m ruff check .", "$(PY) -m ruff format --check .", "$(PY) -m mypy"]
    assert recipes()["typecheck"] == ["$(PY) -m mypy"]


def test_pre_commit_runs_what_make_lint_runs() -> None:
    """Each pre-commit hook is one command of `make lint` (files as pre-commit passes them, not `.`)."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    entries = [hook["entry"].replace(".venv/bin/python", "$(PY)") for hook in hooks]
    expected = (
        ["make lint-lock"] + [line.removesuffix(" .") for line in recipes()["lint-python"]] + ["make lint-frontend"]
    )
    assert entries == expected
