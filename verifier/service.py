"""The HTTP service: a JSON API under /v1 for a CMS, and a page at / for editors.

`quoteproof serve` runs this ASGI app under Granian. Each worker process opens
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
import errno
import gc
import hmac
import html
import json
import logging
import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .check import FileReport, check_document, summary
from .gate import fails
from .models import Speaker
from .read import InputError, document_from_upload
from .store import CorpusError, database_errors, open_corpus
from .store import CorpusReader as Corpus

log = logging.getLogger("quoteproof.service")

STATIC = Path(__file__).resolve().parent / "static"
FAIL_ON = ("misattributed", "drift", "unverified", "never")
FailOn = Literal["misattributed", "drift", "unverified", "never"]
Format = Literal["txt", "md", "html", "docx"]
PROBLEM = "application/problem+json"
MAX_DOCUMENTS = 100
# characters of draft checked on the event loop: ~10 ms for an article with a few quotations, ~70-90 ms at
# worst (nothing but short quotations)
INLINE_MAX_TEXT = 4_000
MAX_HEADER_BYTES = 16 * 1024  # request line and headers (the Guard answers 431 past this)
HEAD_BUFFER_BYTES = 128 * 1024  # the server's read buffer: a head that does not fit is refused 431 by it
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
    """How the service runs; passed to the server's worker processes through the environment."""

    corpus: str | None = None  # None: the shipped default corpus
    corpus_read: str | None = None  # a PostgreSQL standby that answers checks and searches
    token: str | None = None  # bearer token required on /v1 when set
    max_body: int = 1_000_000  # bytes
    cors_origins: tuple[str, ...] = ()
    body_timeout: float = 10.0  # seconds for the whole request body to arrive
    header_timeout: float = 10.0  # seconds for a request's headers to arrive
    cache_size: int = 512  # drafts whose reports each worker remembers (0: none)

    ENV = {
        "corpus": "QUOTEPROOF_CORPUS", "corpus_read": "QUOTEPROOF_CORPUS_READ",
        "token": "QUOTEPROOF_TOKEN", "max_body": "QUOTEPROOF_MAX_BODY",
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
            corpus_read=get["corpus_read"],
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
            "corpus": self.corpus or "", "corpus_read": self.corpus_read or "",
            "token": self.token or "", "max_body": str(self.max_body),
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
                       headers: Iterable[tuple[bytes, bytes]] = (),
                       drain: Callable[[], Awaitable[None]] | None = None) -> None:
    """Send a problem-details response straight through ASGI (used before the app runs) and close the
    connection (returns nothing). With `drain`, the answer is sent at once without a length (chunked), so
    that the response stays open while `drain()` runs, and ends after it."""
    body = problem_body(status, TITLES.get(status, "Error"), detail, path)
    length = [] if drain is not None else [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM.encode()), *length, (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body, "more_body": drain is not None})
    if drain is not None:
        await drain()
        await send({"type": "http.response.body", "body": b""})


def replaying(first: dict, receive: Callable[[], Awaitable[dict]]) -> Callable[[], Awaitable[dict]]:
    """Return an ASGI receive callable that gives the message `first` (again), then what `receive` gives."""
    pending = [first]

    async def replay() -> dict:
        return pending.pop() if pending else await receive()

    return replay


# -- the guard in front of the app: what the HTTP server leaves to the app ----
class Guard:
    """ASGI middleware for the limits no candidate server sets through its options (see DESIGN.md, "The HTTP
    server"): the bearer token on /v1, the body limit (413, refused from Content-Length or as soon as the
    streamed bytes pass it, before the body is read whole), the body deadline (408), a cap on complete
    request heads (431, as a problem document), and security headers on every response.

    A request refused while its body is still coming is answered, then drained (lingering close, as nginx
    does): the client may not read the answer before it has sent its body, and closing a connection with
    unread bytes in it sends a reset that destroys the answer in the client's buffer. The drain stops at
    the end of the body, after DRAIN_BYTES or after DRAIN_SECONDS, whichever comes first; the connection
    is then closed.
    """

    DRAIN_BYTES = 16 * 1024 * 1024
    DRAIN_SECONDS = 5.0

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

        async def refuse(status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
            await send_problem(send_with_headers, status, detail, path, headers,
                               drain=partial(self._drain, receive) if body_pending else None)

        raw_headers = scope.get("headers") or []
        headers = dict(raw_headers)
        body_pending = headers.get(b"content-length", b"0") not in (b"", b"0") or b"transfer-encoding" in headers
        if sum(len(k) + len(v) + 4 for k, v in raw_headers) + len(scope.get("raw_path") or b"") > MAX_HEADER_BYTES:
            await refuse(431, f"the request line and headers are over {MAX_HEADER_BYTES:,} bytes")
            return
        if self.token and (path == "/v1" or path.startswith("/v1/")) and not self._authorised(headers):
            await refuse(401, "this service needs the header 'Authorization: Bearer <token>' on /v1",
                         [(b"www-authenticate", b'Bearer realm="quoteproof"')])
            return
        limit = self.settings.max_body
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await refuse(413, f"the body is {int(declared):,} bytes; the limit is {limit:,}")
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.body_timeout):
                while body_pending:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        # gone, or a body the server could not frame (broken chunked encoding): answer in
                        # case the client is still there; the server drops it otherwise (OSError: ASGI 2.4)
                        body_pending = False
                        with suppress(OSError):
                            await refuse(400, "the request body ended before it was whole")
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    body_pending = message.get("more_body", False)
                    if size > limit:
                        await refuse(413, f"the body is over the {limit:,}-byte limit")
                        return
                    chunks.append(chunk)
        except TimeoutError:
            body_pending = False  # a client this slow is not waited for any longer
            await refuse(408, f"the body did not arrive within {self.settings.body_timeout:g} s")
            return
        whole = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replaying(whole, receive), send_with_headers)

    async def _drain(self, receive: Callable[[], Awaitable[dict]]) -> None:
        """Read and drop what is left of the request body, within DRAIN_BYTES and DRAIN_SECONDS."""
        dropped = 0
        try:
            async with asyncio.timeout(self.DRAIN_SECONDS):
                while dropped <= self.DRAIN_BYTES:
                    message = await receive()
                    dropped += len(message.get("body", b""))
                    if message["type"] != "http.request" or not message.get("more_body", False):
                        return
        except TimeoutError:
            pass

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        scheme, _, value = headers.get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and self.token is not None and hmac.compare_digest(value.strip(),
                                                                                               self.token)


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

    The same draft (text, format and path) gets the same report while the corpus is unchanged: a CMS that
    re-checks an article on every save is answered from the draft cache, without waiting for the corpus
    lock. When another process has changed the corpus (an import into a shared PostgreSQL corpus), the
    next check that reaches the corpus drops both caches; a draft answered from the cache before that is
    answered as it was. Drafts over CACHE_MAX_TEXT characters are never cached, so it holds
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
            if self.corpus.refresh():
                # another process (an import on a shared PostgreSQL corpus) changed the corpus: what was
                # remembered may be out of date
                self.forget()
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

    def forget(self) -> None:
        """Drop the remembered reports and findings (call holding the corpus lock)."""
        if self._memo is not None:
            self._memo.clear()
        with self._cache_lock:
            self._cache.clear()

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
            opened = open_corpus(path, readonly=True, read_location=settings.corpus_read)
        app.state.checker = Checker(corpus or opened, settings.cache_size)
        try:
            # after the corpus is open, so that what opening it made is frozen too
            with start_up_frozen() if freeze_start_up else nullcontext():
                yield
        finally:
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
    async def check(body: CheckRequest, request: Request,
                    fail_on: Annotated[FailOn, Query(description="Threshold for `decision: block`.")]
                    = "misattributed") -> Response:
        """Return the `check --format json` document for the drafts, with `fail_on` and `decision`.

        Drafts of up to INLINE_MAX_TEXT characters are checked right here on the event loop when the corpus
        lock is free (no hand-off to a thread); bigger ones, or when another thread holds the lock, go to
        the thread pool, so the loop keeps answering other requests (health checks among them)."""
        drafts = body.drafts()
        checked = checker(request).check_now(drafts) if body.size() <= INLINE_MAX_TEXT else None
        if checked is None:
            checked = await run_in_threadpool(checker(request).check, drafts)
        return Response(answer(checked, body.fail_on or fail_on), media_type="application/json")

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
            count = db.quote_count_of(speaker_id)
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

    @app.get("/readyz", summary="Readiness: corpus reachable and not empty", tags=["health"],
             responses=_problems(503))
    def readyz(request: Request) -> Response:
        """Return the corpus counts when its database answers and it holds quotes; 503 otherwise (the detail
        says whether the database could not be reached)."""
        try:
            counts = checker(request).read(lambda db: db.stats())
        except database_errors() as exc:
            raise Problem(503, "Service Unavailable", "corpus database unreachable: "
                          + " ".join(str(exc).split())[:200], database="unreachable") from None
        except Exception as exc:  # a closed or broken corpus: not ready
            raise Problem(503, "Service Unavailable", f"corpus not usable: {exc}") from None
        if counts["quotes"] == 0:
            raise Problem(503, "Service Unavailable", "the corpus holds no quotes")
        return _json({"status": "ready", "database": "reachable", "quotes": counts["quotes"],
                      "speakers": counts["speakers"]})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        counts = checker(request).read(lambda db: db.stats())
        line = f"Corpus: {counts['quotes']:,} quotes from {counts['speakers']:,} speakers."
        return HTMLResponse(_page_template().replace("{{corpus}}", html.escape(line))
                            .replace("{{version}}", html.escape(__version__)))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)
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
    from .match import best_first, candidates, score_alignment

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
        scored.sort(key=best_first)
        total = len(scored)
        hits = [(s.alignment.quote, round(s.alignment.score, 1)) for s in scored[offset:offset + limit]]
    else:
        if speaker_id:
            total = db.quote_count_of(speaker_id)
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
        if isinstance(exc, database_errors()):
            # the corpus's database went away (a server restart): answered until it is back, without a restart
            # of the service (the connection pool replaces the broken connections)
            log.warning("corpus database unreachable on %s %s: %s", request.method, request.url.path, exc)
            return problem_response(503, TITLES[503], f"the corpus database cannot be reached now"
                                    f" ({' '.join(str(exc).split())[:200]})", request, {"Retry-After": "5"})
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(500, TITLES[500], "an unexpected error; it has been logged", request)


def app_from_env() -> FastAPI:
    """Return the app configured from QUOTEPROOF_* environment variables (the server's factory for workers)."""
    return create_app(Settings.from_env(), freeze_start_up=True)


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
        access_log: bool = True) -> None:
    """Serve the app with Granian until interrupted (returns then); raises CorpusError when the corpus cannot
    be opened."""
    from .records import default_corpus_path

    path = settings.corpus or str(default_corpus_path())  # build the default corpus once, before any worker
    open_corpus(path, readonly=True, read_location=settings.corpus_read).close()
    settings = replace(settings, corpus=path)
    if port:
        check_free(host, port)
    if host not in ("127.0.0.1", "localhost", "::1") and not settings.token:
        log.warning("serving on %s without a token: anyone who can reach it can use /v1 (set --token)", host)
    os.environ.update(settings.to_env())
    server(settings, host, port, workers, access_log).serve()


class ServeError(Exception):
    """The service cannot start (the message is one line for the user)."""


def check_free(host: str, port: int) -> None:
    """Return when `host:port` can be listened on; raise ServeError when another process holds it or the
    address is not one of this machine's. Granian's workers share their socket (SO_REUSEPORT), which would
    let a second server quietly take half the requests of a first one, its token or not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # a port in TIME_WAIT is free to take; one another process listens on is not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            in_use = exc.errno == errno.EADDRINUSE
            reason = "address already in use" if in_use else (exc.strerror or str(exc))
            raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None


def server(settings: Settings, host: str, port: int, workers: int, access_log: bool) -> Any:
    """Return the Granian server for the app (not started); each worker process builds the app with
    `app_from_env`. Why Granian and these settings: DESIGN.md, "The HTTP server"."""
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.http import HTTP1Settings

    return Granian(
        "verifier.service:app_from_env", factory=True, interface=Interfaces.ASGI, address=host, port=port,
        workers=workers, loop=Loops.auto,  # uvloop where it is installed (not on Windows), else asyncio
        log_access=access_log, backlog=512,
        http1_settings=HTTP1Settings(
            # ms (Granian takes 1-60,000); a head unfinished then: connection cut off
            header_read_timeout=min(max(round(settings.header_timeout * 1000), 1), 60_000),
            keep_alive=True,
            # a head still growing past this is refused 431 by the server; a whole head over MAX_HEADER_BYTES
            # and under this reaches the Guard, which answers 431 with a problem document
            max_buffer_size=HEAD_BUFFER_BYTES,
        ),
        workers_kill_timeout=10,  # on SIGTERM, workers get 10 s to finish their requests
    )


__all__ = ["Checker", "CorpusError", "ServeError", "Settings", "app_from_env", "check_free", "create_app", "decision",
           "run", "server"]
