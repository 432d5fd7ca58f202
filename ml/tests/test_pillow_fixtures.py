"""The page's copy of the server's pixel arithmetic is tested against pillow-fixtures.json; this holds that file to
what the installed Pillow produces now, so an upgrade that changes a single value fails here, not in a browser."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

GENERATOR = Path(__file__).resolve().parents[2] / "frontend" / "scripts" / "pillow-fixtures.py"
REGENERATE = ".venv/bin/python frontend/scripts/pillow-fixtures.py"


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("pillow_fixtures", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture(scope="module")
def committed(generator):
    return json.loads(generator.FIXTURE_PATH.read_text())


@pytest.fixture(scope="module")
def produced(generator):
    return generator.build_fixture()


def test_every_case_is_what_pillow_produces_now(committed, produced):
    assert [case["name"] for case in committed["cases"]] == [case["name"] for case in produced["cases"]]
    for old, new in zip(committed["cases"], produced["cases"], strict=True):
        changed = sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))
        assert not changed, (
            f"{old['name']}: {', '.join(changed)} changed. If Pillow's arithmetic changed, update the page's copy "
            f"(frontend/src/features/on-device/pixels) to match and run {REGENERATE}."
        )


def test_luma_and_analysis_sizes_are_what_pillow_produces_now(committed, produced):
    assert committed["luma"] == produced["luma"], f"Pillow's convert('L') changed; run {REGENERATE}"
    assert committed["analysisSizes"] == produced["analysisSizes"], f"the analysis sizes changed; run {REGENERATE}"


def test_the_file_is_exactly_what_the_generator_writes(generator, produced):
    assert generator.FIXTURE_PATH.read_text() == generator.render(produced), f"run {REGENERATE}"
