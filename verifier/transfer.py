"""Stream quotes into and out of a corpus: JSON Lines (ours and Quotebank's) and CSV, plain or compressed.

Formats `import_files` reads, each plain or as `.gz` / `.bz2`, one record at a time
(a file is never held in memory):

* **quoteproof JSONL** (what `export_corpus` writes): one object a line with a
  `type` of `speaker` (`id, name, aliases, role, affiliations, gender, qid`),
  `source` (`id, publisher, title, date, url`) or `quote` (`text, speaker,
  source, context, relayed_by`, naming speaker and source by id; `id` is
  ignored and recomputed). Lines without `type` are read by their fields, so
  the curated `corpus/*.jsonl` records import too. A quote must name a speaker
  and source given earlier in the file or already stored.
* **Quotebank JSONL**: `quotation, speaker, qids, date, urls, probas,
  numOccurrences, quoteID`. The speaker is matched by QID when `qids` holds
  exactly one (several mean the name is ambiguous), else by name; lines whose
  speaker is `None` are counted as skipped (a quote nobody is credited with
  cannot be checked for attribution). The first URL is the source (publisher =
  its host name, title = the URL), the date its first ten characters.
* **CSV** with a header row (`.csv`; `.tsv` for tabs). Columns, in any order:
  `text` (or `quotation`) and `speaker` are required; optional are
  `speaker_qid` (or `qid`), `speaker_aliases` and `speaker_affiliations`
  (several separated by `|`), `speaker_role`, `speaker_gender`, `publisher`,
  `title`, `date` (YYYY-MM-DD), `url`, `context`. Other columns are ignored.

Deduplication: a speaker by Wikidata QID, then by an existing speaker's name or
alias (unless both have different QIDs), then by id; a source by URL, then by
id; a quote by its content hash (text, speaker, source), so importing a file
twice adds nothing the second time.

Writing happens in batches (50,000 quotes by default), each in one transaction:
an interrupted import leaves the corpus as it was after the last finished
batch. A malformed line is reported with its line number and skipped; with
`strict` the first one stops the import and the whole file is rolled back. A
`dry_run` does all the work in one transaction and rolls it back, so its counts
are exact and the corpus is untouched.

How it is fast: JSONL is read in blocks of whole lines that worker processes
parse, validate (Quotebank) and tokenise (`_parse_block`); this process resolves
speakers and sources and stores each batch's quotes, then a writer thread builds
the full-text index and terms for it (SQLite releases the GIL) while the next
records are read.
"""

from __future__ import annotations

import bz2
import contextlib
import csv
import datetime
import gc
import gzip
import hashlib
import io
import json
import os
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import orjson

from .models import Source, Speaker
from .normalize import index_text, index_words
from .store import CorpusError, name_key, quote_id, slug
from .store import CorpusStore as Corpus

BATCH_SIZE = 50_000
MAX_REPORTED_ERRORS = 100
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
QID_RE = re.compile(r"Q[1-9]\d*")
UNKNOWN_SOURCE = Source(id="unknown", publisher="unknown", title="unknown")
_CACHE_LIMIT = 200_000


class TransferError(CorpusError):
    """An import or export that cannot go on; the message is one line for the user."""


class BadLine(ValueError):
    """One input record that cannot be imported; the message says why."""


@dataclass(frozen=True)
class LineError:
    """A malformed input record: where it is and what is wrong with it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import read and stored."""

    files: int = 0
    lines: int = 0  # records read (JSONL lines or CSV rows), blank lines excepted
    quotes: int = 0  # valid quote records read
    added: int = 0  # quotes stored that were not there before (would be, in a dry run)
    speakers_added: int = 0
    sources_added: int = 0
    skipped: int = 0  # valid lines with nothing to import (Quotebank quotes with no speaker)
    malformed: int = 0
    errors: list[LineError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS of them
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def already(self) -> int:
        """Return how many valid quotes were stored already (or repeated within the input)."""
        return self.quotes - self.added


@dataclass(frozen=True)
class Progress:
    """How far an import has got in the file it is reading."""

    path: str
    bytes_read: int  # of the file on disk (compressed bytes for .gz/.bz2)
    bytes_total: int
    lines: int  # records read so far, over all files
    added: int


ProgressFn = Callable[[Progress], None]


# -- reading files -------------------------------------------------------------
def _kind_of(path: str) -> tuple[str, str]:
    """Return (compression, format) of a file from its name: ('gz'|'bz2'|'', 'jsonl'|'csv'|'tsv')."""
    name = path.lower()
    compression = ""
    for ext in ("gz", "bz2"):
        if name.endswith("." + ext):
            compression, name = ext, name[: -len(ext) - 1]
    if name.endswith((".csv",)):
        return compression, "csv"
    if name.endswith(".tsv"):
        return compression, "tsv"
    if name.endswith((".jsonl", ".json", ".ndjson")) or name == "-":
        return compression, "jsonl"
    raise TransferError(f"{path}: unknown file type (use .jsonl, .json, .ndjson, .csv or .tsv, "
                        f"optionally .gz or .bz2)")


class _Counted(io.RawIOBase):
    """A raw file that counts the bytes read from it (for progress on compressed files)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _open_binary(path: str, compression: str) -> tuple[IO[bytes], _Counted]:
    """Return a decompressed binary line stream of the file, and the counter of raw bytes read."""
    try:
        raw = _Counted(open(path, "rb"))  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise TransferError(f"{path}: cannot read ({exc.strerror or exc})") from None
    buffered = io.BufferedReader(raw, 1 << 20)
    if compression == "gz":
        return gzip.GzipFile(fileobj=buffered, mode="rb"), raw  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(buffered, mode="rb"), raw  # type: ignore[return-value]
    return buffered, raw  # type: ignore[return-value]


def _compressed_failure(path: str, compression: str, exc: BaseException, line: int) -> TransferError:
    """Return the one-line error for a compressed file that cannot be read to its end."""
    name = {"gz": "gzip", "bz2": "bzip2"}.get(compression, "compressed")
    if isinstance(exc, EOFError):
        return TransferError(f"{path}: truncated {name} file: it ends unexpectedly after line {line}")
    return TransferError(f"{path}: not a readable {name} file ({exc})")


DEFER_SPEAKER_LOOKUPS = True  # Quotebank speakers not in the caches are looked up at the flush (False: when read)
PARALLEL_MIN_BYTES = 4 << 20  # files at least this big are parsed in worker processes
PARSE_WORKERS = 2
BLOCK_BYTES = 1 << 20  # JSONL is read and parsed in blocks of whole lines about this big

# what a parsed line holds (`_Block.entries`)
_QUOTEBANK = 0  # the fields of a valid Quotebank quote (`_quotebank_fields`) and of its source
_SKIPPED = 1  # a valid Quotebank line with nothing to import
_BAD = 2  # a BadLine
_RECORD = 3  # anything else (a parsed JSON value or a CSV row), for `_Importer.take`


@dataclass(eq=False)
class _Block:
    """Parsed lines of one block of input: (line number, kind, payload, index text of its quote or None)
    for each non-blank line."""

    entries: list[tuple[int, int, Any, str | None]]


def _line_blocks(stream: IO[bytes], size: int) -> Iterator[tuple[int, bytes]]:
    """Yield (number of its first line, bytes) for blocks of whole lines of about `size` bytes, then the
    last line if it has no newline. A read error is raised after the block of the whole lines before it."""
    number = 1
    parts: list[bytes] = []
    total = 0
    while True:
        try:
            data = stream.read1(size)  # type: ignore[attr-defined]
        except BaseException:
            block = b"".join(parts)
            cut = block.rfind(b"\n") + 1
            if cut:
                yield number, block[:cut]
            raise
        if not data:
            break
        parts.append(data)
        total += len(data)
        if total >= size and b"\n" in data:
            block = b"".join(parts)
            cut = block.rfind(b"\n") + 1
            yield number, block[:cut]
            number += block.count(b"\n", 0, cut)
            parts = [block[cut:]] if cut < len(block) else []
            total = len(block) - cut
    if parts:
        yield number, b"".join(parts)


def _loads(line: bytes, newline: bool) -> Any:
    """Return the JSON value of one line (read without its newline, which it had if `newline`), or a
    BadLine saying why it is not one."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    # the standard parser decides, on the line as read (its encoding detection looks at the length),
    # so what is accepted and the messages stay as they were
    try:
        return json.loads(line + b"\n" if newline else line)
    except UnicodeDecodeError:
        return BadLine("not UTF-8 text")
    except ValueError as exc:
        return BadLine(f"not valid JSON ({getattr(exc, 'msg', str(exc))})")


def _parse_block(first: int, data: bytes) -> _Block:
    """Return the parsed lines of a block of JSONL whose first line is number `first`.

    Quotebank lines are validated here too (`_quotebank_fields`), and their
    sources derived from their URLs, so the process that writes has little left to do.
    """
    block = _Block([])
    entries = block.entries
    sources: dict[tuple[str | None, str | None], tuple] = {}  # (url, date) -> the source's fields
    lines = data.split(b"\n")
    last = len(lines) - 1  # the part after the last newline: empty, or a last line without one
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        number = first + i
        record = _loads(line, i < last)
        if isinstance(record, BadLine):
            entries.append((number, _BAD, record, None))
        elif isinstance(record, dict) and "quotation" in record:
            try:
                fields = _quotebank_fields(record)
            except BadLine as exc:
                entries.append((number, _BAD, exc.with_traceback(None), None))
                continue
            if fields is None:
                entries.append((number, _SKIPPED, None, None))
                continue
            text, name, key, qid, url, date = fields
            source = sources.get((url, date))
            if source is None:
                made = _source_from(url, None, None, date)
                source = sources[url, date] = (made.id, made.publisher, made.title, made.date, made.url)
            words = index_words(text)
            # the source's URL rather than the line's own copy: pickled once per block, not once per line
            entries.append((number, _QUOTEBANK, (text, name, key, qid, source[4], date, source), " ".join(words)))
        else:
            text = record.get("text") if isinstance(record, dict) else None
            entries.append((number, _RECORD, record, index_text(text) if isinstance(text, str) else None))
    return block


class _Workers:
    """The worker processes of an import, started when a file is first big enough to need them, and
    shared by every file of the run (their last batch is indexed after the file is closed)."""

    def __init__(self) -> None:
        self.pool: Any = None

    def get(self) -> Any:
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=PARSE_WORKERS,
                                            mp_context=multiprocessing.get_context("fork"))
        return self.pool

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _jsonl_blocks(stream: IO[bytes], pool: Any) -> Iterator[_Block]:
    """Yield the parsed blocks of a JSONL stream in order; with a process `pool`, parse them in its worker
    processes while this one stores the blocks before (a few blocks ahead at most, so memory stays
    bounded). A read error is raised after every block read before it has been yielded."""
    blocks = _line_blocks(stream, BLOCK_BYTES)
    if pool is None:
        for first, data in blocks:
            yield _parse_block(first, data)
        return
    pending: deque[Future] = deque()
    try:
        try:
            for first, data in blocks:
                pending.append(pool.submit(_parse_block, first, data))
                if len(pending) > 2 * PARSE_WORKERS:
                    yield pending.popleft().result()
        except (EOFError, OSError, zlib.error):
            while pending:
                yield pending.popleft().result()
            raise
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:  # stopped early: the blocks not parsed yet are not wanted
            future.cancel()


def _csv_records(stream: IO[bytes], delimiter: str) -> Iterator[tuple[int, Any, None]]:
    """Yield (line number, {column: value} or BadLine, None) for each data row under the header."""
    bad_text: set[int] = set()

    def lines() -> Iterator[str]:
        for number, raw in enumerate(stream, 1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_text.add(number)
                yield raw.decode("utf-8", errors="replace")

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise BadLine(f"line 1: unreadable CSV header ({exc})") from None
    columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    if not ({"text", "quotation"} & set(columns)) or not ({"speaker", "speaker_name"} & set(columns)):
        raise BadLine("the CSV header needs a 'text' (or 'quotation') and a 'speaker' column; "
                      f"it has: {', '.join(columns) or 'nothing'}")
    previous = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, previous = previous + 1, reader.line_num
            yield start, BadLine(f"unreadable CSV row ({exc})"), None
            continue
        start, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if any(n in bad_text for n in range(start, reader.line_num + 1)):
            yield start, BadLine("not UTF-8 text"), None
            continue
        if len(row) != len(columns):
            yield start, BadLine(f"{len(row)} fields where the header has {len(columns)}"), None
            continue
        yield start, dict(zip(columns, row, strict=True)), None


# -- turning records into corpus rows ---------------------------------------------
def _text(value: Any, field_name: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise BadLine(f"no {field_name!r}")
        return None
    if not isinstance(value, str):
        raise BadLine(f"{field_name!r} is not a string")
    _encodable(value, field_name)
    return value


def _encodable(value: str, field_name: str) -> None:
    """Raise BadLine when a string cannot be stored as UTF-8 (a JSON-escaped lone surrogate, "\\ud800")."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadLine(f"{field_name!r} holds a lone surrogate escape, not text") from None


def _strings(value: Any, field_name: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        _encodable(value, field_name)
        return tuple(v.strip() for v in value.split("|") if v.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        for v in value:
            _encodable(v, field_name)
        return tuple(value)
    raise BadLine(f"{field_name!r} is not a list of strings")


def date_problem(text: str) -> str | None:
    """Return why a publication date is unusable ("not YYYY-MM-DD", "no such day"), or None when it is one."""
    if not DATE_RE.match(text[:10]):
        return "is not YYYY-MM-DD"
    try:
        datetime.date.fromisoformat(text[:10])
    except ValueError:
        return "is no such day"
    return None


def _date(value: Any) -> str | None:
    text = _text(value, "date")
    if text is None:
        return None
    problem = date_problem(text)
    if problem:
        raise BadLine(f"date {text!r} {problem}")
    return text[:10]


def _qid(value: Any) -> str | None:
    text = _text(value, "qid")
    if text is None:
        return None
    if not QID_RE.fullmatch(text.strip()):
        raise BadLine(f"{text!r} is not a Wikidata QID (Q followed by digits)")
    return text.strip()


def _short_hash(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:12]


# "http(s)://" and a host name of lower-case letters, digits, dots and hyphens, then the path, query,
# fragment or the end: urlsplit's hostname is then exactly that name (no user, port, brackets, upper case)
_PLAIN_HOST = re.compile(r"https?://([a-z0-9.-]+)(?=[/?#]|$)")


def _source_from(url: str | None, publisher: str | None, title: str | None, date: str | None) -> Source:
    """Return a source made from loose fields, with an id derived from its URL (or its other fields)."""
    if url:
        plain = _PLAIN_HOST.match(url)  # most URLs: 10 times faster than urlsplit, the same host
        host = plain.group(1) if plain else urlsplit(url).hostname or ""
        host = host[4:] if host.startswith("www.") else host
        return Source(id="s-" + _short_hash(url), publisher=publisher or host or "unknown",
                      title=title or url, date=date, url=url)
    if publisher or title:
        return Source(id="s-" + _short_hash(publisher, title, date), publisher=publisher or "unknown",
                      title=title or "untitled", date=date, url=None)
    return UNKNOWN_SOURCE


# a quote waiting for `flush`: (index text or None, text, speaker id, source id or a Source until resolved
# against the corpus, context, relayed_by)
_Queued = tuple[str | None, str, str, "str | Source", str | None, str | None]


def _quotebank_fields(r: dict) -> tuple[str, str, str, str | None, str | None, str | None] | None:
    """Return (text, speaker name, its name key, QID, URL, date) of a Quotebank record, or None when it
    credits nobody (no speaker, or a "name" with no letters or digits to know them by); raise BadLine
    when it is malformed."""
    text = _text(r.get("quotation"), "quotation", required=True)
    name = _text(r.get("speaker"), "speaker")
    qids = r.get("qids") or []
    if not isinstance(qids, list):
        raise BadLine("'qids' is not a list")
    urls = r.get("urls") or []
    if not isinstance(urls, list) or (urls and not isinstance(urls[0], str)):
        raise BadLine("'urls' is not a list of strings")
    if urls:
        _encodable(urls[0], "urls")
    date = r.get("date")
    date = _DATES[date] if isinstance(date, str) else _date(date)
    speaker = _SPEAKER_NAMES[name] if name else None
    if speaker is None:
        return None
    qid = None
    if len(qids) == 1:
        qid = _QIDS[qids[0]] if isinstance(qids[0], str) else _qid(qids[0])
    return text, *speaker, qid, urls[0] if urls else None, date


class _Memo(dict):
    """The results of a function for the strings it was given (speaker names, dates, QIDs recur), kept
    until `limit` are known. A string the function refuses (BadLine) is not kept."""

    def __init__(self, function: Callable[[str], Any], limit: int = 100_000) -> None:
        super().__init__()
        self.function = function
        self.limit = limit

    def __missing__(self, value: str) -> Any:
        if len(self) >= self.limit:
            self.clear()
        result = self[value] = self.function(value)
        return result


def _speaker_name(name: str) -> tuple[str, str] | None:
    """Return (name, name key) of a Quotebank speaker name, or None for one that credits nobody ("None",
    or no letters or digits to know them by)."""
    key = name_key(name)
    if name.strip().lower() == "none" or not key:
        return None
    return name.strip(), key


_SPEAKER_NAMES = _Memo(_speaker_name)
_DATES = _Memo(_date)
_QIDS = _Memo(_qid)


class _Importer:
    """Resolves speakers and sources against the corpus and writes quotes in batches."""

    def __init__(self, corpus: Corpus, report: ImportReport, after_commit: Callable[[], None] = lambda: None) -> None:
        self.corpus = corpus
        self.report = report
        self.after_commit = after_commit  # called by the writer thread after it commits a batch
        self.by_qid: dict[str, str] = {}
        self.by_name: dict[str, str | None] = {}  # name key -> speaker id (None: ambiguous or none)
        self.speaker_known: set[str] = set()
        self.speaker_qid: dict[str, str | None] = {}
        self.file_speaker: dict[str, str] = {}  # ids as written in a quoteproof JSONL -> stored ids
        self.file_source: dict[str, str] = {}
        self.source_by_url: dict[str, str] = {}
        self.source_known: set[str] = set()
        self.new_speakers: dict[str, Speaker] = {}
        self.pending_keys: dict[str, list[tuple[str, str, str | None]]] = {}  # name keys of new_speakers
        self.new_sources: dict[str, Source] = {}
        self.quotes: list[_Queued] = []
        self.url_sources: dict[str, Source] = {}  # URLs of queued quotes not in source_by_url -> their source
        self.unresolved: list[int] = []  # positions in `quotes` of those whose source has no URL
        # Quotebank speakers to look up in the corpus at the flush, in the order met: (position in `quotes`,
        # or -1 for a quote refused, name, QID), and the QIDs and name keys among them (`quotebank`)
        self.unresolved_speakers: list[tuple[int, str, str | None]] = []
        self.unresolved_qids: set[str] = set()
        self.unresolved_keys: set[str] = set()
        self.indexed: str | None = None  # index text of the record being taken, when already computed
        # what `_look_up_at_once` learnt for the speakers being resolved at a flush: the stored speakers by
        # name key, the QIDs and ids no stored speaker has
        self.looked_up_keys: dict[str, list[tuple[str, str, str | None]]] = {}
        self.absent_qids: set[str] = set()
        self.absent_ids: set[str] = set()
        self.writer: ThreadPoolExecutor | None = None
        self.workers = _Workers()
        self.writing: Future[int] | None = None  # the batch of quotes being written

    # speakers ---------------------------------------------------------------
    def _trim_caches(self) -> None:
        for cache in (self.by_qid, self.by_name, self.speaker_qid, self.source_by_url):
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
        for known in (self.speaker_known, self.source_known):
            if len(known) > _CACHE_LIMIT:
                known.clear()

    def _speaker_exists(self, speaker_id: str) -> bool:
        if speaker_id in self.speaker_known or speaker_id in self.new_speakers:
            return True
        if speaker_id in self.absent_ids:
            return False
        if self.corpus.has_speaker(speaker_id):
            self.speaker_known.add(speaker_id)
            return True
        return False

    def _lookup_qid(self, qid: str) -> str | None:
        if qid not in self.by_qid:
            if qid in self.absent_qids:
                return None
            found = self.corpus.speaker_ids_with_qid(qid)
            if not found:
                return None
            self.by_qid[qid] = found[0]
        return self.by_qid[qid]

    def _lookup_name(self, name: str, qid: str | None) -> str | None:
        """Return the one speaker a name or alias means (compatible with `qid`), or None."""
        key = name_key(name)
        if not key:
            return None
        if key in self.by_name and not qid:
            return self.by_name[key]
        stored = self.looked_up_keys[key] if key in self.looked_up_keys else self.corpus.speaker_rows_named(name)
        rows = stored + self.pending_keys.get(key, [])
        fitting = [r for r in rows if not (qid and r[2] and r[2] != qid)]
        named = {r[0] for r in fitting if r[1] == "name"}
        ids = named or {r[0] for r in fitting}
        found = next(iter(ids)) if len(ids) == 1 else None
        if not qid:
            self.by_name[key] = found
        return found

    def _same_person(self, speaker_id: str, speaker: Speaker) -> bool:
        """Return True when the speaker stored (or queued) under this id has this exact name and no other QID
        (a name with no letters has no name key, so only its id can find it again)."""
        known = self.new_speakers.get(speaker_id) or self.corpus.speaker(speaker_id)
        return bool(known and known.name == speaker.name and not (known.qid and speaker.qid
                                                                   and known.qid != speaker.qid))

    def resolve_speaker(self, speaker: Speaker, file_id: str | None = None) -> str:
        """Return the stored id for a speaker record, queueing a new or merged speaker as needed."""
        found = self._lookup_qid(speaker.qid) if speaker.qid else None
        by_qid = found is not None
        if found is None and file_id and self._speaker_exists(file_id):
            found = file_id
        if found is None:
            found = self._lookup_name(speaker.name, speaker.qid)
        if found is not None:
            extra = bool(speaker.aliases or speaker.affiliations or speaker.role or speaker.gender)
            if extra or (speaker.qid and not by_qid):
                self.new_speakers[found] = _merged(self.new_speakers.get(found), replace(speaker, id=found))
            if speaker.qid:
                self.by_qid[speaker.qid] = found
            return found
        new_id = file_id or slug(speaker.name)
        if self._speaker_exists(new_id) and not self._same_person(new_id, speaker):
            new_id = f"{slug(speaker.name)}-{(speaker.qid or _short_hash(speaker.name)).lower()}"
        self.new_speakers[new_id] = replace(speaker, id=new_id)
        for alias, kind in [(speaker.name, "name")] + [(a, "alias") for a in speaker.aliases]:
            key = name_key(alias)
            self.pending_keys.setdefault(key, []).append((new_id, kind, speaker.qid))
            self.by_name.pop(key, None)
        if speaker.qid:
            self.by_qid[speaker.qid] = new_id
        return new_id

    # sources ------------------------------------------------------------------
    def resolve_source(self, source: Source, file_id: str | None = None) -> str:
        """Return the stored id for a source record, queueing it when new."""
        if source.url:
            if source.url not in self.source_by_url:
                stored = self.corpus.source_ids_with_urls([source.url])
                if stored:
                    self.source_by_url[source.url] = stored[source.url]
            if source.url in self.source_by_url:
                return self.source_by_url[source.url]
        source_id = file_id or source.id
        if source_id not in self.source_known and source_id not in self.new_sources:
            if self.corpus.has_source(source_id):
                self.source_known.add(source_id)
            else:
                self.new_sources[source_id] = Source(source_id, source.publisher, source.title, source.date,
                                                     source.url)
        if source.url:
            self.source_by_url[source.url] = source_id
        return source_id

    # records --------------------------------------------------------------------
    def take(self, record: Any, loose: bool = False) -> bool:
        """Queue one parsed record (`loose`: a CSV row naming its speaker and source by their fields);
        return False when it holds nothing to import. Raise BadLine if it is malformed."""
        if isinstance(record, BadLine):
            raise record
        if self.unresolved_speakers:  # resolved in the order met: before any record that may add a speaker
            self._resolve_pending_speakers()
        if loose:
            return self._loose(record)
        if not isinstance(record, dict):
            raise BadLine("expected a JSON object")
        if "quotation" in record:
            return self._quotebank(record)
        kind = record.get("type")
        if kind == "speaker" or (kind is None and "name" in record and "id" in record and "text" not in record):
            self._speaker_record(record)
            return False
        if kind == "source" or (kind is None and "publisher" in record and "text" not in record):
            self._source_record(record)
            return False
        if kind not in (None, "quote"):
            raise BadLine(f"unknown record type {kind!r}")
        if "text" not in record:
            raise BadLine("no 'text' (or 'quotation') field: not a quote record")
        if "speaker_name" in record or "publisher" in record or "url" in record or "title" in record:
            return self._loose(record)  # a CSV row
        return self._quote_record(record)

    def _speaker_record(self, r: dict) -> None:
        speaker_id = _text(r.get("id"), "id", required=True)
        name = _text(r.get("name"), "name", required=True)
        speaker = Speaker(id=speaker_id, name=name, aliases=_strings(r.get("aliases"), "aliases"),
                          role=_text(r.get("role"), "role"),
                          affiliations=_strings(r.get("affiliations"), "affiliations"),
                          gender=_text(r.get("gender"), "gender"), qid=_qid(r.get("qid")))
        self.file_speaker[speaker_id] = self.resolve_speaker(speaker, file_id=speaker_id)

    def _source_record(self, r: dict) -> None:
        source_id = _text(r.get("id"), "id", required=True)
        source = Source(id=source_id, publisher=_text(r.get("publisher"), "publisher", required=True),
                        title=_text(r.get("title"), "title") or "untitled", date=_date(r.get("date")),
                        url=_text(r.get("url"), "url"))
        self.file_source[source_id] = self.resolve_source(source, file_id=source_id)

    def _known_speaker(self, value: Any, field_name: str) -> str:
        written = _text(value, field_name, required=True)
        if written in self.file_speaker:
            return self.file_speaker[written]
        if self._speaker_exists(written):
            return written
        raise BadLine(f"{field_name} {written!r} is neither a speaker given earlier in the file nor stored")

    def _quote_record(self, r: dict) -> bool:
        text = _text(r.get("text"), "text", required=True)
        speaker_id = self._known_speaker(r.get("speaker"), "speaker")
        relay = self._known_speaker(r.get("relayed_by"), "relayed_by") if r.get("relayed_by") else None
        written = _text(r.get("source"), "source", required=True)
        source_id = self.file_source.get(written)
        if source_id is None:
            if written not in self.source_known and not self.corpus.has_source(written):
                raise BadLine(f"source {written!r} is neither given earlier in the file nor stored")
            self.source_known.add(written)
            source_id = written
        self._queue(text, speaker_id, source_id, _text(r.get("context"), "context"), relay, self.indexed)
        return True

    def _loose(self, r: dict) -> bool:
        text = _text(r.get("text"), "text", required=True)
        name = _text(r.get("speaker") or r.get("speaker_name"), "speaker", required=True).strip()
        if not name_key(name):
            raise BadLine("'speaker' has no letters or digits to know the speaker by")
        speaker = Speaker(id="", name=name, aliases=_strings(r.get("speaker_aliases"), "speaker_aliases"),
                          role=_text(r.get("speaker_role"), "speaker_role"),
                          affiliations=_strings(r.get("speaker_affiliations"), "speaker_affiliations"),
                          gender=_text(r.get("speaker_gender"), "speaker_gender"),
                          qid=_qid(r.get("speaker_qid") or r.get("qid")))
        source = _source_from(_text(r.get("url"), "url"), _text(r.get("publisher"), "publisher"),
                              _text(r.get("title"), "title"), _date(r.get("date")))
        self._queue(text, self.resolve_speaker(speaker), source, _text(r.get("context"), "context"), None,
                    self.indexed)
        return True

    def _quotebank(self, r: dict) -> bool:
        fields = _quotebank_fields(r)
        if fields is None:
            self.report.skipped += 1
            return False
        source = _source_from(fields[4], None, None, fields[5])
        self.quotebank(fields + ((source.id, source.publisher, source.title, source.date, source.url),),
                       self.indexed)
        return True

    def quotebank(self, fields: tuple, indexed: str | None) -> None:
        """Queue a Quotebank quote from its `_quotebank_fields` and the fields of the source its URL makes
        (returns nothing); raise BadLine if its text is empty. `indexed` is its index text, if known."""
        text, name, key, qid, url, _, source = fields
        # a speaker already looked up by QID, or by an unambiguous name, resolves the same again, unless a
        # look-up waiting for the flush may change that (one with the same QID, or the same name key)
        if qid:
            speaker_id = None if qid in self.unresolved_qids else self.by_qid.get(qid)
        else:
            speaker_id = None if key in self.unresolved_keys else self.by_name.get(key)
        if speaker_id is None and not DEFER_SPEAKER_LOOKUPS:
            speaker_id = self.resolve_speaker(Speaker(id="", name=name, qid=qid))
        if speaker_id is None:
            # looked up at the flush, in the same order, so with the same result: a look-up now would wait
            # for the statement the writer thread is running on the connection (seconds, for a commit)
            self.unresolved_speakers.append((len(self.quotes) if text.strip() else -1, name, qid))
            if qid:
                self.unresolved_qids.add(qid)
            self.unresolved_keys.add(key)
            speaker_id = ""
        source_id: str | Source | None = None
        if url:
            source_id = self.source_by_url.get(url) or self.url_sources.get(url)
        self._queue(text, speaker_id, source_id or Source(*source), None, None, indexed)

    def _resolve_pending_speakers(self) -> None:
        """Look up (or make) the speakers `quotebank` left for later, in the order it met them, and put
        their ids in the queued quotes (returns nothing)."""
        quotes = self.quotes
        self._look_up_at_once([(name, qid) for _, name, qid in self.unresolved_speakers])
        try:
            for position, name, qid in self.unresolved_speakers:
                speaker_id = self.resolve_speaker(Speaker(id="", name=name, qid=qid))
                if position >= 0:
                    q = quotes[position]
                    quotes[position] = (q[0], q[1], speaker_id, *q[3:])
        finally:
            self.looked_up_keys.clear()
            self.absent_qids.clear()
            self.absent_ids.clear()
        self.unresolved_speakers.clear()
        self.unresolved_qids.clear()
        self.unresolved_keys.clear()

    def _look_up_at_once(self, speakers: list[tuple[str, str | None]]) -> None:
        """Ask the corpus in three statements what `resolve_speaker` would ask it for each of these (name,
        QID) one by one: the speakers with the QIDs, those with the names' keys, whether the ids new
        speakers would get are taken (returns nothing; the answers hold until the writes of the flush)."""
        corpus = self.corpus
        qids = list({qid for _, qid in speakers if qid and qid not in self.by_qid})
        with_qid = corpus.speaker_ids_with_qids(qids) if qids else {}
        for qid in qids:
            if qid in with_qid:
                self.by_qid[qid] = with_qid[qid][0]
            else:
                self.absent_qids.add(qid)
        keys = list({key for key in map(name_key, (name for name, _ in speakers)) if key})
        self.looked_up_keys = (dict.fromkeys(keys, []) | corpus.speaker_rows_with_keys(keys)) if keys else {}
        ids = list({slug(name) for name, _ in speakers} - self.speaker_known)
        stored = corpus.existing_speaker_ids(ids) if ids else set()
        self.speaker_known.update(stored)
        self.absent_ids.update(set(ids) - stored)

    def _queue(self, text: str, speaker_id: str, source_id: str | Source, context: str | None,
               relayed_by: str | None, indexed: str | None = None) -> None:
        """Queue a quote for the next flush, its source a Source until the flush looks it up."""
        if not text.strip():
            raise BadLine("the quote text is empty")
        if type(source_id) is Source:
            if source_id.url:
                self.url_sources.setdefault(source_id.url, source_id)  # the first date seen for a URL
            else:
                self.unresolved.append(len(self.quotes))
        self.quotes.append((indexed, text, speaker_id, source_id, context, relayed_by))
        self.report.quotes += 1

    # writing --------------------------------------------------------------------
    def _resolve_pending_sources(self) -> None:
        """Find or make the sources of the queued quotes: the batch's new URLs looked up in one go (every
        one is then in `source_by_url`), the sources without a URL given their ids in the queue."""
        pending = {url: src for url, src in self.url_sources.items() if url not in self.source_by_url}
        self.url_sources.clear()
        if pending:
            self.source_by_url.update(self.corpus.source_ids_with_urls(list(pending)))
            new = [src for url, src in pending.items() if url not in self.source_by_url]
            stored = self.corpus.existing_source_ids([src.id for src in new])
            for src in new:
                if src.id not in stored:
                    self.new_sources.setdefault(src.id, src)
                self.source_by_url[src.url] = src.id
        for i in self.unresolved:
            q = self.quotes[i]
            self.quotes[i] = (*q[:3], self.resolve_source(q[3]), *q[4:])
        self.unresolved.clear()

    def flush(self, commit: bool = False) -> None:
        """Write the queued speakers, sources and quotes, and start indexing the quotes in the writer thread
        (all inside the current transaction, which the writer then commits if `commit`). Returns nothing.

        The full-text index and terms are left to the writer thread (SQLite releases the GIL, so they
        are built while this thread reads the next records): reading records never looks at them, and
        the next flush waits for the writer before it writes anything.
        """
        corpus = self.corpus
        # the batch's words counted (and what else the store can prepare) in the worker processes while the
        # writer thread still writes the batch before
        indexed_texts = [words if words is not None else index_text(text) for words, text, *_ in self.quotes]
        prepared = corpus.prepare_index(indexed_texts, self.workers.pool)
        # hashed while the writer thread still writes the batch before: the ids of quotes whose speaker is
        # known, taking a source known by its URL to keep its own id (checked once the sources are resolved)
        guessed: list[str | None] = []
        for _, text, speaker_id, source, _, _ in self.quotes:
            source_id = source if isinstance(source, str) else source.url and source.id
            guessed.append(quote_id(text, speaker_id, source_id) if speaker_id and source_id else None)
        self.wait()
        # trimmed only now, with nothing being written: while the writer thread stores a batch, the caches
        # are what knows its sources (they are not in the database yet)
        self._trim_caches()
        self._resolve_pending_speakers()
        self._resolve_pending_sources()
        self.report.speakers_added += corpus.merge_speakers(list(self.new_speakers.values()))
        for speaker in self.new_speakers.values():
            self.speaker_known.add(speaker.id)
            if speaker.qid:
                self.by_qid[speaker.qid] = speaker.id
        self.new_speakers.clear()
        self.pending_keys.clear()
        sources = list(self.new_sources.values())  # stored by the writer thread, before the quotes
        self.report.sources_added += len(sources)
        self.source_known.update(self.new_sources)
        self.new_sources.clear()
        rows: dict[str, tuple] = {}
        kept: list[int] = []  # positions in the batch of the rows (a quote repeated in it is kept once)
        by_url = self.source_by_url
        for position, ((_, text, speaker_id, source_id, context, relayed_by), qid) in enumerate(
                zip(self.quotes, guessed, strict=True)):
            if type(source_id) is Source:
                stored_id = by_url[source_id.url]  # type: ignore[index]
                if stored_id != source_id.id:
                    qid = None
                source_id = stored_id
            if qid is None:
                qid = quote_id(text, speaker_id, source_id)
            if qid not in rows:
                rows[qid] = (qid, text, speaker_id, source_id, context, relayed_by)
                kept.append(position)
        self.quotes.clear()
        if self.writer is None:
            self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quoteproof-import-writer")
        self.writing = self.writer.submit(self._store, sources, list(rows.values()), kept, indexed_texts,
                                          prepared, commit)

    def _store(self, sources: list[Source], rows: list[tuple], kept: list[int], indexed: list[str],
               prepared: Any, commit: bool) -> int:
        """Store a batch's new sources and its quote rows (at positions `kept` of the batch whose index texts
        are `indexed`, as `prepare_index` was given them), index the quotes that were not stored yet,
        then commit and begin the next transaction if `commit`; return how many quotes were stored (runs
        in the writer thread)."""
        if sources:
            self.corpus.put_sources(sources)
        top, stored = self.corpus.add_quote_rows(rows)
        self.corpus.index_quote_rows(top, indexed, prepared, [kept[k] for k in stored])
        if commit:
            self.corpus.commit(begin_next=True)
            self.after_commit()
        return len(stored)

    def wait(self) -> None:
        """Wait until the batch being written is stored (raising what stopped it), and count its quotes."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            self.report.added += writing.result()

    def close(self) -> None:
        """Let the batch being written finish (or fail), then stop the writer thread. Returns nothing."""
        if self.writing is not None:
            with contextlib.suppress(Exception):  # the caller is failing already, with the error that matters
                self.wait()
        if self.writer is not None:
            self.writer.shutdown()
            self.writer = None
        self.workers.shutdown()


def _merged(old: Speaker | None, new: Speaker) -> Speaker:
    if old is None:
        return new
    return Speaker(id=old.id, name=old.name, aliases=tuple(dict.fromkeys(old.aliases + new.aliases)),
                   role=old.role or new.role,
                   affiliations=tuple(dict.fromkeys(old.affiliations + new.affiliations)),
                   gender=old.gender or new.gender, qid=old.qid or new.qid)


def _blocks(path: str, stream: IO[bytes], fmt: str, workers: _Workers) -> Iterator[_Block]:
    """Yield the parsed records of a file in order, in blocks (a CSV row is a block of its own)."""
    if fmt == "jsonl":
        parallel = os.path.getsize(path) >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1
        return _jsonl_blocks(stream, workers.get() if parallel else None)
    rows = _csv_records(stream, "," if fmt == "csv" else "\t")
    return (_Block([(number, _BAD if isinstance(row, BadLine) else _RECORD, row, None)]) for number, row, _ in rows)


def import_files(corpus: Corpus, paths: Iterable[str | os.PathLike], *, strict: bool = False,
                 dry_run: bool = False, batch_size: int = BATCH_SIZE,
                 progress: ProgressFn | None = None,
                 on_error: Callable[[LineError], None] | None = None) -> ImportReport:
    """Import quote files into the corpus; return what was read and stored.

    Raises TransferError (one line) for a file that cannot be read to its end,
    or, when `strict`, for the first malformed record (then nothing of that
    run is kept). Each malformed record is passed to `on_error` as it is met.
    """
    paths = [os.fspath(p) for p in paths]
    kinds = [_kind_of(p) for p in paths]
    for path in paths:
        if not os.path.isfile(path):
            raise TransferError(f"{path}: no such file")
    report = ImportReport(dry_run=dry_run)
    started = time.perf_counter()
    # an import holds millions of small objects (and makes no reference cycles): the cyclic collector
    # would scan them over and over, in this process and in the parsing workers forked from it
    collecting = gc.isenabled()
    gc.disable()
    try:
        _import_files(corpus, paths, kinds, report, strict, dry_run, batch_size, progress, on_error)
    finally:
        if collecting:
            gc.enable()
    report.seconds = time.perf_counter() - started
    return report


def _import_files(corpus: Corpus, paths: list[str], kinds: list[tuple[str, str]], report: ImportReport,
                  strict: bool, dry_run: bool, batch_size: int, progress: ProgressFn | None,
                  on_error: Callable[[LineError], None] | None) -> None:
    """Import the files as `import_files` says, counting into `report` (returns nothing)."""
    corpus.tune_for_import()
    with corpus.background_checkpoints() as checkpoint_soon:
        importer = _Importer(corpus, report, after_commit=checkpoint_soon)
        _import_batches(importer, paths, kinds, strict, dry_run, batch_size, progress, on_error)


def _import_batches(importer: _Importer, paths: list[str], kinds: list[tuple[str, str]], strict: bool,
                    dry_run: bool, batch_size: int, progress: ProgressFn | None,
                    on_error: Callable[[LineError], None] | None) -> None:
    """Read the files into the corpus through `importer`, committing batch by batch unless the whole run
    is one transaction (`strict`, `dry_run`); roll back what is not committed on failure."""
    report = importer.report
    conn = importer.corpus
    whole_run = strict or dry_run  # one transaction for everything, rolled back on failure / at the end
    conn.begin()
    try:
        for path, (compression, fmt) in zip(paths, kinds, strict=True):
            _import_one(importer, path, compression, fmt, strict, batch_size, progress, on_error,
                        commit_batches=not whole_run)
            report.files += 1
        importer.flush()
        importer.wait()
        if dry_run:
            conn.rollback()
        else:
            conn.commit()
    except TransferError as exc:
        importer.close()
        conn.rollback()
        if whole_run or "--strict" in str(exc):
            raise
        raise TransferError(f"{exc}; the {report.added:,} quote(s) of the batches before it were kept") from None
    except BaseException:
        importer.close()
        conn.rollback()
        raise
    finally:
        importer.close()


def _import_one(importer: _Importer, path: str, compression: str, fmt: str, strict: bool, batch_size: int,
                progress: ProgressFn | None, on_error: Callable[[LineError], None] | None,
                commit_batches: bool) -> None:
    report = importer.report
    stream, counter = _open_binary(path, compression)
    total = os.path.getsize(path)
    loose = fmt != "jsonl"
    number = 0
    shown = 0  # bytes read when progress was last reported
    blocks = _blocks(path, stream, fmt, importer.workers)
    try:
        while True:
            try:
                block = next(blocks)
            except StopIteration:
                break
            except BadLine as exc:  # a CSV header that cannot be used
                raise TransferError(f"{path}: {exc}") from None
            except (EOFError, OSError, zlib.error) as exc:
                if compression:
                    raise _compressed_failure(path, compression, exc, number) from None
                raise TransferError(f"{path}: cannot read after line {number} ({exc})") from None
            for number, kind, payload, indexed in block.entries:
                report.lines += 1
                try:
                    if kind == _QUOTEBANK:
                        importer.quotebank(payload, indexed)
                    elif kind == _SKIPPED:
                        report.skipped += 1
                    elif kind == _BAD:
                        raise payload
                    else:
                        importer.indexed = indexed
                        importer.take(payload, loose=loose)
                except BadLine as exc:
                    error = LineError(path, number, str(exc))
                    if strict:
                        raise TransferError(f"{error} (--strict: nothing was imported)") from None
                    report.malformed += 1
                    if len(report.errors) < MAX_REPORTED_ERRORS:
                        report.errors.append(error)
                    if on_error:
                        on_error(error)
                if len(importer.quotes) >= batch_size:
                    importer.flush(commit=commit_batches)
                    if progress:
                        progress(Progress(path, counter.count, total, report.lines, report.added))
                        shown = counter.count
            if progress and counter.count - shown >= BLOCK_BYTES:  # batches are big: show reading too
                progress(Progress(path, counter.count, total, report.lines, report.added))
                shown = counter.count
        importer.flush()
        if progress:
            progress(Progress(path, counter.count, total, report.lines, report.added))
    finally:
        blocks.close()  # here, not whenever it is collected: it stops the parsing workers
        stream.close()


# -- export --------------------------------------------------------------------
def export_records(corpus: Corpus) -> Iterator[dict]:
    """Yield the corpus as quoteproof JSONL records: speakers, then sources, then quotes."""
    for s in corpus.export_speakers():
        yield {"type": "speaker", "id": s.id, "name": s.name, "aliases": list(s.aliases), "role": s.role,
               "affiliations": list(s.affiliations), "gender": s.gender, "qid": s.qid}
    for src in corpus.export_sources():
        yield {"type": "source", "id": src.id, "publisher": src.publisher, "title": src.title,
               "date": src.date, "url": src.url}
    for qid, text, speaker_id, source_id, context, relayed_by in corpus.export_quote_rows():
        yield {"type": "quote", "id": qid, "text": text, "speaker": speaker_id, "source": source_id,
               "context": context, "relayed_by": relayed_by}


def export_corpus(corpus: Corpus, out: IO[str]) -> int:
    """Write the corpus to `out` as quoteproof JSONL; return how many lines were written."""
    count = 0
    for record in export_records(corpus):
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def export_to_path(corpus: Corpus, path: str | os.PathLike) -> int:
    """Write the corpus as JSONL to a file (.gz / .bz2 compress it); return how many lines were written."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            handle: IO[str] = gzip.open(path, "wt", encoding="utf-8")
        elif path.suffix == ".bz2":
            handle = bz2.open(path, "wt", encoding="utf-8")
        else:
            handle = open(path, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise TransferError(f"{path}: cannot write ({exc.strerror or exc})") from None
    with handle:
        return export_corpus(corpus, handle)
