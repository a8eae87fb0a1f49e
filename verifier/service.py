"""The HTTP service: a JSON API under /v1 for a CMS, and a page at / for editors.

`quoteproof serve` runs this ASGI app under uvicorn. Each worker process opens
the corpus once, read-only, and guards that one connection with a lock (sync
endpoints run in a thread pool). Reports are cached per worker by draft: the
corpus cannot change under a running worker.

Everything the client can get wrong is answered with RFC 9457 problem details
(`application/problem+json`): 401 without the token, 404, 405, 408 for a body
that arrives too slowly, 413 for a body over the limit (refused from the
Content-Length header, or as soon as the streamed bytes pass the limit, before
the body is read whole), 422 for a body that is not what the schema says.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import html
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import __version__
from .check import FileReport, check_document, summary
from .corpus import Corpus, CorpusError
from .gate import fails
from .models import Speaker
from .read import InputError, document_from_upload

log = logging.getLogger("quoteproof.service")

STATIC = Path(__file__).resolve().parent / "static"
FAIL_ON = ("misattributed", "drift", "unverified", "never")
FailOn = Literal["misattributed", "drift", "unverified", "never"]
Format = Literal["txt", "md", "html", "docx"]
PROBLEM = "application/problem+json"
MAX_DOCUMENTS = 100
MAX_HEADER_BYTES = 16 * 1024  # request line and headers; an incomplete head is cut off past this too
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
     b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
]

ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]],
                   Awaitable[None]]


# -- settings ----
@dataclass(frozen=True)
class Settings:
    """How the service runs; passed to uvicorn worker processes through the environment."""

    corpus: str | None = None  # None: the shipped default corpus
    token: str | None = None  # bearer token required on /v1 when set
    max_body: int = 1_000_000  # bytes
    cors_origins: tuple[str, ...] = ()
    body_timeout: float = 10.0  # seconds for the whole request body to arrive
    header_timeout: float = 10.0  # seconds for a request's headers to arrive
    cache_size: int = 512  # drafts whose reports each worker remembers (0: none)

    ENV = {
        "corpus": "QUOTEPROOF_CORPUS", "token": "QUOTEPROOF_TOKEN", "max_body": "QUOTEPROOF_MAX_BODY",
        "cors_origins": "QUOTEPROOF_CORS_ORIGINS", "body_timeout": "QUOTEPROOF_BODY_TIMEOUT",
        "header_timeout": "QUOTEPROOF_HEADER_TIMEOUT", "cache_size": "QUOTEPROOF_CACHE_SIZE",
    }

    @classmethod
    def from_env(cls, environ: MutableMapping[str, str] | None = None) -> Settings:
        """Return the settings named by QUOTEPROOF_* environment variables (defaults for the rest)."""
        env = os.environ if environ is None else environ
        get = {key: env.get(name) or None for key, name in cls.ENV.items()}
        default = cls()
        return cls(
            corpus=get["corpus"],
            token=get["token"],
            max_body=int(get["max_body"]) if get["max_body"] else default.max_body,
            cors_origins=tuple(o for o in (get["cors_origins"] or "").split(",") if o),
            body_timeout=float(get["body_timeout"]) if get["body_timeout"] else default.body_timeout,
            header_timeout=float(get["header_timeout"]) if get["header_timeout"] else default.header_timeout,
            cache_size=int(get["cache_size"]) if get["cache_size"] is not None else default.cache_size,
        )

    def to_env(self) -> dict[str, str]:
        """Return the environment variables that make `from_env` give these settings back."""
        values = {
            "corpus": self.corpus or "", "token": self.token or "", "max_body": str(self.max_body),
            "cors_origins": ",".join(self.cors_origins), "body_timeout": str(self.body_timeout),
            "header_timeout": str(self.header_timeout), "cache_size": str(self.cache_size),
        }
        return {self.ENV[key]: value for key, value in values.items()}


# -- problem details ----
class Problem(Exception):
    """An error to answer with RFC 9457 problem details."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers or {}, extra


def problem_body(status: int, title: str, detail: str, instance: str | None = None, **extra: Any) -> bytes:
    """Return the JSON bytes of a problem-details object."""
    doc: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        doc["instance"] = instance
    doc.update(extra)
    return json.dumps(doc, ensure_ascii=False).encode()


def problem_response(status: int, title: str, detail: str, request: Request | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """Return a problem-details response."""
    instance = request.url.path if request is not None else None
    return Response(problem_body(status, title, detail, instance, **extra), status_code=status,
                    media_type=PROBLEM, headers=headers)


TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
          408: "Request Timeout", 413: "Content Too Large", 422: "Unprocessable Content",
          431: "Request Header Fields Too Large",
          500: "Internal Server Error", 503: "Service Unavailable"}


async def send_problem(send: Callable[[dict], Awaitable[None]], status: int, detail: str, path: str,
                       headers: list[tuple[bytes, bytes]] = ()) -> None:
    """Send a problem-details response straight through ASGI (used before the app runs)."""
    body = problem_body(status, TITLES.get(status, "Error"), detail, path)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})


# -- the guard in front of the app: token, body limit, body deadline, security headers ----
class Guard:
    """ASGI middleware: checks the bearer token on /v1, refuses bodies over the limit before reading them
    whole, refuses bodies that arrive too slowly, and adds security headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.token = settings.token.encode() if settings.token else None

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        """Run the app for one request once the request passes the checks."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        raw_headers = scope.get("headers") or []
        if sum(len(k) + len(v) + 4 for k, v in raw_headers) + len(scope.get("raw_path") or b"") > MAX_HEADER_BYTES:
            await send_problem(send_with_headers, 431, f"the request line and headers are over "
                               f"{MAX_HEADER_BYTES:,} bytes", path)
            return
        headers = dict(raw_headers)
        if self.token and (path == "/v1" or path.startswith("/v1/")) and not self._authorised(headers):
            await send_problem(send_with_headers, 401, "this service needs the header 'Authorization: Bearer "
                               "<token>' on /v1", path, [(b"www-authenticate", b'Bearer realm="quoteproof"')])
            return
        limit = self.settings.max_body
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(send_with_headers, 413, f"the body is {int(declared):,} bytes; the limit is "
                               f"{limit:,}", path)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.body_timeout):
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await send_problem(send_with_headers, 413, f"the body is over the {limit:,}-byte limit",
                                           path)
                        return
                    chunks.append(chunk)
                    more = message.get("more_body", False)
        except TimeoutError:
            await send_problem(send_with_headers, 408, f"the body did not arrive within "
                               f"{self.settings.body_timeout:g} s", path)
            return
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replaying(whole, receive), send_with_headers)

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        scheme, _, value = headers.get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and self.token is not None and hmac.compare_digest(value.strip(),
                                                                                               self.token)


# -- /v1/check without the framework in the way ----
def replaying(first: dict, receive: Callable[[], Awaitable[dict]]) -> Callable[[], Awaitable[dict]]:
    """Return an ASGI receive callable that gives the message `first` (again), then what `receive` gives."""
    pending = [first]

    async def replay() -> dict:
        return pending.pop() if pending else await receive()

    return replay


class CheckFastPath:
    """ASGI middleware: answers a well-formed `POST /v1/check` itself, and hands everything else on.

    FastAPI's routing, dependency solving, request and response objects and the hop to its thread pool cost
    more per request than a small draft takes to check. A request with a JSON content type, no query or just
    `fail_on=<threshold>`, and a body `CheckRequest` accepts (validated from the JSON bytes in one step) is
    answered here with the same bytes and headers the FastAPI route gives. Anything else, including every
    body the model refuses, goes on to that route unchanged, so errors, problem details and the OpenAPI
    document come from one place.

    Drafts of up to INLINE_MAX_TEXT characters are checked right here on the event loop when the corpus lock
    is free (first come, first served, with no thread hand-off); bigger ones, or when another thread holds
    the lock, go to the thread pool so the loop keeps answering other requests (health checks among them).
    """

    # characters: ~10 ms for an article with a few quotations; ~70-90 ms at worst (nothing but short quotations)
    INLINE_MAX_TEXT = 4_000

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        """Answer one request, or pass it on."""
        if scope["type"] != "http" or scope["path"] != "/v1/check" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        fail_on = self._fail_on(scope.get("query_string", b""))
        if fail_on is None or not self._json(scope.get("headers") or []):
            await self.app(scope, receive, send)
            return
        message = await receive()  # the Guard hands over the whole body in one message
        if message["type"] != "http.request" or message.get("more_body", False):
            await self.app(scope, replaying(message, receive), send)
            return
        try:
            request = CheckRequest.model_validate_json(message.get("body", b""))
        except ValidationError:
            await self.app(scope, replaying(message, receive), send)
            return
        checker: Checker = scope["app"].state.checker
        drafts = request.drafts()
        checked = checker.check_now(drafts) if request.size() <= self.INLINE_MAX_TEXT else None
        if checked is None:
            checked = await run_in_threadpool(checker.check, drafts)
        body = answer(checked, request.fail_on or fail_on)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _fail_on(query: bytes) -> str | None:
        """Return the threshold the query asks for (the default without one); None for any other query."""
        if not query:
            return "misattributed"
        name, _, value = query.partition(b"=")
        threshold = value.decode("latin-1")
        return threshold if name == b"fail_on" and threshold in FAIL_ON else None

    @staticmethod
    def _json(headers: list[tuple[bytes, bytes]]) -> bool:
        """Return whether the request says its body is `application/json` (UTF-8, JSON's own encoding)."""
        for name, value in headers:
            if name == b"content-type":
                kind, _, params = value.lower().partition(b";")
                return kind.strip() == b"application/json" and params.strip() in (b"", b"charset=utf-8")
        return False


# -- keeping the workers' shares of connections even ----
class WorkerLoads:
    """How many connections each worker process holds, in a small file all the workers map (`run` makes it).

    Workers share one listening socket, and whichever wakes first accepts every connection waiting: 20
    clients that connect at once often all land on one worker, which then serves them all on one core
    while the other idles, each request waiting behind 19 others. Kept-alive connections stay where they
    landed. So a worker holding more than its share (the total over the live workers, rounded up) answers
    its next request on a surplus connection with `Connection: close`; the client reconnects, and the new
    connection goes to whichever worker accepts first, most likely the less busy one. Connections already
    on their way out count as gone, so a worker never sends away more than its surplus at once.

    The file holds SLOTS pairs of 64-bit integers (worker pid, open connections); a worker claims a free
    slot (or a dead worker's) under an exclusive lock on the file, and frees it when it stops.
    """

    SLOTS = 64
    ENV = "QUOTEPROOF_WORKER_LOADS"

    def __init__(self, path: str) -> None:
        import mmap

        self.path = path
        with open(path, "r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), self.SLOTS * 16)
        self._table = memoryview(self._map).cast("q")
        self.slot: int | None = None
        self.leaving = 0  # this worker's connections answered with Connection: close and not yet closed

    @classmethod
    def create(cls, directory: str | None = None) -> str:
        """Return the path of a new, empty table (the caller removes it when the server stops)."""
        import tempfile

        handle, path = tempfile.mkstemp(prefix="quoteproof-workers-", dir=directory)
        with os.fdopen(handle, "wb") as out:
            out.write(bytes(cls.SLOTS * 16))
        return path

    @classmethod
    def from_env(cls) -> WorkerLoads | None:
        """Return the table named by QUOTEPROOF_WORKER_LOADS, with a slot claimed for this process; None when
        there is none (one worker, or a platform without file locks)."""
        path = os.environ.get(cls.ENV)
        if not path:
            return None
        try:
            import fcntl  # noqa: F401
        except ImportError:  # Windows
            return None
        try:
            loads = cls(path)
        except (OSError, ValueError):
            log.warning("cannot use the worker table %s: connections are not balanced", path)
            return None
        with loads._locked():
            for slot in range(cls.SLOTS):
                pid = loads._table[2 * slot]
                if pid == 0 or not _alive(pid):
                    loads._table[2 * slot], loads._table[2 * slot + 1] = os.getpid(), 0
                    loads.slot = slot
                    break
        return loads if loads.slot is not None else None

    def set(self, connections: int) -> None:
        """Record how many connections this worker holds."""
        if self.slot is not None:
            self._table[2 * self.slot + 1] = connections

    def over_share(self, connections: int) -> bool:
        """Return whether this worker, holding `connections`, should send one away; when it returns True the
        connection counts as leaving until `left` is called for it."""
        staying = connections - self.leaving
        if self.slot is None or staying <= 1:
            return False
        for attempt in range(2):
            table = self._table.tolist()
            counts = [table[i + 1] for i in range(0, len(table), 2) if table[i]]
            share = -(-sum(counts) // len(counts)) if counts else staying
            if staying <= share:
                return False
            if attempt == 0 and not self._forget_dead(table):
                break  # every worker counted is alive: the share stands
        self.leaving += 1
        return True

    def left(self) -> None:
        """Note that a connection sent away has closed."""
        self.leaving = max(0, self.leaving - 1)

    def close(self) -> None:
        """Free this worker's slot."""
        if self.slot is not None:
            self._table[2 * self.slot] = self._table[2 * self.slot + 1] = 0
            self.slot = None

    def _forget_dead(self, table: list[int]) -> bool:
        """Free the slots of workers that are gone; return whether there were any."""
        freed = False
        with self._locked():  # not a slot a starting worker is claiming right now
            for slot in range(self.SLOTS):
                pid = table[2 * slot]
                if pid and slot != self.slot and self._table[2 * slot] == pid and not _alive(pid):
                    self._table[2 * slot] = self._table[2 * slot + 1] = 0
                    freed = True
        return freed

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the table's file lock (claiming and freeing slots take it)."""
        import fcntl

        with open(self.path, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    """Return whether a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


WORKER_LOADS: WorkerLoads | None = None  # this worker's table, while its app runs (set by the lifespan)


class OneSend:
    """The transport as one response cycle sees it: the response head is held back until the first body
    bytes, so that a response sent whole (as most are) leaves in one write.

    Written separately, the head wakes the client, which finds no body yet and sleeps again until the second
    write: two wake-ups and two system calls a response, on a machine whose cores the clients may share.
    A head whose body does not follow at once (a streamed response) is sent at the next turn of the event
    loop, or before anything else the protocol writes (`flush`).
    """

    __slots__ = ("_transport", "_cycle", "_loop", "_held", "_head_seen")

    def __init__(self, transport: asyncio.Transport, cycle: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._cycle, self._loop = transport, cycle, loop
        self._held: bytes | None = None
        self._head_seen = False

    def write(self, data: bytes) -> None:
        """Hold the response head; write anything else, after the head if one is held."""
        if self._held is not None:
            data, self._held = self._held + data, None
        elif not self._head_seen and self._cycle.response_started:
            self._head_seen = True  # (a "100 Continue" is written before the response starts: not held)
            self._held = data
            self._loop.call_soon(self.flush)
            return
        self._transport.write(data)

    def flush(self) -> None:
        """Write the held head, if any."""
        if self._held is not None:
            data, self._held = self._held, None
            self._transport.write(data)

    def close(self) -> None:
        """Write what is held, then close the connection."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools (llhttp) protocol with the limits uvicorn leaves out: a deadline and a size cap
    for request heads.

    A client that opens a connection (or starts another request on a kept-alive one) and does not finish
    the headers within the deadline is disconnected, so slow clients cannot hold connections open. A head
    still incomplete past MAX_HEADER_BYTES is answered 431 and the connection closed, so it cannot grow
    without bound (a complete head over the limit is refused by the Guard, also with 431). With several
    workers, it keeps the worker's count of connections in WorkerLoads and sends surplus ones away.
    """

    header_timeout = float(os.environ.get("QUOTEPROOF_HEADER_TIMEOUT") or 10.0)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Accept a connection and start the clock for its first request's headers."""
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._head_open = False  # a request head has begun and is not complete
        self._head_bytes = 0  # bytes of it received so far (at most one request's head more: see data_received)
        self._body_bytes = 0  # body bytes the parser gave out during the current data_received
        self._sent_away = False  # answered with Connection: close to even out the workers' shares
        self._arm_header_timer()
        if WORKER_LOADS is not None:
            WORKER_LOADS.set(len(self.connections))

    def data_received(self, data: bytes) -> None:
        """Feed bytes to the parser; cut off a head that grows past the limit; stop the header clock once a
        request has started, start it for the next one."""
        self._body_bytes = 0
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._head_open:
            # all of `data` but the body bytes the parser gave out: when the same bytes finished one request
            # and began the next (pipelining), this counts the finished request's head too
            self._head_bytes += len(data) - self._body_bytes
            if self._head_bytes > MAX_HEADER_BYTES:
                self._refuse_head()
                return
        if self._waiting_for_request():
            self._arm_header_timer()
        else:
            self._disarm_header_timer()

    def on_message_begin(self) -> None:
        """Start counting a request head's bytes."""
        super().on_message_begin()
        self._head_open, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        """Stop counting: the head is whole (the Guard checks its size). Start the request; when this worker
        holds more than its share of connections, its answer closes the connection."""
        self._head_open = False
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope:
            cycle.transport = OneSend(self.transport, cycle, self.loop)
        if (WORKER_LOADS is not None and cycle is not None and cycle.scope is self.scope and cycle.keep_alive
                and not self._sent_away and WORKER_LOADS.over_share(len(self.connections))):
            cycle.keep_alive = False
            self._sent_away = True

    def on_body(self, body: bytes) -> None:
        """Note how many body bytes arrived in this read."""
        self._body_bytes += len(body)
        super().on_body(body)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the header clock when the connection goes, and count it out."""
        self._disarm_header_timer()
        super().connection_lost(exc)
        if WORKER_LOADS is not None:
            if self._sent_away:
                WORKER_LOADS.left()
            WORKER_LOADS.set(len(self.connections))

    def _waiting_for_request(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if self._waiting_for_request() and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers did not arrive in %g s",
                             self.header_timeout)
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """Answer a request the parser refused (after anything held for the previous response)."""
        self._flush()
        super().send_400_response(msg)

    def _flush(self) -> None:
        if self.cycle is not None and isinstance(self.cycle.transport, OneSend):
            self.cycle.transport.flush()

    def _refuse_head(self) -> None:
        self._flush()
        body = problem_body(431, TITLES[431], f"the request line and headers are over {MAX_HEADER_BYTES:,} bytes")
        head = [b"HTTP/1.1 431 Request Header Fields Too Large", b"content-type: " + PROBLEM.encode(),
                b"content-length: " + str(len(body)).encode(), b"connection: close",
                *(name + b": " + value for name, value in SECURITY_HEADERS)]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()
        self._disarm_header_timer()


# -- the checker each worker holds ----
class Checked(NamedTuple):
    """What the API needs of one draft's report: its `files[]` object serialised, its summary counts, whether
    it fails each --fail-on threshold, and whether it has a finding to warn about. Small enough to cache."""

    json: str
    counts: dict[str, int]
    fails: dict[str, bool]
    warns: bool

    @classmethod
    def of(cls, report: FileReport) -> Checked:
        """Return the Checked for a report."""
        return cls(json.dumps(report.to_json(), ensure_ascii=False), summary([report]),
                   {threshold: fails([report], threshold) for threshold in FAIL_ON},
                   any(f.verdict != "verified" and not getattr(f, "suppressed", None) for f in report.findings))


class Checker:
    """One read-only corpus connection, a lock around it, and two bounded caches.

    The corpus cannot change under a running worker, so the same draft (text, format and path) always gets
    the same report: a CMS that re-checks an article on every save is answered from the draft cache,
    without waiting for the corpus lock. Drafts over CACHE_MAX_TEXT characters are never cached, so it holds
    at most cache_size * CACHE_MAX_TEXT characters of text. Below it, check_document's memo remembers the
    finding for each quotation wording and credit (at most MEMO_QUOTATIONS), so a quotation that recurs
    across drafts is matched once. cache_size 0 turns both off.
    """

    CACHE_MAX_TEXT = 32_000
    MEMO_QUOTATIONS = 10_000  # findings remembered by quotation wording and credit (check_document's memo)

    def __init__(self, corpus: Corpus, cache_size: int = 512) -> None:
        self.corpus = corpus
        self.lock = threading.Lock()
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str, str], Checked] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._memo: dict | None = {} if cache_size > 0 else None  # used only under self.lock

    def check(self, drafts: list[tuple[str, str, str]]) -> list[Checked]:
        """Return the report for each (text, format, path), as `check_document` gives it (do not mutate);
        waits for the corpus lock while another thread holds it."""
        return [self._check(*draft) for draft in drafts]

    def check_now(self, drafts: list[tuple[str, str, str]]) -> list[Checked] | None:
        """Return what `check` returns if the corpus lock is free at once, holding it throughout; None (having
        done nothing) while another thread holds it, so an event loop never waits on it."""
        if not self.lock.acquire(blocking=False):
            return None
        try:
            return [self._check(*draft, locked=True) for draft in drafts]
        finally:
            self.lock.release()

    def _check(self, text: str, kind: str, path: str, locked: bool = False) -> Checked:
        key = (path, kind, text)
        with self._cache_lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        document = document_from_upload(text, path, kind)
        with nullcontext() if locked else self.lock:
            if self._memo is not None and len(self._memo) > self.MEMO_QUOTATIONS:
                self._memo.clear()
            report = check_document(document, self.corpus, self._memo)
        found = Checked.of(report)
        if self.cache_size > 0 and len(text) <= self.CACHE_MAX_TEXT:
            with self._cache_lock:
                self._cache[key] = found
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return found

    def read(self, work: Callable[[Corpus], Any]) -> Any:
        """Return `work(corpus)`, run while holding the corpus lock."""
        with self.lock:
            return work(self.corpus)


def decision(checked: list[Checked], fail_on: str) -> str:
    """Return "block" when a draft fails the --fail-on threshold (gate.fails), "warn" when a quotation is
    not verified (and not suppressed), else "pass"."""
    if any(c.fails[fail_on] for c in checked):
        return "block"
    if any(c.warns for c in checked):
        return "warn"
    return "pass"


def answer(checked: list[Checked], fail_on: str) -> bytes:
    """Return the JSON bytes of the /v1/check answer: the `check --format json` document for the drafts, with
    `fail_on` and `decision`."""
    tail = {"summary": total(checked), "fail_on": fail_on, "decision": decision(checked, fail_on)}
    # the files[] objects come serialised from the checker (and its cache); keys as `check --format json`
    return ('{"version": 1, "files": [' + ", ".join(c.json for c in checked) + "], "
            + json.dumps(tail, ensure_ascii=False)[1:]).encode()


def total(checked: list[Checked]) -> dict[str, int]:
    """Return the `summary` object for several drafts (their counts added up)."""
    out: dict[str, int] = {}
    for c in checked:
        for key, value in c.counts.items():
            out[key] = out.get(key, 0) + value
    return out


# -- request and response models (the OpenAPI document is generated from these) ----
class DocumentIn(BaseModel):
    """One draft to check."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(strict=True, min_length=1, description="The draft.")
    format: Format = Field("txt", description="How the draft is written: plain text, Markdown, HTML, or a Word "
                           "document (docx: `text` is the .docx file in base64).")
    path: str | None = Field(None, max_length=1000, description="A name for the draft, echoed back as `path`.")


class CheckRequest(BaseModel):
    """One draft (`text`) or a batch (`documents`), and the threshold for `decision`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"text": "“We’re of course aware of these concerns,” Reid said.", "format": "txt"},
                     {"documents": [{"text": "…", "path": "a.md", "format": "md"}], "fail_on": "drift"}]})
    text: str | None = Field(None, strict=True, description="A single draft.")
    format: Format = Field("txt", description="How `text` is written (docx: the .docx file in base64).")
    path: str | None = Field(None, max_length=1000, description="A name for `text`, echoed back as `path`.")
    documents: list[DocumentIn] | None = Field(None, min_length=1, max_length=MAX_DOCUMENTS,
                                               description="A batch of drafts (instead of `text`).")
    fail_on: FailOn | None = Field(None, description="Threshold for `decision: block`, as `check --fail-on` "
                                   "(default misattributed; overrides the `fail_on` query parameter).")

    @model_validator(mode="after")
    def _one_of(self) -> CheckRequest:
        if (self.text is None) == (self.documents is None):
            raise ValueError("give either `text` or `documents`")
        for text in [self.text] if self.text is not None else [d.text for d in self.documents or []]:
            if not text.strip():
                raise ValueError("the text is empty")
            if not text.isascii():
                try:
                    text.encode()
                except UnicodeEncodeError:  # JSON's "\\ud800" escapes: not text any reply could carry
                    raise ValueError("the text has a lone surrogate (an unpaired \\uD800-\\uDFFF escape)") from None
        for text, kind, path in self.drafts():
            if kind == "docx":  # read here, so that a bad file is a 422 problem like any other bad body
                try:
                    document_from_upload(text, path, kind)
                except InputError as exc:
                    raise ValueError(str(exc)) from None
        return self

    def size(self) -> int:
        """Return the number of characters of draft text in the request."""
        if self.text is not None:
            return len(self.text)
        return sum(len(d.text) for d in self.documents or [])

    def drafts(self) -> list[tuple[str, str, str]]:
        """Return the drafts to check as (text, format, path)."""
        if self.text is not None:
            return [(self.text, self.format, self.path or "<text>")]
        return [(d.text, d.format, d.path or f"<document {i}>") for i, d in enumerate(self.documents or [], 1)]


class AttributionOut(BaseModel):
    name: str | None
    mention: str
    cue: str
    relayed_by: str | None = None


class SourceOut(BaseModel):
    publisher: str
    title: str
    date: str | None
    url: str | None
    at: str | None = Field(default=None, description="HH:MM:SS: where in a timed transcript the words were said.")


class ChangeOut(BaseModel):
    kind: str
    draft: str
    original: str


class QuoteOut(BaseModel):
    text: str
    line: int
    column: int
    end_line: int
    end_column: int
    attribution: AttributionOut | None
    verdict: Literal["verified", "drift", "misattributed", "unverified"]
    severity: Literal["ok", "info", "warning", "error"]
    speaker: str | None
    source: SourceOut | None
    original: str | None
    score: int
    drift: list[ChangeOut]
    notes: list[str]


class FileOut(BaseModel):
    path: str
    quotes: list[QuoteOut]


class SummaryOut(BaseModel):
    files: int
    quotes: int
    verified: int
    drift: int
    misattributed: int
    unverified: int


class CheckResponse(BaseModel):
    """The `check --format json` document, plus the threshold used and the decision a CMS can act on."""

    version: int
    files: list[FileOut]
    summary: SummaryOut
    fail_on: FailOn
    decision: Literal["pass", "warn", "block"]


class SpeakerOut(BaseModel):
    id: str
    name: str
    aliases: list[str]
    role: str | None
    affiliations: list[str]
    quotes: int


class SpeakersOut(BaseModel):
    total: int
    limit: int
    offset: int
    speakers: list[SpeakerOut]


class SpeakerRef(BaseModel):
    id: str
    name: str


class SearchHit(BaseModel):
    id: str
    text: str
    speaker: SpeakerRef
    source: SourceOut
    score: float | None = Field(description="How well the quote matches `q`, 0-100 (null when listing).")


class SearchOut(BaseModel):
    q: str | None
    speaker: str | None
    total: int
    limit: int
    offset: int
    results: list[SearchHit]


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


def _problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ProblemOut, "content": {PROBLEM: {}}, "description": TITLES[code]} for code in codes}


def _json(doc: Any, status: int = 200) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False), status_code=status, media_type="application/json")


def speaker_json(speaker: Speaker, count: int) -> dict:
    """Return the API object for a speaker."""
    return {"id": speaker.id, "name": speaker.name, "aliases": list(speaker.aliases), "role": speaker.role,
            "affiliations": list(speaker.affiliations), "quotes": count}


# -- the app ----
@contextmanager
def start_up_frozen() -> Iterator[None]:
    """Within the block, leave everything alive at its start out of garbage collections (yields nothing).

    A worker's start-up (modules, the app, pydantic models, the lexicons) leaves
    about 60,000 objects that live as long as it does, and a full collection walked
    them all: 30 ms, during which the ~10 requests queued on the worker waited.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(settings: Settings | None = None, corpus: Corpus | None = None,
               freeze_start_up: bool = False) -> FastAPI:
    """Return the ASGI app; it opens the corpus (read-only) when it starts unless one is given.

    With `freeze_start_up` (for a worker process of its own, as `run` starts), what
    the start-up made is left out of garbage collections (`start_up_frozen`).
    """
    from contextlib import asynccontextmanager

    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        opened = None
        if corpus is None:
            from .records import default_corpus_path

            path = settings.corpus or str(default_corpus_path())
            opened = Corpus.open(path, readonly=True)
        app.state.checker = Checker(corpus or opened, settings.cache_size)
        global WORKER_LOADS
        WORKER_LOADS = WorkerLoads.from_env()
        try:
            # after the corpus is open, so that what opening it made is frozen too
            with start_up_frozen() if freeze_start_up else nullcontext():
                yield
        finally:
            if WORKER_LOADS is not None:
                WORKER_LOADS.close()
                WORKER_LOADS = None
            if opened is not None:
                opened.close()

    app = FastAPI(title="quoteproof", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None,
                  description="Verify quotations in news drafts against a corpus of verbatim quotes. "
                              "Errors are RFC 9457 problem details.")
    app.state.settings = settings
    bearer = HTTPBearer(auto_error=False, description="Required on /v1 when the server has a token "
                                                      "(--token or QUOTEPROOF_TOKEN).")
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(bearer)], responses=_problems(401))

    def checker(request: Request) -> Checker:
        return request.app.state.checker

    @v1.post("/check", summary="Check one draft or a batch", response_model=None,
             responses={200: {"model": CheckResponse}, **_problems(413, 422)})
    def check(body: CheckRequest, request: Request,
              fail_on: Annotated[FailOn, Query(description="Threshold for `decision: block`.")] = "misattributed",
              ) -> Response:
        """Return the `check --format json` document for the drafts, with `fail_on` and `decision`."""
        threshold = body.fail_on or fail_on
        return Response(answer(checker(request).check(body.drafts()), threshold), media_type="application/json")

    @v1.get("/quotes/search", summary="Search the corpus", response_model=None,
            responses={200: {"model": SearchOut}, **_problems(404, 422)})
    def search(request: Request,
               q: Annotated[str | None, Query(max_length=2000, description="Words to look for (omit to list).")]
               = None,
               speaker: Annotated[str | None, Query(max_length=200, description="Speaker id, name or alias.")]
               = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 20,
               offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> Response:
        """Return corpus quotes closest to `q` (or all, in stored order), optionally one speaker's, a page at a
        time."""
        return _json(checker(request).read(lambda db: _search(db, q, speaker, limit, offset)))

    @v1.get("/speakers", summary="List speakers", response_model=None,
            responses={200: {"model": SpeakersOut}, **_problems(422)})
    def speakers(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> Response:
        """Return speakers with aliases, role, affiliations and quote count, most quoted first."""
        counts = checker(request).read(lambda db: db.speaker_counts())
        page = [speaker_json(s, n) for s, n in counts[offset:offset + limit]]
        return _json({"total": len(counts), "limit": limit, "offset": offset, "speakers": page})

    @v1.get("/speakers/{speaker_id}", summary="One speaker", response_model=None,
            responses={200: {"model": SpeakerOut}, **_problems(404)})
    def speaker(speaker_id: str, request: Request) -> Response:
        """Return one speaker by id with aliases, role, affiliations and quote count."""
        def look(db: Corpus) -> dict | None:
            found = db.speaker(speaker_id)
            if found is None:
                return None
            count = db.conn.execute("SELECT COUNT(*) FROM quotes WHERE speaker_id=?", (speaker_id,)).fetchone()[0]
            return speaker_json(found, count)

        doc = checker(request).read(look)
        if doc is None:
            raise Problem(404, "Not Found", f"no speaker with id {speaker_id!r}")
        return _json(doc)

    @v1.get("/openapi.json", include_in_schema=False)
    def openapi() -> Response:
        return _json(app.openapi())

    app.include_router(v1)

    @app.get("/healthz", summary="Liveness", tags=["health"])
    async def healthz() -> dict:
        """Return {"status": "ok"} while the process serves requests."""
        return {"status": "ok"}

    @app.get("/readyz", summary="Readiness: corpus open and not empty", tags=["health"],
             responses=_problems(503))
    def readyz(request: Request) -> Response:
        """Return the corpus counts when it is open and holds quotes; 503 otherwise."""
        try:
            counts = checker(request).read(lambda db: db.stats())
        except Exception as exc:  # a closed or broken corpus: not ready
            raise Problem(503, "Service Unavailable", f"corpus not usable: {exc}") from None
        if counts["quotes"] == 0:
            raise Problem(503, "Service Unavailable", "the corpus holds no quotes")
        return _json({"status": "ready", "quotes": counts["quotes"], "speakers": counts["speakers"]})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        counts = checker(request).read(lambda db: db.stats())
        line = f"Corpus: {counts['quotes']:,} quotes from {counts['speakers']:,} speakers."
        return HTMLResponse(_page_template().replace("{{corpus}}", html.escape(line))
                            .replace("{{version}}", html.escape(__version__)))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
    app.add_middleware(CheckFastPath)  # inside CORS and the Guard: both still see every request
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(Guard, settings=settings)
    return app


@cache
def _page_template() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


def _search(db: Corpus, q: str | None, speaker: str | None, limit: int, offset: int) -> dict:
    """Return one page of search (or listing) results as the API object."""
    from .align import draft_tokens
    from .judge import people_named
    from .match import candidates, score_alignment

    db.refresh()  # the server is long-lived: see quotes another process added since the last request

    speaker_id = None
    if speaker:
        found = db.speaker(speaker)
        if found is None:
            named = people_named(db, speaker)
            if not named:
                raise Problem(404, "Not Found", f"no speaker called {speaker!r} in the corpus")
            found = named[0]
        speaker_id = found.id
    hits: list[tuple[Any, float | None]]
    if q and q.strip():
        tokens = draft_tokens(q)
        if not any(t.kind == "word" for t in tokens):
            raise Problem(422, "Unprocessable Content", "`q` has no words to search for")
        ids = [speaker_id] if speaker_id else []
        quotes = [c for c in candidates(db, tokens, ids) if not speaker_id or c.speaker.id == speaker_id]
        scored = [score_alignment(tokens, c) for c in quotes]
        scored.sort(key=lambda s: (s.cost, -s.matched, len(s.alignment.quote.text)))
        total = len(scored)
        hits = [(s.alignment.quote, round(s.alignment.score, 1)) for s in scored[offset:offset + limit]]
    else:
        if speaker_id:
            total = db.conn.execute("SELECT COUNT(*) FROM quotes WHERE speaker_id=?", (speaker_id,)).fetchone()[0]
        else:
            total = db.stats()["quotes"]
        hits = [(quote, None) for quote in db.quotes(speaker_id=speaker_id, limit=limit, offset=offset)]
    results = [{"id": quote.id, "text": quote.text, "speaker": {"id": quote.speaker.id, "name": quote.speaker.name},
                "source": quote.source.to_json(), "score": score} for quote, score in hits]
    return {"q": q, "speaker": speaker_id, "total": total, "limit": limit, "offset": offset, "results": results}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc.status, exc.title, exc.detail, request, exc.headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        status, detail = exc.status_code, str(exc.detail)
        if status == 400 and isinstance(exc.__cause__, Exception):
            # FastAPI answers 400 when it cannot parse the body at all (invalid UTF-8, JSON nested past
            # Python's recursion limit, huge integers): for a client that is a bad body, like any other.
            status, detail = 422, f"the body is not JSON this service can read ({type(exc.__cause__).__name__})"
        elif status == 404:
            detail = f"nothing at {request.url.path}"
        elif status == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(status, TITLES.get(status, "Error"), detail, request, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()[:20]]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request", "type": ""}
        if first["type"] == "json_invalid":
            detail = "the body is not valid JSON"
        else:
            where = ".".join(first["loc"][1:]) if first["loc"][:1] == ["body"] else ".".join(first["loc"])
            detail = f"{where or 'body'}: {first['msg'].removeprefix('Value error, ')}"
        return problem_response(422, TITLES[422], detail, request, errors=errors)

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(500, TITLES[500], "an unexpected error; it has been logged", request)


def app_from_env() -> FastAPI:
    """Return the app configured from QUOTEPROOF_* environment variables (uvicorn's factory for workers)."""
    return create_app(Settings.from_env(), freeze_start_up=True)


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
        access_log: bool = True) -> None:
    """Serve the app with uvicorn until interrupted; raises CorpusError when the corpus cannot be opened."""
    import uvicorn

    from .records import default_corpus_path

    path = settings.corpus or str(default_corpus_path())  # build the default corpus once, before any worker
    Corpus.open(path, readonly=True).close()
    settings = replace(settings, corpus=path)
    if host not in ("127.0.0.1", "localhost", "::1") and not settings.token:
        log.warning("serving on %s without a token: anyone who can reach it can use /v1 (set --token)", host)
    os.environ.update(settings.to_env())
    GuardedHttpToolsProtocol.header_timeout = settings.header_timeout
    loads = WorkerLoads.create() if workers > 1 else None
    if loads:
        os.environ[WorkerLoads.ENV] = loads
    try:
        uvicorn.run(
            "verifier.service:app_from_env", factory=True, host=host, port=port, workers=workers,
            http=GuardedHttpToolsProtocol, loop="auto",  # uvloop where it is installed (not on Windows), else asyncio
            lifespan="on", access_log=access_log, proxy_headers=False, server_header=False,
            timeout_keep_alive=5,  # idle kept-alive connections closed after 5 s
            limit_concurrency=256,  # connections + tasks per worker; more get 503
            backlog=512,
            timeout_graceful_shutdown=10,
        )
    finally:
        if loads:
            os.environ.pop(WorkerLoads.ENV, None)
            Path(loads).unlink(missing_ok=True)


__all__ = ["Checker", "CorpusError", "GuardedHttpToolsProtocol", "Settings", "WorkerLoads", "app_from_env",
           "create_app", "decision", "run"]
