"""One uv.lock for every Python install: `make setup`, CI, the API image and Render all install from it, the
lint check fails when a pyproject.toml moves away from it, and the reports name the versions they ran with.

Tests that run uv itself are skipped where no uv is installed (`make setup` puts it in the virtualenv).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from skin_classifier.serving.machine import MODEL_PACKAGES, package_versions, packages_text
from skin_classifier.serving.runtimes import RUNTIMES

tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads the lock and the pyproject files")

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "uv.lock"
MAKEFILE = ROOT / "Makefile"
CHECK_LOCK = ROOT / "scripts" / "check-lock.sh"
BACKEND_DOCKERFILE = ROOT / "backend" / "Dockerfile"
WORKSPACE_FILES = [
    "pyproject.toml",
    "uv.lock",
    "ml/pyproject.toml",
    "ml/README.md",
    "backend/pyproject.toml",
    "backend/app/__init__.py",
]
# Python 3 minor versions compared with the projects' requires-python.
CANDIDATE_MINORS = range(8, 20)


def lock() -> dict[str, Any]:
    return tomllib.loads(LOCK.read_text(encoding="utf-8"))


def locked_versions() -> dict[str, str]:
    return {package["name"]: package["version"] for package in lock()["package"] if "version" in package}


def uv_binary() -> str:
    """The uv `make setup` installed beside this Python, else one on PATH; the test is skipped without one."""
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (make setup installs it)")
    return found


def makefile_rule(target: str) -> tuple[list[str], list[str]]:
    """(prerequisites, recipe lines) of one rule, named as the Makefile writes it."""
    lines = MAKEFILE.read_text(encoding="utf-8").splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(f"{target}:"))
    prerequisites = lines[start].split(":", 1)[1].split("##")[0].split()
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return prerequisites, recipe


def dockerfile_runs(path: Path) -> list[str]:
    """Each command of each RUN instruction (split at &&), as written."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    return [
        command.strip() for line in text.splitlines() if line.startswith("RUN ") for command in line[4:].split(" && ")
    ]


# ---------------------------------------------------------------------------------------------------
# The lock itself
# ---------------------------------------------------------------------------------------------------


def test_lock_is_one_workspace_of_both_packages() -> None:
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]
    assert sorted(workspace["workspace"]["members"]) == ["backend", "ml"]
    assert sorted(lock()["manifest"]["members"]) == ["skin-classifier", "skin-lesion-api"]
    backend = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text(encoding="utf-8"))
    assert backend["tool"]["uv"]["sources"]["skin-classifier"] == {"workspace": True}


def test_lock_holds_one_version_of_each_package() -> None:
    """Every supported Python gets the same versions, so a figure measured on one is reproducible on another."""
    names = [package["name"] for package in lock()["package"]]
    assert len(names) == len(set(names)), sorted({name for name in names if names.count(name) > 1})


def test_lock_pins_every_package_the_extras_name() -> None:
    locked = set(locked_versions())
    for path in ("ml/pyproject.toml", "backend/pyproject.toml"):
        project = tomllib.loads((ROOT / path).read_text(encoding="utf-8"))["project"]
        requirements = project["dependencies"] + [r for rs in project["optional-dependencies"].values() for r in rs]
        for requirement in requirements:
            name = canonicalize_name(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0])
            assert name in locked, f"{path}: {requirement} is not in uv.lock (run make lock)"


def _wheel_fits(filename: str, minor: int) -> bool:
    """Whether a wheel installs on CPython 3.`minor` on x86-64 Linux."""
    python_tags, abi, platform = filename.removesuffix(".whl").split("-")[-3:]
    if platform != "any" and not (platform.startswith("manylinux") and platform.endswith("x86_64")):
        return False
    for tag in python_tags.split("."):
        if tag in {"py3", f"cp3{minor}"} and abi != f"cp3{minor}t":
            return True
        if abi == "abi3" and tag.startswith("cp3") and int(tag[3:]) <= minor:
            return True
    return False


def test_lock_installs_on_every_python_the_projects_declare() -> None:
    """The README's Python range is the pyprojects' requires-python, and every locked package has a wheel (or a
    source archive) for each of those versions on x86-64 Linux, so the claim holds for the whole lock."""
    declared = {
        path: tomllib.loads((ROOT / path).read_text(encoding="utf-8"))["project"]["requires-python"]
        for path in ("ml/pyproject.toml", "backend/pyproject.toml")
    }
    assert len(set(declared.values())) == 1, declared
    specifier = SpecifierSet(next(iter(declared.values())))
    minors = [minor for minor in CANDIDATE_MINORS if f"3.{minor}" in specifier]
    assert minors, specifier
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python 3.{minors[0]}–3.{minors[-1]}" in readme, "the README must state the Python range the lock covers"
    for package in lock()["package"]:
        if "sdist" in package or "wheels" not in package:
            continue
        wheels = [wheel["url"].rsplit("/", 1)[1] for wheel in package["wheels"]]
        for minor in minors:
            assert any(_wheel_fits(wheel, minor) for wheel in wheels), f"{package['name']}: no wheel for 3.{minor}"


# ---------------------------------------------------------------------------------------------------
# Every install reads it
# ---------------------------------------------------------------------------------------------------


def test_make_setup_syncs_the_virtualenv_from_the_lock() -> None:
    prerequisites, recipe = makefile_rule("$(VENV)/.installed")
    assert "$(UV_LOCK)" in prerequisites and {"ml/pyproject.toml", "backend/pyproject.toml"} <= set(prerequisites)
    assert re.search(r"^UV_LOCK := uv\.lock$", MAKEFILE.read_text(encoding="utf-8"), re.M)
    syncs = [line for line in recipe if " sync " in line]
    assert len(syncs) == 1 and "--frozen" in syncs[0].split() and "--all-extras" in syncs[0].split()
    assert not any("pip install" in line and "-e" in line.split() for line in recipe), "no install outside the lock"
    assert "$(VENV)/.installed" in makefile_rule("setup")[0]
    assert "setup" in makefile_rule("test")[0]


def test_make_setup_installs_the_uv_the_lock_pins() -> None:
    """The version Make reads out of uv.lock (by sed, as the Dockerfile does) is the lock's own uv."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-B",
            "-f",
            str(MAKEFILE),
            "VENV=/nonexistent-venv",
            "/nonexistent-venv/.installed",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert f'pip install --quiet "uv=={locked_versions()["uv"]}"' in dry_run
    assert "/nonexistent-venv/bin/uv sync --frozen" in dry_run


def test_api_image_installs_serving_packages_from_the_lock() -> None:
    commands = dockerfile_runs(BACKEND_DOCKERFILE)
    syncs = [shlex.split(command) for command in commands if command.startswith("uv sync ")]
    assert len(syncs) == 1, "one uv sync: the API and the local ./ml from the lock"
    (sync,) = syncs
    manifest = json.loads((ROOT / "models" / "reference" / "manifest.json").read_text())
    extra = RUNTIMES[manifest["default_runtime"]].extra
    assert {"--frozen", "--no-editable"} <= set(sync)
    assert sync[sync.index("--package") + 1] == "skin-lesion-api"
    assert [sync[i + 1] for i, word in enumerate(sync) if word == "--extra"] == [extra]
    assert "--all-extras" not in sync and "--all-packages" not in sync
    pip_installs = [command for command in commands if re.match(r"(python -m )?pip install ", command)]
    assert len(pip_installs) == 1, "pip installs only uv itself"
    # The arguments as the image's shell expands them, run here from the repository root (where uv.lock is).
    arguments = re.sub(r"^(python -m )?pip install ", "printf '%s\\n' ", pip_installs[0])
    expanded = subprocess.run(["sh", "-c", arguments], cwd=ROOT, capture_output=True, text=True, check=True)
    assert expanded.stdout.split() == ["--no-cache-dir", f"uv=={locked_versions()['uv']}"]
    copies = re.findall(r"^COPY (.+)$", BACKEND_DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert any(set(copy.split()[:-1]) == {"pyproject.toml", "uv.lock"} for copy in copies)


def test_locked_serving_set_has_no_tensorflow() -> None:
    """What the image's `uv sync` installs, as uv reads it from the lock: the runtime, never TensorFlow or Keras."""
    manifest = json.loads((ROOT / "models" / "reference" / "manifest.json").read_text())
    extra = RUNTIMES[manifest["default_runtime"]].extra
    exported = subprocess.run(
        [
            uv_binary(),
            "export",
            "--frozen",
            "--no-hashes",
            "--no-editable",
            "--no-emit-workspace",
            "--offline",
            "--package",
            "skin-lesion-api",
            "--extra",
            extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    names = {canonicalize_name(line.split("==")[0]) for line in exported.splitlines() if "==" in line}
    assert {"fastapi", "numpy", "pillow", "onnxruntime", "uvicorn"} <= names
    assert not names & {"tensorflow", "tensorflow-cpu", "keras", "tf2onnx", "pytest", "uv"}, names


def test_render_rebuilds_the_api_when_the_lock_changes() -> None:
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load((ROOT / "render.yaml").read_text(encoding="utf-8"))["services"]
    (api,) = [service for service in services if service.get("runtime") == "docker"]
    assert (ROOT / api["dockerfilePath"]).resolve() == BACKEND_DOCKERFILE.resolve()
    assert {"uv.lock", "pyproject.toml"} <= set(api["buildFilter"]["paths"])


def test_ci_runs_make_test_which_installs_from_the_lock() -> None:
    commands = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands[-1] == "REQUIRE_DOCKER=1 make test"
    assert not any("pip install" in command for command in commands), "CI installs Python packages only via make"


def test_virtualenv_matches_the_lock() -> None:
    """After `make setup` the running virtualenv holds exactly the locked versions (uv compares them)."""
    beside = Path(sys.executable).with_name("uv")
    if not beside.is_file():
        pytest.skip("this virtualenv was not made by `make setup` (no uv in it)")
    result = subprocess.run(
        [str(beside), "sync", "--check", "--frozen", "--all-packages", "--all-extras", "--offline"],
        cwd=ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": sys.prefix},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


# ---------------------------------------------------------------------------------------------------
# make lint-lock and make lock
# ---------------------------------------------------------------------------------------------------


def test_make_lint_checks_the_lock_and_make_lock_updates_it() -> None:
    assert "lint-lock" in makefile_rule("lint")[0]
    assert makefile_rule("lint-lock")[1] == ["UV=$(UV) scripts/check-lock.sh"]
    (lock_command,) = makefile_rule("lock")[1]
    assert lock_command.startswith("$(UV) lock") and "--check" not in lock_command


@pytest.fixture
def workspace_copy(tmp_path: Path) -> Path:
    """The files uv reads to check the lock, copied so that a test may edit them."""
    for relative in WORKSPACE_FILES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    return tmp_path


def check_lock(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_LOCK), str(root)],
        env={**os.environ, "UV": uv_binary()},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_lock_passes_on_the_committed_lock(workspace_copy: Path) -> None:
    result = check_lock(workspace_copy)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        ("ml/pyproject.toml", '"numpy>=1.26"', '"numpy>=1.27"'),
        ("backend/pyproject.toml", '"fastapi>=0.165"', '"fastapi>=0.164"'),
    ],
)
def test_check_lock_fails_after_a_bound_changes(workspace_copy: Path, path: str, before: str, after: str) -> None:
    """A lower bound edited without `make lock`: the check fails and says what to run; the lock is untouched."""
    pyproject = workspace_copy / path
    assert before in pyproject.read_text(encoding="utf-8")
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    result = check_lock(workspace_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "make lock" in result.stderr
    assert (workspace_copy / "uv.lock").read_bytes() == LOCK.read_bytes()


# ---------------------------------------------------------------------------------------------------
# Reports name the versions they ran with
# ---------------------------------------------------------------------------------------------------


def test_package_versions_reads_the_installed_environment() -> None:
    import numpy

    versions = package_versions((*MODEL_PACKAGES, "no-such-package-here"))
    assert versions["numpy"] == numpy.__version__
    assert "no-such-package-here" not in versions
    assert packages_text({"numpy": "2.0.0", "keras": "3.1.0"}) == "numpy 2.0.0, keras 3.1.0"
    assert packages_text({}) == "not recorded"


def test_model_card_names_the_package_versions(tmp_path: Path) -> None:
    from skin_classifier.model_card import write_model_card

    for name in ("manifest.json", "class_index.json", "image_kind.json"):
        if (ROOT / "models" / "reference" / name).exists():
            shutil.copy(ROOT / "models" / "reference" / name, tmp_path / name)
    write_model_card(tmp_path)
    card = (tmp_path / "README.md").read_text(encoding="utf-8")
    installed = package_versions()
    assert "numpy" in installed and "onnxruntime" in installed
    line = next(line for line in card.splitlines() if line.startswith("Packages installed where this card"))
    for name, version in installed.items():
        assert f"{name} {version}" in line
