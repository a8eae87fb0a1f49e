"""Several hosts, one PostgreSQL corpus: services on several ports share it, /readyz reports whether its
database answers, a server restart gives 503 problem documents until it is back (no service restart), and a
streaming standby answers checks and searches (--corpus-read) while imports go to the primary.

Each test runs a cluster of its own (it is stopped and restarted, or streamed to a standby): skipped where
PostgreSQL's programs are not installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from live_server import start_server, stop_server
from pg_cluster import Cluster, pgbin, wait_for

ROOT = Path(__file__).resolve().parent.parent
NEW_QUOTE = "the harbour bridge will reopen on the first monday of spring"
DRAFT = f'"{NEW_QUOTE}," Mayor Ada Quill said.'

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(pgbin() is None, reason="PostgreSQL's programs (initdb, pg_ctl) are not installed")]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def get(url: str, body: dict | None = None) -> tuple[int, dict]:
    """Return the status and JSON body of a GET (or, with `body`, a POST)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def verdict(doc: dict) -> str:
    return doc["files"][0]["quotes"][0]["verdict"]


@pytest.fixture
def cluster():
    made = Cluster.create()
    yield made
    made.destroy()


@pytest.fixture
def shipped(cluster, tmp_path) -> str:
    """Return the URL of a corpus on the cluster holding the shipped records."""
    url = cluster.create_database("news")
    exported = tmp_path / "shipped.jsonl"
    assert run("corpus", "export", "-o", str(exported)).returncode == 0
    assert run("corpus", "import", str(exported), "--corpus", url).returncode == 0
    return url


def import_new_quote(tmp_path: Path, url: str) -> None:
    data = tmp_path / "new.jsonl"
    data.write_text(json.dumps({"quotation": NEW_QUOTE, "speaker": "Ada Quill", "qids": [],
                                "date": "2021-03-01 00:00:00", "urls": ["https://example.org/bridge"]}) + "\n")
    proc = run("corpus", "import", str(data), "--corpus", url)
    assert proc.returncode == 0, proc.stderr


def test_services_on_several_ports_share_one_corpus_and_see_each_import(cluster, shipped, tmp_path):
    servers = [start_server(shipped, "--no-access-log") for _ in range(2)]
    try:
        for _, base in servers:
            status, doc = get(base + "/readyz")
            assert status == 200 and doc["database"] == "reachable" and doc["quotes"] == 15
            assert verdict(get(base + "/v1/check", {"text": DRAFT})[1]) == "unverified"
        import_new_quote(tmp_path, shipped)
        for _, base in servers:
            status, doc = get(base + "/v1/check", {"text": DRAFT + " "})  # not the cached draft
            assert status == 200 and verdict(doc) == "verified"
    finally:
        for process, _ in servers:
            stop_server(process)


def test_a_server_restart_gives_503_problems_and_the_service_recovers_by_itself(cluster, shipped):
    process, base = start_server(shipped, "--no-access-log")
    try:
        assert get(base + "/readyz")[0] == 200
        cluster.stop()
        status, doc = get(base + "/readyz")
        assert status == 503 and doc["database"] == "unreachable" and doc["title"] == "Service Unavailable"
        status, doc = get(base + "/v1/check", {"text": '"We are still here," Reid said.'})
        assert status == 503 and "cannot be reached" in doc["detail"]
        status, doc = get(base + "/v1/quotes/search?q=due+process")
        assert status == 503 and doc["status"] == 503
        assert get(base + "/healthz")[0] == 200  # the process itself is alive
        cluster.start()
        assert wait_for(lambda: get(base + "/readyz")[0] == 200, seconds=30)
        status, doc = get(base + "/v1/check", {"text": '"We\'re of course aware of these concerns," Reid said.'})
        assert status == 200 and verdict(doc) == "misattributed"
        assert process.poll() is None
    finally:
        stop_server(process)


def test_a_standby_answers_checks_and_searches_while_imports_go_to_the_primary(cluster, shipped, tmp_path):
    standby = cluster.standby()
    try:
        replica = standby.url("news")
        assert wait_for(lambda: _quotes(replica) == 15)
        with psycopg.connect(replica, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")  # the standby falls behind on purpose
        import_new_quote(tmp_path, shipped)
        both = ("--corpus", shipped, "--corpus-read", replica)
        behind = run("check", "--no-config", "--format", "json", *both, "--text", DRAFT)
        assert verdict(json.loads(behind.stdout)) == "unverified"  # read on the standby, which lags
        on_primary = run("check", "--no-config", "--format", "json", "--corpus", shipped, "--text", DRAFT)
        assert verdict(json.loads(on_primary.stdout)) == "verified"
        with psycopg.connect(replica, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        assert wait_for(lambda: _quotes(replica) == 16)
        caught_up = run("check", "--no-config", "--format", "json", *both, "--text", DRAFT)
        assert verdict(json.loads(caught_up.stdout)) == "verified"
        found = run("corpus", "search", NEW_QUOTE, *both)
        assert found.returncode == 0 and "Ada Quill" in found.stdout
        refused = run("corpus", "import", os.devnull, "--corpus", replica)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    finally:
        standby.destroy()


def _quotes(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    except psycopg.Error:
        return -1
