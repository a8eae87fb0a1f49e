"""The HTTP service: API contract, problem details, limits, token, CORS, and the real server in a subprocess."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from fastapi.testclient import TestClient
from live_server import raw_exchange, start_server, stop_server

from verifier.check import check_document
from verifier.read import document_from_text
from verifier.report import to_json
from verifier.service import Settings, create_app
from verifier.store.sqlite import Corpus

DRIFT = '"consistent with the need to respect due process," the spokesman said.'
VERIFIED = 'Johnson said the teams included "female agents and medical personnel".'
MISATTRIBUTED = '"We\'re of course aware of these concerns," Reid said.'
PROBLEM = "application/problem+json"


@pytest.fixture
def make_client(seed_location):
    """Return a function that starts the app on the seed corpus with the given settings."""
    clients = []

    def make(**options) -> TestClient:
        client = TestClient(create_app(Settings(corpus=str(seed_location), **options)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def verdicts(doc: dict) -> list[str]:
    return [q["verdict"] for f in doc["files"] for q in f["quotes"]]


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    doc = response.json()
    assert doc["status"] == status and doc["title"] and doc["detail"]
    return doc


# -- POST /v1/check ----
def test_check_drift_gives_the_cli_json_plus_a_decision(client, corpus):
    response = client.post("/v1/check", json={"text": DRIFT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    doc = response.json()
    expected = json.loads(to_json([check_document(document_from_text(DRIFT), corpus)]))
    assert {k: v for k, v in doc.items() if k not in ("decision", "fail_on")} == expected
    quote = doc["files"][0]["quotes"][0]
    assert quote["verdict"] == "drift" and quote["speaker"] == "Josh Earnest"
    assert quote["drift"] == [{"kind": "replaced", "draft": "respect", "original": "follow"}]
    assert doc["fail_on"] == "misattributed" and doc["decision"] == "warn"


def test_check_verified_passes(client):
    doc = client.post("/v1/check", json={"text": VERIFIED, "format": "txt"}).json()
    assert verdicts(doc) == ["verified"]
    assert doc["files"][0]["quotes"][0]["speaker"] == "Jeh Johnson"
    assert doc["decision"] == "pass"


def test_check_misattributed_blocks(client):
    doc = client.post("/v1/check", json={"text": MISATTRIBUTED}).json()
    assert verdicts(doc) == ["misattributed"]
    quote = doc["files"][0]["quotes"][0]
    assert quote["speaker"] == "Josh Earnest" and quote["attribution"]["name"] == "Reid"
    assert doc["decision"] == "block"


def test_threshold_from_query_and_body(client):
    assert client.post("/v1/check?fail_on=drift", json={"text": DRIFT}).json()["decision"] == "block"
    assert client.post("/v1/check", json={"text": DRIFT, "fail_on": "drift"}).json()["decision"] == "block"
    # the body wins over the query
    doc = client.post("/v1/check?fail_on=drift", json={"text": DRIFT, "fail_on": "never"}).json()
    assert doc["fail_on"] == "never" and doc["decision"] == "warn"
    assert client.post("/v1/check?fail_on=never", json={"text": MISATTRIBUTED}).json()["decision"] == "warn"
    is_problem(client.post("/v1/check?fail_on=sometimes", json={"text": DRIFT}), 422)


def test_batch_of_documents(client):
    body = {"documents": [{"text": DRIFT, "path": "a.txt"}, {"text": VERIFIED, "format": "md"},
                          {"text": "No quotations here."}]}
    doc = client.post("/v1/check", json=body).json()
    assert [f["path"] for f in doc["files"]] == ["a.txt", "<document 2>", "<document 3>"]
    assert verdicts(doc) == ["drift", "verified"]
    assert doc["summary"] == {"files": 3, "quotes": 2, "verified": 1, "drift": 1, "misattributed": 0,
                              "unverified": 0}


def test_repeated_draft_gets_the_same_answer(client):
    first = client.post("/v1/check", json={"text": DRIFT + "\n\n" + MISATTRIBUTED}).json()
    again = client.post("/v1/check", json={"text": DRIFT + "\n\n" + MISATTRIBUTED}).json()
    assert first == again
    assert [q["line"] for q in again["files"][0]["quotes"]] == [1, 3]


def test_checker_never_waits_for_the_lock_in_check_now(corpus):
    from verifier.service import Checker

    checker = Checker(corpus, cache_size=0)
    draft = [(DRIFT, "txt", "<text>")]
    with checker.lock:  # another thread is using the corpus
        assert checker.check_now(draft) is None
    now = checker.check_now(draft)
    assert now is not None and now == checker.check(draft)
    assert not checker.lock.locked()


def test_draft_cache_is_bounded(make_client):
    small = make_client(cache_size=2)
    for n in range(5):
        assert small.post("/v1/check", json={"text": f"Draft {n}. {DRIFT}"}).status_code == 200
    assert len(small.app.state.checker._cache) == 2
    assert len(small.app.state.checker._memo) == 1  # the same quotation each time: matched once
    uncached = make_client(cache_size=0)
    assert verdicts(uncached.post("/v1/check", json={"text": DRIFT}).json()) == ["drift"]
    assert len(uncached.app.state.checker._cache) == 0 and uncached.app.state.checker._memo is None


# -- corpus look-ups ----
def test_a_worker_leaves_what_its_start_up_made_out_of_garbage_collections(seed_db):
    with TestClient(create_app(Settings(corpus=str(seed_db)), freeze_start_up=True)) as client:
        assert gc.get_freeze_count() > 10_000  # modules, the app, the corpus: never walked again
        assert verdicts(client.post("/v1/check", json={"text": VERIFIED}).json()) == ["verified"]
    assert gc.get_freeze_count() == 0


def test_the_app_leaves_the_collector_alone_unless_asked(client):
    assert gc.get_freeze_count() == 0


def test_speakers_and_one_speaker(client):
    doc = client.get("/v1/speakers").json()
    assert doc["total"] == len(doc["speakers"]) >= 5
    reid = client.get("/v1/speakers/harry-reid").json()
    assert reid["name"] == "Harry Reid" and "Reid" in reid["aliases"]
    assert reid["role"].startswith("Senate Minority Leader") and reid["quotes"] == 4
    assert client.get("/v1/speakers", params={"limit": 2, "offset": 1}).json()["speakers"] == doc["speakers"][1:3]
    is_problem(client.get("/v1/speakers/nobody"), 404)


def test_search_paginates_and_filters_by_speaker(client):
    doc = client.get("/v1/quotes/search", params={"q": "need to respect due process"}).json()
    assert doc["results"][0]["speaker"]["name"] == "Josh Earnest"
    assert "due process" in doc["results"][0]["text"]
    listing = client.get("/v1/quotes/search", params={"speaker": "Reid", "limit": 2}).json()
    assert listing["speaker"] == "harry-reid" and listing["total"] == 4 and len(listing["results"]) == 2
    rest = client.get("/v1/quotes/search", params={"speaker": "harry-reid", "limit": 2, "offset": 2}).json()
    ids = [r["id"] for r in listing["results"] + rest["results"]]
    assert len(set(ids)) == 4
    assert all(r["speaker"]["id"] == "harry-reid" for r in listing["results"] + rest["results"])
    only = client.get("/v1/quotes/search", params={"q": "back off", "speaker": "Harry Reid"}).json()
    assert only["results"] and all(r["speaker"]["id"] == "harry-reid" for r in only["results"])
    is_problem(client.get("/v1/quotes/search", params={"speaker": "Nobody Atall"}), 404)
    is_problem(client.get("/v1/quotes/search", params={"q": "…!"}), 422)
    is_problem(client.get("/v1/quotes/search", params={"limit": 0}), 422)


def test_health_and_readiness(client, tmp_path):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["quotes"] > 0
    empty = tmp_path / "empty.db"
    Corpus.open(empty, create=True).close()
    with TestClient(create_app(Settings(corpus=str(empty)))) as bare:
        assert bare.get("/healthz").status_code == 200
        is_problem(bare.get("/readyz"), 503)


def test_openapi_document_describes_the_api(client):
    doc = client.get("/v1/openapi.json").json()
    assert {"/v1/check", "/v1/quotes/search", "/v1/speakers", "/v1/speakers/{speaker_id}", "/healthz",
            "/readyz"} <= set(doc["paths"])
    body = doc["paths"]["/v1/check"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CheckRequest")
    assert "CheckResponse" in doc["components"]["schemas"]
    assert client.get("/docs").status_code == 404  # no page that loads assets from the internet


# -- errors and limits ----
def test_not_found_and_method_not_allowed_are_problems(client):
    assert is_problem(client.get("/nowhere"), 404)["instance"] == "/nowhere"
    is_problem(client.get("/v1/check"), 405)
    assert client.delete("/v1/check").headers["allow"] == "POST"


BAD_BODIES = [
    (b"", "application/json", 422),
    (b"not json at all", "application/json", 422),
    (b'{"text": 5}', "application/json", 422),
    (b'{"text": ""}', "application/json", 422),
    (b'{"text": "   \\n "}', "application/json", 422),
    (b'{"text": null}', "application/json", 422),
    (b"[]", "application/json", 422),
    (b'"just a string"', "application/json", 422),
    (b'{"documents": []}', "application/json", 422),
    (b'{"documents": [{"text": ["x"]}]}', "application/json", 422),
    (b'{"text": "a", "documents": [{"text": "b"}]}', "application/json", 422),
    (b'{"text": "a", "format": "pdf"}', "application/json", 422),
    (b'{"text": "a", "fail_on": "everything"}', "application/json", 422),
    (b'{"text": "a", "surprise": 1}', "application/json", 422),
    (b'{"text": NaN}', "application/json", 422),
    (b'{"text": 1' + b"0" * 5000 + b"}", "application/json", 422),
    (b'{"text": "\xff\xfe caf\xe9"}', "application/json", 422),
    (b"\xff\xfe\x00{", "application/json", 422),
    (b"[" * 100_000, "application/json", 422),
    (b'{"text": ' + b'{"a": ' * 50_000, "application/json", 422),
    (b'{"text": ' + b"[" * 900 + b"]" * 900 + b"}", "application/json", 422),
    (b'{"text": "\\"caf\\ud800,\\" Reid said."}', "application/json", 422),  # a lone surrogate: no UTF-8 for it
    (b'{"documents": [{"text": "ok"}, {"text": "\\udc80"}]}', "application/json", 422),
    (b'{"text": "a"}', "text/plain", 422),
    (b"x" * 50_000_000, "application/json", 413),
]


def test_bad_bodies_are_problems_and_the_service_keeps_serving(client):
    for body, content_type, status in BAD_BODIES:
        response = client.post("/v1/check", content=body, headers={"content-type": content_type})
        is_problem(response, status)
    # a body streamed without Content-Length is cut off once it passes the limit
    chunks = (b"x" * 65536 for _ in range(40))
    is_problem(client.post("/v1/check", content=chunks, headers={"content-type": "application/json"}), 413)
    assert verdicts(client.post("/v1/check", json={"text": DRIFT}).json()) == ["drift"]


def test_problem_names_the_bad_field(client):
    doc = is_problem(client.post("/v1/check", json={"text": 5}), 422)
    assert doc["detail"].startswith("text:") and doc["errors"][0]["loc"] == ["body", "text"]
    assert "input" not in doc["errors"][0]  # never echo the body back
    assert is_problem(client.post("/v1/check", content=b"{", headers={"content-type": "application/json"}),
                      422)["detail"] == "the body is not valid JSON"


def test_body_limit_is_configurable(make_client):
    small = make_client(max_body=100)
    is_problem(small.post("/v1/check", json={"text": "x" * 200}), 413)
    assert small.post("/v1/check", json={"text": DRIFT}).status_code == 200


def test_oversized_headers_are_refused(client):
    is_problem(client.get("/healthz", headers={"x-padding": "a" * 20_000}), 431)


# -- security defaults ----
def test_token_is_required_on_v1_when_set(make_client):
    locked = make_client(token="s3cret")
    doc = is_problem(locked.post("/v1/check", json={"text": DRIFT}), 401)
    assert "Bearer" in doc["detail"]
    assert locked.post("/v1/check", json={"text": DRIFT}).headers["www-authenticate"].startswith("Bearer")
    is_problem(locked.post("/v1/check", json={"text": DRIFT}, headers={"Authorization": "Bearer wrong"}), 401)
    is_problem(locked.get("/v1/openapi.json"), 401)
    # no token: refused before the body is even looked at
    is_problem(locked.post("/v1/check", content=b"{", headers={"content-type": "application/json"}), 401)
    good = {"Authorization": "Bearer s3cret"}
    assert locked.post("/v1/check", json={"text": DRIFT}, headers=good).status_code == 200
    assert locked.get("/v1/speakers", headers={"authorization": "bearer s3cret"}).status_code == 200
    assert locked.get("/healthz").status_code == 200 and locked.get("/").status_code == 200


def test_no_cors_unless_configured(client, make_client):
    origin = {"Origin": "https://cms.example"}
    assert "access-control-allow-origin" not in client.post("/v1/check", json={"text": DRIFT}, headers=origin).headers
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v1/check", headers=preflight).headers
    open_to_cms = make_client(cors_origins=("https://cms.example",))
    response = open_to_cms.post("/v1/check", json={"text": DRIFT}, headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://cms.example"
    other = open_to_cms.post("/v1/check", json={"text": DRIFT}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_page_is_served_with_its_own_assets_and_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert 'id="draft"' in page.text and 'id="check"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from the internet
    for asset in ("/static/page.js", "/static/page.css"):
        assert client.get(asset).status_code == 200
    assert ".innerHTML" not in client.get("/static/page.js").text


# -- the real server, over HTTP ----
def post(base: str, path: str, body: bytes, headers: dict | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(base + path, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read())


@pytest.mark.slow
def test_real_server_over_http(seed_db):
    process, base = start_server(seed_db, "--token", "tok", "--no-access-log",
                                 env={"QUOTEPROOF_HEADER_TIMEOUT": "1", "QUOTEPROOF_BODY_TIMEOUT": "1"})
    port = int(base.rsplit(":", 1)[1])
    auth = {"Authorization": "Bearer tok"}
    try:
        status, headers, doc = post(base, "/v1/check", json.dumps({"text": DRIFT}).encode(), auth)
        assert status == 200 and verdicts(doc) == ["drift"] and doc["decision"] == "warn"
        status, headers, doc = post(base, "/v1/check", json.dumps({"text": DRIFT}).encode())
        assert status == 401 and headers["content-type"] == PROBLEM
        with urllib.request.urlopen(base + "/readyz", timeout=10) as response:
            assert json.loads(response.read())["status"] == "ready"
        # 50 MB announced: refused from the header, long before the body is read
        answer = raw_exchange(port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                                    b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
                                    + b"[" * 65536)
        assert answer.startswith(b"HTTP/1.1 413") and PROBLEM.encode() in answer
        # a whole head over the limit gets a problem document; one that keeps growing is cut off by the server
        answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431") and PROBLEM.encode() in answer and b"nosniff" in answer
        answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1_000_000)
        assert answer.startswith(b"HTTP/1.1 431")
        # a client that never finishes its headers is disconnected after the header timeout
        started = time.monotonic()
        assert raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", wait=10) == b""
        assert time.monotonic() - started < 5
        # a body that stops coming is answered 408 after the body timeout
        started = time.monotonic()
        answer = raw_exchange(port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                                    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\": ")
        assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 5
        # invalid UTF-8 and deep nesting over the wire, then a good request on the same server
        for body in (b'{"text": "\xff"}', b"[" * 200_000):
            assert post(base, "/v1/check", body, auth)[0] == 422
        status, _, doc = post(base, "/v1/check", json.dumps({"text": MISATTRIBUTED}).encode(), auth)
        assert status == 200 and doc["decision"] == "block"
    finally:
        stop_server(process)
    # the server shuts down gracefully on SIGTERM
    assert process.returncode == 0
    assert b"Shutting down granian" in process.stdout.read()


def test_serve_refuses_a_missing_corpus(tmp_path):
    result = subprocess.run([sys.executable, "-m", "verifier", "serve", "--corpus", str(tmp_path / "none.db")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "no such corpus file" in result.stderr and "Traceback" not in result.stderr
