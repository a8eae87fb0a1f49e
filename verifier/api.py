"""The public Python API: check drafts in-process, with the same behaviour as `quoteproof check`.

    import verifier

    corpus = verifier.open_corpus("newsroom.db")        # once; share it between threads
    report = verifier.check_file("story.docx", corpus=corpus)
    for finding in report.blocking:
        print(finding.position.line, finding.verdict, finding.speaker)

The names exported from `verifier` (see its `__all__`) are the public interface;
everything else in the package is internal and may change in any release.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .gate import FAIL_ON
from .models import Attribution, Change, Source
from .read import KINDS

Format = Literal["txt", "md", "html", "docx"]
FailOn = Literal["misattributed", "drift", "unverified", "never"]
Verdict = Literal["verified", "drift", "misattributed", "unverified"]
Severity = Literal["ok", "info", "warning", "error"]


class QuoteproofError(Exception):
    """Input quoteproof cannot use: a draft that cannot be read, a corpus that cannot be opened, a bad argument.

    `str(error)` is the one line the command line prints (after `quoteproof: `) for the same input.
    """


@dataclass(frozen=True)
class Position:
    """Where a quotation is in the draft: 1-based, the end just past the last quoted character.

    `unit` says what `line` counts: "line", or "paragraph" in a Word document (`column` is then the character
    within the paragraph).
    """

    line: int
    column: int
    end_line: int
    end_column: int
    unit: Literal["line", "paragraph"] = "line"


@dataclass(frozen=True)
class Suppressed:
    """An editor's inline acceptance of a finding: which verdicts, why, and the line (or paragraph) of the comment."""

    verdicts: tuple[str, ...]
    reason: str | None
    line: int


@dataclass(frozen=True)
class Finding:
    """The answer for one quotation in a draft."""

    path: str
    text: str  # the words inside the quote marks, as written
    verdict: Verdict
    severity: Severity
    position: Position
    attribution: Attribution | None  # who the draft credits
    speaker: str | None  # whose words these are, per the corpus
    source: Source | None  # where the corpus has them from
    original: str | None  # the original wording the quotation aligns to
    changes: tuple[Change, ...]  # word-level differences (drift, ellipses, brackets)
    score: int  # 0-100
    notes: tuple[str, ...] = ()
    suppressed: Suppressed | None = None
    blocks: bool = False  # whether this finding alone makes the report fail its `fail_on` threshold


@dataclass(frozen=True)
class FileResult:
    """The findings for one draft, and warnings about it (e.g. a suppression without a reason)."""

    path: str
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """What a check found, in every draft checked, judged against the `fail_on` threshold."""

    files: tuple[FileResult, ...]
    fail_on: FailOn
    _internal: tuple = field(default=(), repr=False, compare=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Return every finding, file after file, in the order of the drafts."""
        return tuple(f for file in self.files for f in file.findings)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Return the findings that reach the `fail_on` threshold (what makes `quoteproof check` exit 1)."""
        return tuple(f for f in self.findings if f.blocks)

    @property
    def failed(self) -> bool:
        """Return True when a finding reaches the threshold: `quoteproof check` would exit 1."""
        return any(f.blocks for f in self.findings)

    @property
    def decision(self) -> Literal["pass", "warn", "block"]:
        """Return the service's `decision`: block when failed, warn when a quotation is not verified, else pass."""
        if self.failed:
            return "block"
        if any(f.verdict != "verified" and f.suppressed is None for f in self.findings):
            return "warn"
        return "pass"

    @property
    def summary(self) -> dict[str, int]:
        """Return the JSON `summary`: files, quotes and a count for each verdict (and `suppressed` when any)."""
        from .check import summary

        return summary(list(self._internal))

    def to_json(self) -> str:
        """Return the document `quoteproof check --format json` prints for the same drafts."""
        from .report import to_json

        return to_json(list(self._internal))


class Corpus:
    """An opened corpus of verbatim quotes (read-only), safe to share between threads.

    Checks on one Corpus take turns on its database connection; reading and parsing drafts runs in parallel.
    """

    def __init__(self, opened) -> None:  # opened: a verifier.store corpus
        self._corpus = opened
        self._lock = threading.Lock()

    @property
    def path(self) -> str:
        """Return the corpus database's path (or its URL, without the password)."""
        return str(self._corpus.location)

    def close(self) -> None:
        """Close the database connection; the Corpus cannot be used afterwards."""
        with self._lock:
            self._corpus.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"verifier.Corpus({self.path!r})"


def open_corpus(path_or_url: str | os.PathLike[str] | None = None) -> Corpus:
    """Return the corpus at a path (or a file: URL, or a postgresql:// URL), opened read-only; None opens the
    shipped corpus.

    Raises QuoteproofError when it cannot be opened (missing, not a corpus, a newer schema, another scheme).
    """
    from .records import default_corpus_path
    from .store import CorpusError, is_server_url
    from .store import open_corpus as open_store

    try:
        if path_or_url is None:
            return Corpus(open_store(default_corpus_path(), readonly=True))
        location = os.fspath(path_or_url)
        if location.startswith("file://"):
            from urllib.parse import unquote, urlsplit

            location = unquote(urlsplit(location).path)
        elif "://" in location and not is_server_url(location):
            raise QuoteproofError(f"{location.split('://')[0]}:// corpora are not supported by this version "
                                  "of quoteproof: give a corpus file's path")
        return Corpus(open_store(location, readonly=True))
    except CorpusError as exc:
        raise QuoteproofError(str(exc)) from None


_default: Corpus | None = None
_default_lock = threading.Lock()


def _shipped_corpus() -> Corpus:
    global _default
    with _default_lock:
        if _default is None:
            _default = open_corpus(None)
        return _default


def _arguments(corpus: Corpus | str | os.PathLike[str] | None, sources: Sequence[str | os.PathLike[str]],
               fail_on: str, format: str | None) -> tuple[Corpus, bool]:
    """Return the corpus to check against and whether it was opened for this call; raise on a bad argument."""
    if fail_on not in FAIL_ON:
        raise QuoteproofError(f"fail_on {fail_on!r}: use one of {', '.join(FAIL_ON)}")
    if format is not None and format not in KINDS:
        raise QuoteproofError(f"format {format!r}: use one of {', '.join(KINDS)}")
    if isinstance(sources, (str, bytes, os.PathLike)):
        raise QuoteproofError("sources: give a list of files, not one string")
    if isinstance(corpus, Corpus):
        return corpus, False
    if corpus is None:
        return _shipped_corpus(), False
    return open_corpus(corpus), True


def _judged(document, corpus: Corpus, owned: bool, fail_on: FailOn,
            sources: Sequence[str | os.PathLike[str]] = ()) -> Report:
    """Return the Report for one read Document, checked against `corpus` (closed afterwards if `owned`) and
    the transcripts and articles in `sources`, as `check --source` does."""
    from .check import check_document
    from .gate import blocks
    from .sources import SourceError, given_sources
    from .store import CorpusError

    try:
        with corpus._lock:
            if sources:
                with given_sources([os.fspath(p) for p in sources], corpus._corpus) as given:
                    internal = check_document(document, corpus._corpus, sources=given.corpus)
            else:
                internal = check_document(document, corpus._corpus)
    except (SourceError, CorpusError) as exc:
        raise QuoteproofError(str(exc)) from None
    finally:
        if owned:
            corpus.close()
    unit = "paragraph" if internal.unit == "paragraph" else "line"
    findings = tuple(
        Finding(
            path=internal.path, text=f.quotation.text, verdict=f.verdict, severity=f.severity,  # type: ignore[arg-type]
            position=Position(f.line, f.column, f.end_line, f.end_column, unit), attribution=f.attribution,
            speaker=f.speaker, source=f.source, original=f.original, changes=tuple(f.changes), score=round(f.score),
            notes=tuple(f.notes), blocks=blocks(f, fail_on),
            suppressed=Suppressed(tuple(f.suppressed["verdicts"]), f.suppressed.get("reason"),
                                  f.suppressed.get("line", 0)) if f.suppressed else None)
        for f in internal.findings)
    return Report((FileResult(internal.path, findings, tuple(internal.warnings)),), fail_on, (internal,))


def check(text: str | bytes, *, format: Format = "txt", corpus: Corpus | str | os.PathLike[str] | None = None,
          sources: Sequence[str | os.PathLike[str]] = (), fail_on: FailOn = "misattributed") -> Report:
    """Return the Report for a draft held in memory (its path is "<text>", as `check --text` names it).

    `text` is the draft (str, or UTF-8 bytes); for format "docx" it is the .docx file's bytes. `corpus` is an
    opened Corpus (best when checking many drafts), a corpus file's path, or None for the shipped corpus.
    Raises QuoteproofError for input it cannot use.
    """
    from .read import InputError, document_from_bytes, document_from_text

    opened, owned = _arguments(corpus, sources, fail_on, format)
    try:
        if isinstance(text, (bytes, bytearray)):
            document = document_from_bytes(bytes(text), "<text>", format)
        elif format == "docx":
            raise QuoteproofError("<text>: a Word document is given as bytes (the .docx file's contents), not str")
        elif not isinstance(text, str):
            raise QuoteproofError(f"text: a str or bytes, not {type(text).__name__}")
        else:
            document = document_from_text(text, "<text>", format)
    except (InputError, QuoteproofError) as exc:
        if owned:
            opened.close()
        raise QuoteproofError(str(exc)) from None
    return _judged(document, opened, owned, fail_on, sources)


def check_file(path: str | os.PathLike[str], *, format: Format | None = None,
               corpus: Corpus | str | os.PathLike[str] | None = None, sources: Sequence[str | os.PathLike[str]] = (),
               fail_on: FailOn = "misattributed", max_bytes: int | None = None) -> Report:
    """Return the Report for one draft file, read as `quoteproof check PATH` reads it.

    The format comes from the file name (.md, .html, .docx, else plain text) unless given; files over
    `max_bytes` (default 10 MiB) are refused. Raises QuoteproofError for input it cannot use.
    """
    from .read import MAX_BYTES_DEFAULT, InputError, read_document

    opened, owned = _arguments(corpus, sources, fail_on, format)
    try:
        document = read_document(os.fspath(path), max_bytes or MAX_BYTES_DEFAULT, format)
    except InputError as exc:
        if owned:
            opened.close()
        raise QuoteproofError(str(exc)) from None
    return _judged(document, opened, owned, fail_on, sources)
