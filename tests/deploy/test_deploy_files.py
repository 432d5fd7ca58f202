"""Structural checks of the deployment files, run without Docker or a Render account.

Covers backend/Dockerfile (+ the .dockerignore files for its repository-root context), frontend/Dockerfile
and frontend/nginx.conf, docker-compose.yml and render.yaml. Where the real tool is on PATH
(`docker-compose`, `nginx`), it validates the file too; otherwise that test is skipped.
"""

from __future__ import annotations

import ast
import http.server
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from app.core.config import Settings
from app.core.uploads import FORM_OVERHEAD_BYTES
from skin_classifier.serving.quality import MESSAGES
from skin_classifier.serving.runtimes import RUNTIMES

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the compose file and the Blueprint")
tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads the pyproject files")

ROOT = Path(__file__).resolve().parents[2]
BACKEND_DOCKERFILE = ROOT / "backend" / "Dockerfile"
FRONTEND_DOCKERFILE = ROOT / "frontend" / "Dockerfile"
NGINX_CONF = ROOT / "frontend" / "nginx.conf"
COMPOSE_FILE = ROOT / "docker-compose.yml"
RENDER_FILE = ROOT / "render.yaml"
ROOT_DOCKERIGNORE = ROOT / ".dockerignore"
BACKEND_DOCKERIGNORE = ROOT / "backend" / "Dockerfile.dockerignore"

# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, f"{path.name} ends with a dangling line continuation"
    return instructions


def stages(path: Path) -> list[list[tuple[str, str]]]:
    """Instructions split per build stage (each list starts with its FROM)."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions(path):
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, arguments))
    return result


def global_args(path: Path) -> dict[str, str]:
    """ARG defaults declared before the first FROM (usable in FROM lines)."""
    values: dict[str, str] = {}
    for keyword, arguments in dockerfile_instructions(path):
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in arguments:
            name, _, default = arguments.partition("=")
            values[name.strip()] = default.strip()
    return values


def base_image(path: Path, stage: list[tuple[str, str]]) -> str:
    image = stage[0][1].split()[0]
    for name, value in global_args(path).items():
        image = image.replace("${" + name + "}", value).replace("$" + name, value)
    return image


def env_values(stage: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for keyword, arguments in stage:
        if keyword == "ENV":
            for name, value in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\S+)", arguments):
                values[name] = value.strip('"')
    return values


def dockerignore_rules(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex (Go filepath.Match syntax plus `**`, as Docker implements it)."""
    regex = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            regex += ".*"
            i += 2
            continue
        regex += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        i += 1
    return re.compile(regex + r"\Z")


def is_sent_to_docker(relative_path: str, rules: list[str]) -> bool:
    """Whether a context file survives the .dockerignore rules: the last rule matching it or a parent wins."""
    parts = PurePosixPath(relative_path).parts
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    excluded = False
    for rule in rules:
        negated = rule.startswith("!")
        pattern = rule[1:] if negated else rule
        pattern = str(PurePosixPath(pattern.strip("/")))
        regex = _pattern_regex(pattern)
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negated
    return not excluded


def render_services() -> list[dict[str, Any]]:
    services = load_yaml(RENDER_FILE)["services"]
    assert isinstance(services, list) and services, "render.yaml must list its services"
    return services


def render_backend() -> dict[str, Any]:
    matches = [s for s in render_services() if s.get("type") == "web" and s.get("runtime") == "docker"]
    assert len(matches) == 1, f"expected exactly one Docker web service, found {len(matches)}"
    return matches[0]


def render_static_site() -> dict[str, Any]:
    matches = [s for s in render_services() if s.get("type") == "web" and s.get("runtime") == "static"]
    assert len(matches) == 1, f"expected exactly one static site, found {len(matches)}"
    return matches[0]


def env_vars_by_key(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["key"]: item for item in service.get("envVars", []) if "key" in item}


def compose_environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: str(value) for key, value in environment.items()}


# ---------------------------------------------------------------------------------------------------
# render.yaml
# ---------------------------------------------------------------------------------------------------

# Fields of the Render Blueprint spec (https://render.com/docs/blueprint-spec); anything else is a typo
# or a field Render does not know, which it rejects when the Blueprint is applied.
KNOWN_ROOT_KEYS = {"services", "databases", "envVarGroups", "projects", "ungrouped", "previews"}
KNOWN_SERVICE_KEYS = {
    "type",
    "name",
    "runtime",
    "plan",
    "region",
    "repo",
    "branch",
    "rootDir",
    "buildCommand",
    "startCommand",
    "preDeployCommand",
    "autoDeployTrigger",
    "maxShutdownDelaySeconds",
    "healthCheckPath",
    "domains",
    "envVars",
    "buildFilter",
    "disk",
    "scaling",
    "numInstances",
    "registryCredential",
    "image",
    "dockerfilePath",
    "dockerContext",
    "dockerCommand",
    "previews",
    "staticPublishPath",
    "headers",
    "routes",
    "schedule",
    "maxmemoryPolicy",
    "ipAllowList",
}
KNOWN_ENV_VAR_KEYS = {"key", "value", "generateValue", "sync", "fromDatabase", "fromService", "fromGroup"}
ENV_VAR_SOURCES = {"value", "generateValue", "sync", "fromDatabase", "fromService"}
KNOWN_FROM_SERVICE_KEYS = {"type", "name", "property", "envVarKey"}
FROM_SERVICE_PROPERTIES = {"host", "port", "hostport", "connectionString"}


def test_render_yaml_uses_only_known_blueprint_fields() -> None:
    blueprint = load_yaml(RENDER_FILE)
    assert set(blueprint) <= KNOWN_ROOT_KEYS, f"unknown root keys: {set(blueprint) - KNOWN_ROOT_KEYS}"
    names = [service["name"] for service in render_services()]
    assert len(names) == len(set(names)), "service names must be unique"
    for service in render_services():
        unknown = set(service) - KNOWN_SERVICE_KEYS
        assert not unknown, f"{service['name']}: unknown service keys {sorted(unknown)}"
        assert service["type"] in {"web", "pserv", "worker", "cron", "keyvalue"}
        for item in service.get("envVars", []):
            assert set(item) <= KNOWN_ENV_VAR_KEYS, f"{service['name']}: unknown env var keys in {item}"
            if "fromGroup" in item:
                continue
            sources = set(item) & ENV_VAR_SOURCES
            assert len(sources) == 1, f"{item.get('key')}: needs exactly one value source, has {sources}"
            if "sync" in item:
                assert item["sync"] is False, f"{item['key']}: only `sync: false` is meaningful"
            if "fromService" in item:
                reference = item["fromService"]
                assert set(reference) <= KNOWN_FROM_SERVICE_KEYS
                assert ("property" in reference) != ("envVarKey" in reference)
                if "property" in reference:
                    assert reference["property"] in FROM_SERVICE_PROPERTIES
                target = [s for s in render_services() if s["name"] == reference["name"]]
                assert target and target[0]["type"] == reference["type"], (
                    f"{item['key']}: fromService must name a {reference['type']} service of this Blueprint"
                )
        for route in service.get("routes", []):
            assert set(route) == {"type", "source", "destination"} and route["type"] in {"rewrite", "redirect"}
        for header in service.get("headers", []):
            assert set(header) == {"path", "name", "value"}
        if "buildFilter" in service:
            assert set(service["buildFilter"]) <= {"paths", "ignoredPaths"}


def test_render_backend_is_the_docker_image_with_a_health_check() -> None:
    backend = render_backend()
    assert backend["healthCheckPath"] == "/health"
    assert backend.get("plan") == "free"
    dockerfile = (ROOT / backend["dockerfilePath"]).resolve()
    assert dockerfile == BACKEND_DOCKERFILE.resolve() and dockerfile.is_file()
    # The image needs ml/, backend/ and models/reference/: the context is the repository root.
    assert (ROOT / backend.get("dockerContext", ".")).resolve() == ROOT
    assert "buildCommand" not in backend and "startCommand" not in backend, "Docker services build the Dockerfile"


def test_render_backend_environment() -> None:
    env = env_vars_by_key(render_backend())
    assert env["MODEL_RUNTIME"].get("value") == "auto"
    assert env["LOG_LEVEL"].get("value") in {"INFO", "WARNING", "ERROR", "DEBUG", "CRITICAL"}
    cors = env["CORS_ORIGINS"]
    # Wired to the static site, or asked for when the Blueprint is applied; never a wildcard.
    wired = cors.get("sync") is False or cors.get("fromService", {}).get("name") == render_static_site()["name"]
    assert wired, "CORS_ORIGINS must come from the static site or be set by hand (sync: false)"
    assert "*" not in str(cors.get("value", ""))
    assert "PORT" not in env, "Render sets PORT itself"


def test_render_static_site_builds_the_frontend() -> None:
    site = render_static_site()
    command = site["buildCommand"]
    root_dir = site.get("rootDir", ".")
    assert "npm ci" in command and "npm run build" in command
    assert root_dir.strip("./") == "frontend" or "cd frontend" in command
    publish = PurePosixPath(root_dir) / site["staticPublishPath"]
    assert PurePosixPath(*[p for p in publish.parts if p != "."]).parts[:2] == ("frontend", "dist")
    assert {"type": "rewrite", "source": "/*", "destination": "/index.html"} in site.get("routes", [])


def test_render_static_site_gets_the_api_url_from_the_backend() -> None:
    site = render_static_site()
    backend_name = render_backend()["name"]
    references = {key: item["fromService"] for key, item in env_vars_by_key(site).items() if "fromService" in item}
    wired = [key for key, ref in references.items() if ref["name"] == backend_name and ref["type"] == "web"]
    assert wired, "the static site must take the API address from the backend service (fromService)"
    command = site["buildCommand"]
    assert "VITE_API_URL=" in command, "the build must pass VITE_API_URL to Vite"
    assert any(f"${key}" in command or "${" + key in command for key in wired)
    assert "https://" in command, "the page is served over https, so must its API URL be"


# ---------------------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------------------

# Service keys shared by the docker-compose 1.29 schemas and the Compose Specification (so both the
# standalone v1 tool and `docker compose` accept the file).
COMPOSE_SERVICE_KEYS = {
    "build",
    "image",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "volumes",
    "depends_on",
    "healthcheck",
    "restart",
    "user",
    "working_dir",
    "read_only",
    "tmpfs",
    "init",
    "labels",
    "networks",
    "stop_grace_period",
    "stop_signal",
    "logging",
    "cap_drop",
    "security_opt",
    "container_name",
    "extra_hosts",
    "ulimits",
    "shm_size",
}


def test_compose_file_is_v1_tool_compatible() -> None:
    compose = load_yaml(COMPOSE_FILE)
    assert set(compose) <= {"version", "services", "volumes", "networks", "secrets", "configs"}
    assert "name" not in compose and "include" not in compose
    if "version" in compose:
        assert str(compose["version"]).split(".")[0] in {"2", "3"}
    for name, service in compose["services"].items():
        unknown = set(service) - COMPOSE_SERVICE_KEYS
        assert not unknown, f"{name}: keys docker-compose 1.29 may not know: {sorted(unknown)}"


def test_compose_backend() -> None:
    backend = load_yaml(COMPOSE_FILE)["services"]["backend"]
    context = ROOT / backend["build"]["context"]
    assert context.resolve() == ROOT
    assert (context / backend["build"]["dockerfile"]).resolve() == BACKEND_DOCKERFILE.resolve()
    healthcheck = (
        " ".join(backend["healthcheck"]["test"])
        if isinstance(backend["healthcheck"]["test"], list)
        else backend["healthcheck"]["test"]
    )
    assert "/health" in healthcheck
    environment = compose_environment(backend)
    assert environment["MODEL_RUNTIME"] == "auto"
    assert "LOG_LEVEL" in environment
    assert "http://localhost:8080" in environment["CORS_ORIGINS"]
    assert backend.get("restart") == "unless-stopped"
    for volume in backend.get("volumes", []):
        assert str(volume).endswith(":ro"), "a mounted model must be read-only"


def test_compose_frontend() -> None:
    services = load_yaml(COMPOSE_FILE)["services"]
    frontend = services["frontend"]
    build = frontend["build"]
    context = ROOT / build["context"]
    assert context.resolve() == (ROOT / "frontend").resolve()
    assert (context / build.get("dockerfile", "Dockerfile")).resolve() == FRONTEND_DOCKERFILE.resolve()
    args = build.get("args") or {}
    args = dict(item.split("=", 1) for item in args) if isinstance(args, list) else args
    assert args["VITE_API_URL"] == "/api"
    assert "${WEB_PORT:-8080}:8080" in [str(port) for port in frontend["ports"]], "published on :8080 by default"
    assert frontend["depends_on"]["backend"]["condition"] == "service_healthy"


def test_compose_config_validates_with_docker_compose() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose (v1, e.g. Debian's docker-compose package) is not on PATH")
    result = subprocess.run(
        [binary, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr or result.stdout


# ---------------------------------------------------------------------------------------------------
# backend/Dockerfile and its build context
# ---------------------------------------------------------------------------------------------------


def test_backend_dockerfile_runtime_stage() -> None:
    all_stages = stages(BACKEND_DOCKERFILE)
    final = all_stages[-1]
    for stage in all_stages:
        assert base_image(BACKEND_DOCKERFILE, stage).startswith("python:3.11-slim")
    keywords = [keyword for keyword, _ in final]
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the server must not run as root"
    assert "HEALTHCHECK" in keywords
    assert ("EXPOSE", "8000") in final
    env = env_values(final)
    assert env.get("MODEL_DIR") == "/app/models/reference"
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1" and env.get("PYTHONUNBUFFERED") == "1"
    copies = [arguments for keyword, arguments in final if keyword == "COPY"]
    assert any(
        arguments.split()[-2].rstrip("/") == "models/reference"
        and arguments.split()[-1].rstrip("/") == "/app/models/reference"
        for arguments in copies
    )


def test_backend_dockerfile_command_starts_the_hardened_server() -> None:
    final = stages(BACKEND_DOCKERFILE)[-1]
    command = json.loads(next(arguments for keyword, arguments in reversed(final) if keyword == "CMD"))
    # Exec form through `sh -c`: PORT (set by Render and similar platforms) is expanded, and `exec` makes the
    # server PID 1 so that it receives SIGTERM.
    assert command[:2] == ["sh", "-c"] and len(command) == 3
    assert shlex.split(command[2]) == [
        "exec",
        "python",
        "-m",
        "app.server",
        "app.main:app",
        "--host",
        "0.0.0.0",
        "--port",
        "${PORT:-8000}",
        "--no-access-log",
    ]


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def health_endpoint(status: int) -> Iterator[int]:
    """A server whose /health answers `status`; yields its port."""
    handler = type("Health", (_Health,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False), (404, False)])
def test_backend_healthcheck_follows_health_and_port(status: int, healthy: bool) -> None:
    """The image's HEALTHCHECK command, run as Docker would, passes only while /health on PORT answers 200."""
    final = stages(BACKEND_DOCKERFILE)[-1]
    healthcheck = next(arguments for keyword, arguments in final if keyword == "HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval" in options and command
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with health_endpoint(status) as port:
        result = subprocess.run(
            ["sh", "-c", command], env={**environment, "PORT": str(port)}, capture_output=True, timeout=30
        )
    assert (result.returncode == 0) is healthy, result.stderr[-2000:]


def run_commands(path: Path) -> list[list[str]]:
    """Each command of each RUN instruction (split at && and ;), as the shell would split its words."""
    commands: list[list[str]] = []
    for keyword, arguments in dockerfile_instructions(path):
        if keyword != "RUN":
            continue
        lexer = shlex.shlex(arguments, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        commands.append([])
        for word in lexer:
            if word in ("&&", ";", "||"):
                commands.append([])
            else:
                commands[-1].append(word)
    return [command for command in commands if command]


def python_checks(path: Path) -> list[str]:
    """The code of every `python -c` command in the Dockerfile's RUN instructions."""
    return [words[words.index("-c") + 1] for words in run_commands(path) if words[:2] == ["python", "-c"]]


def test_backend_dockerfile_import_checks_name_serving_modules() -> None:
    """The modules the build proves importable exist, and importing them loads no TensorFlow or Keras."""
    modules = [
        alias.name
        for code in python_checks(BACKEND_DOCKERFILE)
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert {"onnxruntime", "app.main"} <= set(modules)
    assert any(module.startswith("skin_classifier.serving") for module in modules)
    probe = (
        f"import sys; import {', '.join(dict.fromkeys(modules))}; "
        "sys.exit([name for name in ('tensorflow', 'keras') if name in sys.modules] or None)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_runtime_extras_exist_in_both_packages() -> None:
    """Every runtime's pip extra is an extra of skin-classifier, and the API offers the same one through it."""
    ml_extras = tomllib.loads((ROOT / "ml" / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    api_extras = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    forwarded = {requirement for requirements in api_extras.values() for requirement in requirements}
    for runtime in RUNTIMES.values():
        assert runtime.extra in ml_extras, f"{runtime.name}: ml has no extra {runtime.extra!r}"
        assert f"skin-classifier[{runtime.extra}]" in forwarded, f"{runtime.name}: the API does not offer it"


def test_serving_data_files_are_packaged() -> None:
    """The API image installs skin-classifier from a wheel: the serving JSON files (what each class means)
    must be package data, or GET /model would fail there while passing from a checkout."""
    from fnmatch import fnmatch

    setuptools = tomllib.loads((ROOT / "ml" / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools.get("package-data", {}).get("skin_classifier.serving", [])
    data_files = list((ROOT / "ml" / "skin_classifier" / "serving").glob("*.json"))
    assert data_files
    for data_file in data_files:
        assert any(fnmatch(data_file.name, pattern) for pattern in patterns), data_file.name


@pytest.mark.parametrize("path", ["ml", "backend"])
def test_backend_dockerfile_copy_sources_exist(path: str) -> None:
    assert (ROOT / path / "pyproject.toml").is_file()


def test_backend_dockerignore_files_agree() -> None:
    assert dockerignore_rules(ROOT_DOCKERIGNORE) == dockerignore_rules(BACKEND_DOCKERIGNORE)


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("pyproject.toml", True),  # the uv workspace the image installs from
        ("uv.lock", True),
        ("ml/pyproject.toml", True),
        ("ml/README.md", True),  # the package metadata reads it
        ("ml/skin_classifier/serving/classifier.py", True),
        ("backend/pyproject.toml", True),
        ("backend/app/main.py", True),
        ("models/reference/manifest.json", True),
        ("models/reference/model_int8.tflite", True),
        ("models/reference/model_float16.tflite", True),
        ("models/reference/model.keras", False),
        ("models/other/model_int8.tflite", False),
        (".git/HEAD", False),
        (".venv/bin/python", False),
        ("frontend/package.json", False),
        ("frontend/node_modules/vite/package.json", False),
        ("runs/reference/history.json", False),
        ("ml/tests/test_model.py", False),
        ("backend/tests/conftest.py", False),
        ("backend/runs/serve_benchmark_tiny.json", False),
        ("ml/skin_classifier/serving/__pycache__/classifier.cpython-311.pyc", False),
        ("ml/skin_classifier.egg-info/PKG-INFO", False),
        ("ml/.venv/bin/python", False),
        ("README.md", False),
        ("frontend/package-lock.json", False),
    ],
)
def test_backend_build_context_contents(path: str, sent: bool) -> None:
    for ignore_file in (ROOT_DOCKERIGNORE, BACKEND_DOCKERIGNORE):
        assert is_sent_to_docker(path, dockerignore_rules(ignore_file)) is sent, f"{ignore_file.name}: {path}"


def test_backend_build_context_matches_docker_py() -> None:
    """Cross-check the matcher above against docker-py's implementation, where it is installed."""
    build = pytest.importorskip("docker.utils.build", reason="docker-py is not installed")
    rules = dockerignore_rules(ROOT_DOCKERIGNORE)
    sent = build.exclude_paths(str(ROOT), rules, dockerfile="backend/Dockerfile")
    files = {path for path in sent if (ROOT / path).is_file()}
    assert "backend/app/main.py" in files and "ml/pyproject.toml" in files
    assert not any(path.startswith(("frontend/", ".git/", ".venv/", "runs/")) for path in files)
    assert not any("/tests/" in path or path.endswith((".keras", ".pyc")) for path in files)


def test_reference_model_is_servable_when_present() -> None:
    reference = ROOT / "models" / "reference"
    if not reference.is_dir():
        pytest.skip("models/reference/ is not in the repository yet")
    for name in ("manifest.json", "class_index.json", "preprocessing.json"):
        assert (reference / name).is_file(), f"models/reference/{name} is missing"
    rules = dockerignore_rules(ROOT_DOCKERIGNORE)
    baked = [
        p for p in reference.rglob("*") if p.is_file() and is_sent_to_docker(p.relative_to(ROOT).as_posix(), rules)
    ]
    assert any(p.suffix in {".tflite", ".onnx"} for p in baked), "no model file the image can serve"
    assert sum(p.stat().st_size for p in baked) <= 30 * 2**20, "the baked-in model should stay under 30 MB"


# ---------------------------------------------------------------------------------------------------
# frontend/Dockerfile and nginx.conf
# ---------------------------------------------------------------------------------------------------


def test_frontend_dockerfile_is_multi_stage() -> None:
    all_stages = stages(FRONTEND_DOCKERFILE)
    assert len(all_stages) >= 2
    build, final = all_stages[0], all_stages[-1]
    assert base_image(FRONTEND_DOCKERFILE, build).startswith("node:")
    build_runs = " ".join(arguments for keyword, arguments in build if keyword == "RUN")
    assert "npm ci" in build_runs and "npm run build" in build_runs
    assert ("ARG", "VITE_API_URL=/api") in build
    final_image = base_image(FRONTEND_DOCKERFILE, final)
    assert "nginx" in final_image
    # nginx-unprivileged runs as uid 101 on port 8080; a plain nginx image would need its own USER.
    assert "unprivileged" in final_image or any(keyword == "USER" for keyword, _ in final)
    copies = [arguments for keyword, arguments in final if keyword == "COPY"]
    assert any(arguments.startswith("--from=") and "/dist" in arguments for arguments in copies)
    assert any(arguments.split()[0] == "nginx.conf" for arguments in copies)
    assert ("EXPOSE", "8080") in final


def test_frontend_dockerignore_keeps_local_builds_out() -> None:
    rules = set(dockerignore_rules(ROOT / "frontend" / ".dockerignore"))
    assert {"node_modules", "dist", "e2e/artifacts"} <= {rule.strip("/") for rule in rules}


def test_nginx_conf_serves_the_spa_and_proxies_the_api() -> None:
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert re.search(r"listen\s+8080;", conf)
    limit = re.search(r"client_max_body_size\s+(\d+)k;", conf)
    assert limit, "client_max_body_size must be given in KiB"
    api_limit = Settings.model_fields["max_upload_bytes"].default + FORM_OVERHEAD_BYTES
    assert int(limit.group(1)) * 1024 == api_limit, "nginx's body limit must equal the API's (file + framing)"
    assert re.search(r"try_files\s+\$uri\s+\$uri/\s+/index\.html;", conf)
    assert "immutable" in conf, "hashed assets should be cached"
    api = re.search(r"location /api/ \{(.*?)\n    \}", conf, re.S)
    assert api, "missing `location /api/`"
    block = api.group(1)
    assert "backend:8000" in block
    strips_prefix = (
        re.search(r"rewrite \^/api\(/\.\*\)\$ \$1 break;", block) or "proxy_pass http://backend:8000/;" in block
    )
    assert strips_prefix, "the /api prefix must be removed before the request reaches the API"
    for directive in ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout"):
        assert directive in block


ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}


def test_every_page_server_isolates_the_page_and_revalidates_the_service_worker() -> None:
    """The on-device analysis runs threads only on a cross-origin isolated page: nginx (compose), Render and
    Vite (development and the browser test) must all send the two headers, and the service worker must never be
    served stale."""
    conf = NGINX_CONF.read_text(encoding="utf-8")
    for name, value in ISOLATION_HEADERS.items():
        assert re.search(rf'add_header {name} "{value}" always;', conf), name
    assert re.search(r'/sw\.js\s+"no-cache";', conf)
    headers = render_static_site().get("headers", [])
    for name, value in ISOLATION_HEADERS.items():
        assert {"path": "/*", "name": name, "value": value} in headers, name
    assert {"path": "/sw.js", "name": "Cache-Control", "value": "no-cache"} in headers
    vite = (ROOT / "frontend" / "vite.config.ts").read_text(encoding="utf-8")
    for name, value in ISOLATION_HEADERS.items():
        assert f"'{name}': '{value}'" in vite, name
    assert "server: { port: 5173, headers: ISOLATION_HEADERS }" in vite
    assert "preview: { headers: ISOLATION_HEADERS }" in vite


def test_answers_made_in_the_browser_carry_the_servers_quality_advice() -> None:
    """An answer computed on the device words its quality warnings as POST /predict does."""
    answer = (ROOT / "frontend" / "src" / "features" / "on-device" / "answer.ts").read_text(encoding="utf-8")
    for code, message in MESSAGES.items():
        assert re.search(rf"{code}:\s*[\"']{re.escape(message)}[\"']", answer), code


def test_nginx_conf_passes_nginx_t(tmp_path: Path) -> None:
    binary = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if binary is None:
        pytest.skip("nginx is not installed")
    (tmp_path / "conf.d").mkdir()
    shutil.copy(NGINX_CONF, tmp_path / "conf.d" / "default.conf")
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/conf.d/*.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [binary, "-t", "-q", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
