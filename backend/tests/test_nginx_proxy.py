"""The compose nginx in front of the API: an oversized upload's JSON 413 must come through, never a 502.

Runs the real frontend/nginx.conf (its upstream pointed at a live API on loopback) when nginx is installed;
skipped otherwise.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from tests.utils import SettingsFactory, free_port, live_server

NGINX_CONF = Path(__file__).resolve().parents[2] / "frontend" / "nginx.conf"
NGINX = shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


@pytest.fixture
def proxied_api(make_settings: SettingsFactory, tmp_path: Path) -> Iterator[str]:
    """nginx with the compose configuration on a free port, proxying /api/ to a live API; yields its URL."""
    app = create_app(make_settings(model_dir=tmp_path / "none"))  # everything here happens before inference
    with live_server(app) as api_port:
        port = free_port()
        conf = NGINX_CONF.read_text(encoding="utf-8")
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        conf = conf.replace("http://backend:8000", f"http://127.0.0.1:{api_port}")
        conf = re.sub(r"root [^;]+;", f"root {tmp_path};", conf)
        (tmp_path / "conf.d").mkdir()
        (tmp_path / "conf.d" / "default.conf").write_text(conf, encoding="utf-8")
        main = tmp_path / "nginx.conf"
        main.write_text(
            f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
            f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/conf.d/*.conf;\n}}\n",
            encoding="utf-8",
        )
        nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(main)], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert nginx.poll() is None, nginx.stderr.read().decode()
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            nginx.terminate()
            nginx.wait(10)


@pytest.mark.parametrize(
    "size",
    [2**20 * 10 + 1, 2**20 * 10 + 8 * 1024, 12 * 2**20],
    ids=["one-byte-over", "within-multipart-slack", "over-nginx-limit"],
)
def test_oversized_upload_gets_json_413_through_nginx(proxied_api: str, size: int) -> None:
    """Within nginx's limit (the API's plus multipart slack) the API answers and drains; beyond it, nginx does.

    Never a 502, and both answers read the same.
    """
    outcomes = set()
    for _ in range(10):
        response = httpx.post(f"{proxied_api}/api/predict", files={"file": ("big.jpg", b"\0" * size)}, timeout=30)
        outcomes.add((response.status_code, response.headers["content-type"], response.json()["detail"]))
    assert len(outcomes) == 1, outcomes
    status, content_type, detail = outcomes.pop()
    assert status == 413 and content_type.startswith("application/json")
    assert "10,485,760 bytes" in detail


def test_swagger_ui_works_under_the_api_prefix(proxied_api: str) -> None:
    """The page, its files and the schema load through /api/, and the schema sends "Try it out" to /api/."""
    page = httpx.get(f"{proxied_api}/api/docs", timeout=10)
    assert page.status_code == 200 and "swagger-ui" in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert httpx.get(f"{proxied_api}/api/docs/assets/{asset}", timeout=10).status_code == 200
    schema = httpx.get(f"{proxied_api}/api/openapi.json", timeout=10).json()
    assert schema["servers"] == [{"url": "/api"}]
    assert "/predict" in schema["paths"]


def test_metrics_are_not_served_through_the_public_proxy(proxied_api: str) -> None:
    """Operators scrape the API container itself; through the page's proxy /api/metrics is a JSON 404."""
    response = httpx.get(f"{proxied_api}/api/metrics", timeout=10)
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert "http_requests_total" not in response.text
    assert httpx.get(f"{proxied_api}/api/model", timeout=10).status_code != 404  # the model card is public
