"""The README's tables stay true: every setting is documented, and the layout names every module."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

from app.core.config import Settings
from skin_classifier.serving.runtimes import RUNTIMES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_after(heading: str) -> dict[str, str]:
    """First column (without backticks) -> the whole row, of the first Markdown table after `heading`."""
    rows: dict[str, str] = {}
    lines = README.split(heading, 1)[1].splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("|"))
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        first = line.split("|")[1].strip().strip("`")
        if first not in ("variable", "path") and not set(first) <= set("-"):
            rows[first] = line
    return rows


def test_every_setting_is_in_the_configuration_table() -> None:
    documented = table_after("Backend (read at start-up):")
    assert set(documented) == {name.upper() for name in Settings.model_fields}


def test_documented_defaults_are_the_defaults() -> None:
    """Each number or switch in the table's default column is what Settings uses when the variable is unset."""
    documented = table_after("Backend (read at start-up):")
    checked = 0
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=False)
        if isinstance(default, bool | int | float) and field.default_factory is None:
            shown = re.search(r"`([^`]+)`", documented[name.upper()].split("|")[2])
            assert shown, f"{name.upper()}: no default shown"
            value = shown.group(1)
            assert (value.lower() == str(default).lower()) if isinstance(default, bool) else float(value) == default, (
                f"{name.upper()}: README says {value}, Settings uses {default}"
            )
            checked += 1
    assert checked >= 10


def test_model_runtime_row_covers_every_runtime() -> None:
    """The row's names and patterns (`tflite-*`) cover every runtime of the registry, and name no other."""
    row = table_after("Backend (read at start-up):")["MODEL_RUNTIME"].split("|")[3]
    patterns = set(re.findall(r"`([a-z0-9*-]+)`", row)) - {"auto"}
    assert all(any(fnmatch(name, pattern) for pattern in patterns) for name in RUNTIMES), patterns
    assert all(any(fnmatch(name, pattern) for name in RUNTIMES) for pattern in patterns if "-" in pattern), patterns


def test_layout_table_names_every_module() -> None:
    rows = table_after("## What is inside")
    for package in ("ml/skin_classifier", "ml/skin_classifier/serving", "backend/app"):
        assert f"{package}/" in rows, package
    for module in (ROOT / "ml" / "skin_classifier" / "serving").glob("*.py"):
        if module.stem != "__init__":
            assert f"`{module.stem}`" in rows["ml/skin_classifier/serving/"], module.name
    for module in (ROOT / "ml" / "skin_classifier").glob("*.py"):
        if module.stem != "__init__":
            assert f"`{module.stem}`" in rows["ml/skin_classifier/"], module.name
