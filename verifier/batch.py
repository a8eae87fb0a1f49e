"""Check many files: in parallel on all cores, the corpus opened once per worker.

One unreadable file never stops the batch: it becomes an error line (a draft
that could not be checked; the CLI exits 2 after reporting the rest) or, for
a binary or empty file found inside a folder, a note (skipped).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .check import FileReport, check_document
from .read import MAX_BYTES_DEFAULT, InputError, read_document
from .store import CorpusReader as Corpus
from .store import open_corpus
from .walk import Target

# Below this many files a pool costs more (start-up, corpus opening) than it saves.
MIN_FILES_PER_WORKER = 4
_SKIPPABLE = ("binary file", "empty file")


@dataclass
class BatchResult:
    """Reports in the order the files were named, plus one line per file that was not checked."""

    reports: list[FileReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # drafts that could not be read or checked
    notes: list[str] = field(default_factory=list)  # files passed over (binary or empty, inside a folder)


_worker_corpus: Corpus | None = None
_worker_sources: Corpus | None = None  # the `check --source` files' corpus, when given
_worker_memo: dict = {}  # quotation wording and credit -> finding, for this worker's read-only corpus


def _init_worker(corpus_path: str, sources_path: str | None = None, read_location: str | None = None) -> None:
    global _worker_corpus, _worker_sources
    _worker_corpus = open_corpus(corpus_path, readonly=True, read_location=read_location)
    _worker_sources = open_corpus(sources_path, readonly=True) if sources_path else None
    _worker_memo.clear()


def check_one(target: Target, corpus: Corpus, max_bytes: int, memo: dict | None = None,
              sources: Corpus | None = None) -> tuple[str, FileReport | str]:
    """Return ("report", FileReport), ("error", line) or ("note", line) for one file."""
    try:
        document = read_document(target.path, max_bytes)
    except InputError as exc:
        message = str(exc)
        if not target.explicit and any(kind in message for kind in _SKIPPABLE):
            return "note", f"{message}: skipped"
        return "error", message
    try:
        return "report", check_document(document, corpus, memo, sources)
    except Exception as exc:  # noqa: BLE001 - one draft's failure must not sink the batch
        return "error", f"{target.path}: could not be checked ({type(exc).__name__}: {exc})"


def _check_in_worker(job: tuple[Target, int]) -> tuple[str, FileReport | str]:
    target, max_bytes = job
    assert _worker_corpus is not None
    return check_one(target, _worker_corpus, max_bytes, _worker_memo, _worker_sources)


def default_workers() -> int:
    """Return the number of worker processes to use: every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_files(targets: Iterable[Target], corpus_path: str, max_bytes: int = MAX_BYTES_DEFAULT,
                workers: int | None = None, progress: Callable[[int, int], None] | None = None,
                sources_path: str | None = None, read_location: str | None = None) -> BatchResult:
    """Return the results of checking every target, in order; `progress(done, total)` is called as files finish.
    `sources_path`: a corpus searched together with the other (the `check --source` files); `read_location`:
    a standby of a PostgreSQL corpus that answers the reads."""
    targets = list(targets)
    workers = min(workers or default_workers(), max(1, len(targets) // MIN_FILES_PER_WORKER))
    outcomes: Iterable[tuple[str, FileReport | str]]
    if workers <= 1:
        corpus = open_corpus(corpus_path, readonly=True, read_location=read_location)
        sources = open_corpus(sources_path, readonly=True) if sources_path else None
        memo: dict = {}
        outcomes = (check_one(t, corpus, max_bytes, memo, sources) for t in targets)

        def close() -> None:
            """Close both corpora (returns nothing)."""
            corpus.close()
            if sources:
                sources.close()

        return _gather(outcomes, len(targets), progress, close)
    chunk = max(1, min(32, len(targets) // (workers * 8)))
    from concurrent.futures import ProcessPoolExecutor  # only a multi-file run pays for the pool

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                             initargs=(corpus_path, sources_path, read_location)) as pool:
        outcomes = pool.map(_check_in_worker, [(t, max_bytes) for t in targets], chunksize=chunk)
        return _gather(outcomes, len(targets), progress, None)


def _gather(outcomes: Iterable[tuple[str, FileReport | str]], total: int,
            progress: Callable[[int, int], None] | None, close: Callable[[], None] | None) -> BatchResult:
    result = BatchResult()
    try:
        for done, (kind, value) in enumerate(outcomes, 1):
            if kind == "report":
                result.reports.append(value)  # type: ignore[arg-type]
            elif kind == "note":
                result.notes.append(value)  # type: ignore[arg-type]
            else:
                result.errors.append(value)  # type: ignore[arg-type]
            if progress:
                progress(done, total)
    finally:
        if close:
            close()
    return result


class ProgressBar:
    """A one-line progress bar on stderr, drawn only after the run has gone on for a while."""

    def __init__(self, stream=None, after_files: int = 50, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.after_files = after_files
        self.width = width
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.after_files:
            return
        if done != total and done % max(1, total // 200):
            return
        filled = self.width * done // total
        self.stream.write(f"\rquoteproof: [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} files")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        """Erase the bar so the report starts on a clean line."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
