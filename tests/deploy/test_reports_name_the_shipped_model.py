"""Every committed report about the served model names the model that is served: a report measured on another
model (an earlier build, a teacher) is a stale figure, however right it once was."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = json.loads((ROOT / "models" / "reference" / "manifest.json").read_text(encoding="utf-8"))["model_version"]
# Reports of one model each: the reference model's benchmarks and the API's load test. (The lever table names
# every build it compares, row by row, and is not a report of one model.)
REPORT_FOLDERS = (ROOT / "models" / "reference" / "benchmarks", ROOT / "docs")
MODEL_VERSION_IN_TEXT = re.compile(r"model version `([0-9a-f]{12})`")
# Reports that compare several builds, each row named: not reports of the served model alone.
COMPARISONS = {"levers", "ensemble_tta", "backbones", "recipe_search"}


def model_versions(content: object) -> list[str]:
    """Every `model_version` value in a JSON document, at any depth (a load test names the server's)."""
    if isinstance(content, dict):
        return [
            found
            for key, value in content.items()
            for found in ([str(value)] if key == "model_version" else model_versions(value))
        ]
    if isinstance(content, list):
        return [found for value in content for found in model_versions(value)]
    return []


def test_every_single_model_report_names_the_shipped_model() -> None:
    checked = 0
    for folder in REPORT_FOLDERS:
        reports = [report for report in sorted(folder.iterdir()) if report.stem not in COMPARISONS]
        for report in (report for report in reports if report.suffix == ".json"):
            for version in model_versions(json.loads(report.read_text(encoding="utf-8"))):
                assert version == SHIPPED, f"{report.relative_to(ROOT)} describes {version}, not {SHIPPED}"
                checked += 1
        for report in (report for report in reports if report.suffix == ".md"):
            for version in MODEL_VERSION_IN_TEXT.findall(report.read_text(encoding="utf-8")):
                assert version == SHIPPED, f"{report.relative_to(ROOT)} describes {version}, not {SHIPPED}"
                checked += 1
    assert checked >= 3  # the serving, runtime and load-test reports at least


def test_the_model_card_names_the_shipped_model() -> None:
    card = (ROOT / "models" / "reference" / "README.md").read_text(encoding="utf-8")
    assert f"Model version `{SHIPPED}`" in card


def test_the_readme_figures_are_the_served_models() -> None:
    """The README's block of figures is what `reference_figures` writes from the served model's files now."""
    from skin_classifier.reference_figures import END, START, figures_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1
    block = readme.split(START, 1)[1].split(END, 1)[0]
    expected = figures_markdown(ROOT / "models" / "reference", ROOT / "docs" / "load-test.json")
    assert block.strip() == expected.strip(), (
        "run `python -m skin_classifier.reference_figures models/reference README.md`"
    )
