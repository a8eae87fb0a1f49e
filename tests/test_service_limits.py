"""The service's limits over real sockets, against `quoteproof serve` (Granian) in its own process.

A body over the limit is answered 413 with a problem document that plain Python
clients can read (the rest of the body is drained first, within bounds); a
request head left unfinished is cut off by the server's header deadline; a
response leaves in one piece.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest
import requests
from live_server import raw_exchange, read_until_closed, start_server, stop_server

PROBLEM = "application/problem+json"
FIVE_MB = b"x" * 5_000_000
GOOD = '"We\'re of course aware of these concerns," Earnest said.'


@pytest.fixture(scope="module")
def served(seed_db) -> Iterator[tuple[str, int]]:
    """Yield (base URL, port) of a real server with the default limits (1 MB bodies, 10 s deadlines)."""
    process, base = start_server(seed_db, "--no-access-log")
    yield base, int(base.rsplit(":", 1)[1])
    stop_server(process)


def chunks(data: bytes, size: int = 65536) -> Iterator[bytes]:
    """Yield `data` a piece at a time (a client then sends it chunked, without Content-Length)."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


def post_urllib(url: str, body: bytes | Iterator[bytes]) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["content-type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], json.loads(error.read())


def post_requests(url: str, body: bytes | Iterator[bytes]) -> tuple[int, str, dict]:
    response = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
    return response.status_code, response.headers["content-type"], response.json()


CLIENTS: dict[str, Callable[[str, bytes | Iterator[bytes]], tuple[int, str, dict]]] = {
    "urllib.request": post_urllib, "requests": post_requests}


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("sent", ["with Content-Length", "chunked"])
def test_a_5_mb_body_gets_a_413_problem_document_the_client_can_read(served, client, sent):
    base, _ = served
    body = FIVE_MB if sent == "with Content-Length" else chunks(FIVE_MB)
    status, content_type, doc = CLIENTS[client](base + "/v1/check", body)
    assert (status, content_type, doc["status"]) == (413, PROBLEM, 413)
    assert "1,000,000" in doc["detail"]
    status, _, doc = CLIENTS[client](base + "/v1/check", json.dumps({"text": GOOD}).encode())
    assert status == 200 and doc["decision"] == "pass"


@pytest.mark.slow
def test_the_drain_after_a_413_is_bounded_in_time(served):
    """A client that announces 50 MB and then sends nothing has its 413 at once, and the connection closed
    once the drain gives up (5 s), not when the body deadline or the client would end it."""
    _, port = served
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 50000000\r\n\r\n")
        answer = connection.recv(65536)
        answered = time.monotonic() - started
        rest = read_until_closed(connection)
    closed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 413") and PROBLEM.encode() in answer + rest
    assert answered < 2 and 4 < closed < 9, (answered, closed)


@pytest.mark.slow
def test_the_drain_after_a_413_is_bounded_in_size(served):
    """A client that keeps sending is read for at most 16 MiB past its 413, then the connection is closed."""
    _, port = served
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 200000000\r\n\r\n")
        piece = b"x" * 1_000_000
        try:
            while sent < 200_000_000:
                connection.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
    assert 16_000_000 <= sent < 40_000_000  # the drain's 16 MiB, and what the sockets' buffers held


@pytest.mark.slow
def test_a_broken_chunked_body_gets_a_400_problem_document(served):
    """The server reports a body it cannot frame as the end of the request; the Guard answers it."""
    _, port = served
    answer = raw_exchange(port, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", half_close=True)
    assert answer.startswith(b"HTTP/1.1 400") and PROBLEM.encode() in answer, answer[:300]


@pytest.mark.slow
def test_a_request_head_left_unfinished_is_cut_off_within_15_s(served):
    _, port = served
    started = time.monotonic()
    assert raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Waiting: ", wait=30) == b""
    assert time.monotonic() - started < 15


@pytest.mark.slow
@pytest.mark.parametrize(("padding", "problem_document"), [
    (20_000, True),  # a whole head over 16 KiB: the Guard's 431
    (70_000, True),
    (1_000_000, False),  # past the server's 128 KiB buffer: the server's own 431
])
def test_a_head_over_the_limit_gets_431(served, padding, problem_document):
    _, port = served
    answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * padding + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431")
    assert (PROBLEM.encode() in answer) == problem_document


@pytest.mark.slow
def test_a_whole_response_arrives_in_one_piece(served):
    """The head and the body of a response sent whole arrive together: the client's first read has both."""
    _, port = served
    body = json.dumps({"text": GOOD}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        for _ in range(5):
            connection.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body) + body)
            answer = connection.recv(65536)
            head, _, payload = answer.partition(b"\r\n\r\n")
            length = int(head.lower().partition(b"content-length: ")[2].partition(b"\r\n")[0])
            assert head.startswith(b"HTTP/1.1 200") and len(payload) == length and payload.endswith(b"}")
