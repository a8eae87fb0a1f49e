"""examples/nginx.conf as shipped, in Debian's real nginx in front of a real `quoteproof serve`.

The test writes a main configuration into a temporary folder (pid, logs and
temporary files there), includes the example with its two ports changed to
free ones, and starts `nginx -c FILE -g 'daemon off;'`. CI installs nginx
(.ci/run); without it, the tests are skipped.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from live_server import free_port, raw_exchange, start_server, stop_server

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROBLEM = "application/problem+json"
TOKEN = "s3cret-newsroom-token"
WRONG = '"We\'re of course aware of these concerns," Reid said.'

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(NGINX).is_file(), reason="nginx is not installed (.ci/run installs it)")]


def main_config(folder: Path, nginx_port: int, service_port: int) -> Path:
    """Write nginx.conf (and the example with its ports changed) into `folder`; return its path."""
    example = EXAMPLE.read_text(encoding="utf-8")
    assert "listen 8080;" in example and "server 127.0.0.1:8000;" in example  # the ports this test replaces
    site = folder / "quoteproof.conf"
    site.write_text(example.replace("listen 8080;", f"listen 127.0.0.1:{nginx_port};")
                    .replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{service_port};"), encoding="utf-8")
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    config = folder / "nginx.conf"
    config.write_text(f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp['client_body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {site};
}}
""", encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def proxied(seed_db, tmp_path_factory) -> Iterator[tuple[str, int]]:
    """Yield (base URL, port) of nginx, configured by the example, in front of a real server."""
    service, service_base = start_server(seed_db, "--no-access-log", "--token", TOKEN)
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    config = main_config(folder, port, int(service_base.rsplit(":", 1)[1]))
    checked = subprocess.run([NGINX, "-t", "-c", str(config), "-g", "daemon off;"], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert nginx.poll() is None, nginx.stderr.read().decode(errors="replace")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not answer in 30 s"
                time.sleep(0.1)
        yield base, port
    finally:
        nginx.terminate()
        nginx.wait(timeout=15)
        stop_server(service)


def call(base: str, path: str, body: bytes | None = None, token: str | None = TOKEN) -> tuple[int, str, dict]:
    """Return (status, content type, JSON document) of a GET (or, with a body, a POST) through urllib."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["content-type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], json.loads(error.read())


@pytest.mark.parametrize(("path", "body", "token", "status", "content_type", "field", "value"), [
    ("/healthz", None, None, 200, "application/json", "status", "ok"),
    ("/readyz", None, None, 200, "application/json", "status", "ready"),
    ("/v1/check", json.dumps({"text": WRONG}).encode(), TOKEN, 200, "application/json", "decision", "block"),
    ("/v1/check", json.dumps({"text": WRONG}).encode(), None, 401, PROBLEM, "status", 401),
    ("/v1/check", b"{", TOKEN, 422, PROBLEM, "detail", "the body is not valid JSON"),
    ("/nowhere", None, TOKEN, 404, PROBLEM, "instance", "/nowhere"),
    # over the service's 1,000,000 bytes, under nginx's 1 MiB: the service's own answer
    ("/v1/check", b"x" * 1_040_000, TOKEN, 413, PROBLEM, "detail",
     "the body is 1,040,000 bytes; the limit is 1,000,000"),
    # over nginx's limit: nginx's answer, as a problem document
    ("/v1/check", b"x" * 5_000_000, TOKEN, 413, PROBLEM, "detail", "the body is over the 1 MiB limit"),
])
def test_requests_through_nginx(proxied, path, body, token, status, content_type, field, value):
    base, _ = proxied
    got_status, got_type, doc = call(base, path, body, token)
    assert (got_status, got_type, doc[field]) == (status, content_type, value)


def test_a_5_mb_body_gets_the_413_document_with_requests_too(proxied):
    base, _ = proxied
    response = requests.post(base + "/v1/check", data=b"x" * 5_000_000, timeout=30,
                             headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 413


def test_a_70_kb_head_gets_431_from_nginx(proxied):
    _, port = proxied
    answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431") and PROBLEM.encode() in answer, answer[:300]


def test_a_request_head_left_unfinished_is_cut_off_within_15_s(proxied):
    _, port = proxied
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert connection.recv(65536) == b""
    assert time.monotonic() - started < 15


def test_the_service_answers_behind_nginx_on_kept_alive_connections(proxied):
    """Twenty checks in a row on one client connection, each answered whole (nginx keeps its own
    connections to the service open: keepalive in the upstream)."""
    base, _ = proxied
    with requests.Session() as session:
        for n in range(20):
            response = session.post(base + "/v1/check", json={"text": f"Draft {n}. {WRONG}"}, timeout=30,
                                    headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200 and response.json()["decision"] == "block"
