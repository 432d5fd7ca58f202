"""Who may import what: the API uses only ml's serving modules, and its routes only the app's own modules."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_the_api_uses_only_mls_serving_modules() -> None:
    for path in APP.rglob("*.py"):
        ml = {module for module in imported_modules(path) if module.split(".")[0] == "skin_classifier"}
        assert all(module.startswith("skin_classifier.serving.") for module in ml), (path.name, ml)


def test_routes_import_only_the_app_and_the_web_framework() -> None:
    allowed = {
        "app",
        "fastapi",
        "starlette",
        "pydantic",
        "__future__",
        "logging",
        "typing",
        "importlib",
        "pathlib",
        "collections",
    }
    for path in (APP / "api").rglob("*.py"):
        outside = {module for module in imported_modules(path) if module.split(".")[0] not in allowed}
        assert not outside, (path.name, outside)
