"""The corpus of verbatim quotes in SQLite (the embedded default store; see `interface.CorpusStore`).

Tables: `sources`, `speakers` (with `aliases`: every name, alias and
affiliation a text may use), `quotes`, a contentless FTS5 index of each
quote's word keys for candidate retrieval, and `terms` (how many quotes hold
each word) so retrieval can pick a quotation's rarest words without scanning
the index. `meta` records the schema version.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..models import CorpusQuote, Source, Speaker
from ..names import surname_key
from ..normalize import fold, index_text

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

SCHEMA_VERSION = 4
PAGE_SIZE = 8192  # bytes, for a new corpus

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, publisher TEXT NOT NULL, title TEXT NOT NULL, date TEXT, url TEXT);
CREATE INDEX IF NOT EXISTS sources_url ON sources(url);
CREATE TABLE IF NOT EXISTS speakers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT, affiliations TEXT NOT NULL DEFAULT '[]',
    gender TEXT, qid TEXT);
CREATE INDEX IF NOT EXISTS speakers_qid ON speakers(qid);
CREATE TABLE IF NOT EXISTS aliases (
    key TEXT NOT NULL, speaker_id TEXT NOT NULL, alias TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (key, speaker_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_speaker ON aliases(speaker_id);
CREATE TABLE IF NOT EXISTS quotes (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, text TEXT NOT NULL,
    speaker_id TEXT NOT NULL, source_id TEXT NOT NULL, context TEXT, relayed_by TEXT, cues TEXT);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_id);
CREATE VIRTUAL TABLE IF NOT EXISTS quotes_fts USING fts5(
    words, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
"""


# FTS5 options while a batch of quotes is indexed in bulk (`add_quote_rows`): an in-memory buffer that
# holds the whole batch, so it is written as one segment (the default, 1 MB, wrote a segment every ~8,000
# quotes), and merging 8 segments of a level at a time rather than 4. At a million quotes this took
# building the index from ~16 s of CPU to ~9 s, and left 6 segments instead of 9.
_BULK_FTS = {"hashsize": 64 << 20, "automerge": 8, "crisismerge": 32}
_FTS_DEFAULTS = {"hashsize": 1 << 20, "automerge": 4, "crisismerge": 16}


def fts_phrase(words: str) -> str:
    """Return `words` as one FTS5 phrase string: double-quoted, inner quote marks doubled, so that no
    word (OR, NEAR, *, a stray quote mark) is read as query syntax."""
    return '"' + words.replace('"', '""') + '"'


def fts_and(runs: Sequence[Sequence[str]]) -> str:
    """Return the FTS5 query for quotes holding every run of keys as a phrase."""
    return " AND ".join(fts_phrase(" ".join(run)) for run in runs)


def document_counts(indexed: Iterable[str]) -> Counter[str]:
    """Return how many of these index texts (`index_text`) hold each word: what `terms` adds for them."""
    return Counter(chain.from_iterable(map(set, map(str.split, indexed))))


def counted_words_json(indexed: bytes) -> bytes:
    """Return, as a JSON object, how many of the index texts in a JSON array hold each word (what an
    import's worker process computes: counting a batch's words takes ~0.3 s of CPU that the writing
    process then keeps)."""
    import orjson

    return orjson.dumps(document_counts(orjson.loads(indexed)))


def stored_part(indexed: list[str], positions: list[int] | None) -> tuple[list[str], list[str]]:
    """Return the index texts at `positions` (all of them when None) and the others: a batch's quotes
    stored, and those that were stored already."""
    if positions is None or len(positions) == len(indexed):
        return indexed, []
    kept = set(positions)
    return [indexed[k] for k in positions], [text for k, text in enumerate(indexed) if k not in kept]


def stored_counts(counted: bytes | Mapping[str, int] | None, stored: list[str],
                  dropped: list[str]) -> bytes | Mapping[str, int]:
    """Return how many of the `stored` index texts hold each word, from `counted` (a JSON object or a
    mapping, counted over stored and dropped together; None: not counted yet)."""
    if counted is None:
        return document_counts(stored)
    if not dropped:
        return counted
    import orjson

    return Counter(orjson.loads(counted) if isinstance(counted, bytes) else counted) - document_counts(dropped)


def top_votes(postings: Sequence[Sequence[int | str]], weights: Sequence[float], limit: int,
              keep: float = 0.0) -> list[tuple[int, float]]:
    """Return (row id, summed weight of the postings lists holding it) for the best-scoring row ids, best
    first and ties by row id: at most `limit`, and only those scoring at least `keep` times the best.

    Row ids may be given as ints or decimal strings. Most rows are in one list only
    (their score is its weight), so only rows in several are summed, and a list whose
    weight is under the floor is never walked in Python.
    """
    held = Counter(chain.from_iterable(postings))
    several = {row for row, n in held.items() if n > 1} if len(held) < sum(map(len, postings)) else set()
    scores = dict.fromkeys(several, 0.0)
    if several:
        for rows, weight in zip(postings, weights, strict=True):
            for row in several.intersection(rows):
                scores[row] += weight
    best = max([*scores.values(), *(w for rows, w in zip(postings, weights, strict=True) if rows)], default=0.0)
    floor = keep * best
    kept = [(-score, int(row)) for row, score in scores.items() if score >= floor]
    for rows, weight in zip(postings, weights, strict=True):
        if rows and weight >= floor:
            # a list's rows held by no other all score its weight: only its `limit` lowest row ids can be kept
            alone = [row for row in rows if row not in several] if several else rows
            kept += [(-weight, row) for row in heapq.nsmallest(limit, map(int, alone))]
    kept.sort()
    return [(row, -score) for score, row in kept[:limit]]


class CorpusError(Exception):
    """A corpus file that cannot be used; the message is one line for the user."""


def name_key(name: str) -> str:
    """Return the key a speaker name or alias is looked up by ("The Spokesman" -> "the spokesman")."""
    return " ".join(re.findall(r"[^\W_]+", fold(name)))


def alias_rows(speaker: Speaker) -> list[tuple[str, str, str, str]]:
    """Return every `aliases` row a speaker is looked up by: its name, aliases, the bodies it speaks for
    and its surnames (rows whose key would be empty are left out)."""
    rows = [(name_key(speaker.name), speaker.id, speaker.name, "name")]
    rows += [(name_key(a), speaker.id, a, "alias") for a in speaker.aliases]
    rows += [(name_key(a), speaker.id, a, "affiliation") for a in speaker.affiliations]
    rows += surname_rows(speaker.id, (speaker.name, *speaker.aliases))
    return [r for r in rows if r[0]]


def surname_rows(speaker_id: str, names: Iterable[str]) -> list[tuple[str, str, str, str]]:
    """Return the `aliases` rows that find a speaker by the surname of its name or aliases alone
    ("Elizabeth Warren" -> ("warren", id, "Warren", "surname")), so an imported speaker needs no
    hand-written surname alias."""
    rows = []
    for name in names:
        key = surname_key(name)
        if key:  # looked up as speakers_named looks every key up: "smith-jones" -> "smith jones"
            rows.append((name_key(key), speaker_id, name.split()[-1], "surname"))
    return rows


def slug(name: str) -> str:
    """Return an id made from a name ("Nancy Pelosi" -> "nancy-pelosi")."""
    return "-".join(re.findall(r"[^\W_]+", fold(name)))[:80] or "unknown"


def quote_id(text: str, speaker_id: str, source_id: str) -> str:
    """Return the stable content hash that identifies a quote record."""
    digest = hashlib.sha1(f"{speaker_id}\x1f{source_id}\x1f{text}".encode()).hexdigest()
    return digest[:16]


class BackgroundJob:
    """A job run one at a time in a thread of its own: started after commits of an import unless it is
    still running (the run going on, or a later one, covers those commits too), and once more when closed."""

    def __init__(self, job: Callable[[], None], name: str, closing: Callable[[], None] = lambda: None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.job = job
        self.closing = closing
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"quoteproof-{name}")
        self.running: Any = None

    def start(self) -> None:
        """Start the job unless it is still running (returns nothing)."""
        if self.running is None or self.running.done():
            self.running = self.thread.submit(self.job)

    def close(self) -> None:
        """Wait for the running job, run it once more for what the last commits left, then stop the thread
        and call `closing` (returns nothing)."""
        self.thread.shutdown(wait=True)
        try:
            self.job()
        finally:
            self.closing()


def _checkpointer(path: str) -> BackgroundJob:
    """Return the passive checkpoints of a database's write-ahead log, as a background job with a
    connection of its own."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)

    def checkpoint() -> None:
        # passive: copies what no reader still needs, never waits for readers or the writer; one that
        # fails (the disk is full, the file went away) is only a checkpoint the next commit makes instead
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    return BackgroundJob(checkpoint, "checkpoint", conn.close)


@dataclass(frozen=True)
class QuoteRecord:
    """A quote to store: its words and the ids of its speaker, source and relay."""

    text: str
    speaker_id: str
    source_id: str
    context: str | None = None
    relayed_by: str | None = None
    cues: tuple[tuple[int, float], ...] = ()  # a transcript turn's (offset in text, start in seconds)

    @property
    def id(self) -> str:
        """Return the record's stable content hash."""
        return quote_id(self.text, self.speaker_id, self.source_id)


class Corpus:
    """An open corpus database. Use `Corpus.open(path)`; close with `close()` or `with`."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._speakers: dict[str, Speaker] = {}
        self._sources: dict[str, Source] = {}
        self._named: dict[str, list[tuple[Speaker, str]]] = {}  # name key -> speakers, until the next add
        # Reads a check repeats (document frequencies, quote texts and records), kept until this
        # connection writes or `refresh` sees from `PRAGMA data_version` that another connection has
        # committed (quotes are never changed or deleted, so a row id's text cannot go stale).
        self._df: dict[str, int | None] = {}
        self._texts: dict[int, str] = {}
        self._speaker_of: dict[int, str] = {}
        self._records: dict[int, CorpusQuote] = {}
        self._postings: dict[str, tuple[int, ...]] = {}
        self._data_version: int | None = None
        self._quote_count: int | None = None

    # -- opening -------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike, create: bool = False, readonly: bool = False) -> Corpus:
        """Return the corpus at `path`, creating an empty one if `create`; raise CorpusError if unusable."""
        path = os.fspath(path)
        exists = os.path.exists(path)
        if not exists and not create:
            raise CorpusError(f"{path}: no such corpus file")
        if exists and os.path.isdir(path):
            raise CorpusError(f"{path}: is a folder, not a corpus file")
        if exists and os.path.getsize(path) > 0:
            with open(path, "rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":
                    raise CorpusError(f"{path}: not a quoteproof corpus (not an SQLite database)")
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30,
                                       check_same_thread=False)
            else:
                conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            corpus = cls(conn, path)
            try:
                corpus._check_schema(create and not readonly)
            except CorpusError:
                conn.close()
                raise
            if not readonly:  # only once it is known to be a corpus: a foreign file is left as it was
                conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise CorpusError(f"{path}: not a usable corpus ({exc})") from None
        return corpus

    def _check_schema(self, create: bool) -> None:
        """Make sure the file holds a corpus this code reads: create it (`create`), migrate an older one
        in place, refuse anything else with CorpusError naming the file. Returns nothing."""
        from .sqlite_integrity import SchemaError, header_problem, migrate, recorded_version

        problem = header_problem(self.path)
        if problem:
            raise CorpusError(f"{self.path}: {problem}")
        try:
            version = recorded_version(self.conn)
        except SchemaError as exc:
            raise CorpusError(f"{self.path}: {exc}") from None
        if version is None:
            if not create:
                raise CorpusError(f"{self.path}: not a quoteproof corpus (no schema)")
            # 8 KiB pages (SQLite's default is 4): a bulk import writes and syncs fewer of them (a million
            # quotes: about 2 s less of the writer thread's time, and a 1% smaller file). Set before the
            # first table; an existing corpus keeps the page size it was made with.
            self.conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            # one transaction (executescript alone would commit table by table): a process killed
            # while creating leaves an empty file, never a half-made corpus that no longer opens
            self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{SCHEMA}\nINSERT OR REPLACE INTO meta VALUES "
                f"('schema_version', '{SCHEMA_VERSION}');\nCOMMIT;"
            )
            return
        if version > SCHEMA_VERSION:
            raise CorpusError(
                f"{self.path}: corpus schema version {version} is newer than this quoteproof "
                f"understands ({SCHEMA_VERSION}); upgrade quoteproof"
            )
        if version < SCHEMA_VERSION:
            try:
                migrate(self.path, SCHEMA_VERSION)
            except SchemaError as exc:
                raise CorpusError(f"{self.path}: {exc}") from None

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    @property
    def location(self) -> str:
        """Return the corpus file's path, as messages name it."""
        return self.path

    def begin(self) -> None:
        """Begin a write transaction that holds the database's write lock at once (returns nothing)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self, begin_next: bool = False) -> None:
        """Commit the write transaction, then begin the next one if `begin_next` (returns nothing)."""
        self.conn.commit()
        if begin_next:
            self.begin()

    def rollback(self) -> None:
        """Roll back the write transaction (returns nothing)."""
        self.conn.rollback()

    def without_log(self) -> None:
        """Leave write-ahead-log mode, so the file is whole by itself (a corpus built to be copied)."""
        self.conn.execute("PRAGMA journal_mode=DELETE")

    def warm(self) -> None:
        """Read the corpus file once, so that the operating system caches it (as on a server that has been
        running checks)."""
        with open(self.path, "rb") as handle:
            while handle.read(1 << 20):
                pass

    def check_integrity(self, lookups: int = 500):
        """Return the `sqlite_integrity.CheckReport` of this corpus (`corpus check`)."""
        from .sqlite_integrity import check_corpus

        return check_corpus(self.conn, self.path, lookups)

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str | None:
        """Return a value from the meta table, or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # -- writing -------------------------------------------------------------
    def add(self, speakers: Iterable[Speaker] = (), sources: Iterable[Source] = (),
            quotes: Iterable[QuoteRecord] = ()) -> int:
        """Store speakers, sources and quotes in one transaction; return how many quotes were new."""
        try:
            with self.conn:
                for speaker in speakers:
                    self._put_speaker(speaker)
                for source in sources:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
                        (source.id, source.publisher, source.title, source.date, source.url),
                    )
                return self._put_quotes(quotes)
        finally:
            self._forget()  # committed or rolled back, what was cached may be out of date

    def _put_speaker(self, speaker: Speaker) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO speakers VALUES (?, ?, ?, ?, ?, ?)",
            (speaker.id, speaker.name, speaker.role, json.dumps(list(speaker.affiliations)),
             speaker.gender, speaker.qid),
        )
        self.conn.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?, ?, ?)", alias_rows(speaker))
        self._forget()

    def _put_quotes(self, quotes: Iterable[QuoteRecord]) -> int:
        added = 0
        df: Counter[str] = Counter()
        for record in quotes:
            cursor = self.conn.execute(
                "INSERT OR IGNORE INTO quotes (id, text, speaker_id, source_id, context, relayed_by, cues)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.id, record.text, record.speaker_id, record.source_id, record.context,
                 record.relayed_by, json.dumps(record.cues) if record.cues else None),
            )
            if cursor.rowcount != 1:
                continue
            indexed = index_text(record.text)
            self.conn.execute("INSERT INTO quotes_fts (rowid, words) VALUES (?, ?)",
                              (cursor.lastrowid, indexed))
            df.update(set(indexed.split()))
            added += 1
        if df:
            self.conn.executemany(
                "INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                df.items(),
            )
        return added

    def _rows_in(self, sql: str, values: list, extra: Iterable = ()) -> list[tuple]:
        """Return the rows of `sql` (whose `{marks}` is an IN list) for all `values`, 500 at a time,
        with `extra` parameters after each chunk's (SQLite limits parameters per statement)."""
        extra = tuple(extra)
        rows: list[tuple] = []
        for i in range(0, len(values), 500):
            chunk = values[i : i + 500]
            rows += self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), (*chunk, *extra)).fetchall()
        return rows

    # -- bulk import and export (used by verifier.transfer) ---------------------
    def tune_for_import(self) -> None:
        """Set connection pragmas for a bulk import: fewer syncs, a large page cache (returns nothing)."""
        for pragma in ("synchronous=NORMAL", "cache_size=-262144", "temp_store=MEMORY", "wal_autocheckpoint=16384"):
            self.conn.execute(f"PRAGMA {pragma}")

    @contextlib.contextmanager
    def background_checkpoints(self) -> Iterator[Callable[[], None]]:
        """Within the block, copy committed writes from the write-ahead log into the database file in a
        thread of its own (with its own connection) instead of in the commit that fills the log; yield
        the function to call after each commit, which starts a checkpoint unless one is running.

        A bulk import commits a batch at a time: the checkpoint's copying and syncing
        (about 3 s a million quotes) then overlaps the next batch instead of
        holding it up. Leaving the block waits for the running checkpoint, copies
        what the last commits left (so an import's time includes it, and its file is
        whole without the log), and puts the connection's automatic checkpoints
        back. Without a write-ahead log (an in-memory corpus) the function does
        nothing.
        """
        mode = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            yield lambda: None
            return
        before = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        checkpointer = _checkpointer(self.path)
        self.conn.execute("PRAGMA wal_autocheckpoint=0")
        try:
            yield checkpointer.start
        finally:
            checkpointer.close()
            self.conn.execute(f"PRAGMA wal_autocheckpoint={int(before)}")

    def add_quote_rows(self, rows: list[tuple[str, str, str, str, str | None, str | None]]) -> tuple[int, list[int]]:
        """Store quotes in bulk inside the caller's transaction, skipping those whose id is stored already;
        return the largest row id before them and the positions in `rows` of the quotes stored.

        `rows` are (id, text, speaker_id, source_id, context, relayed_by) with
        distinct ids. The quotes stored get the next row ids in order (as one by
        one); `index_quote_rows` then adds them to the full-text index and terms.
        """
        self._forget()
        top = self.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM quotes").fetchone()[0]
        if not rows:
            return top, []
        stored = self._insert_new_rows("quotes", ("id", "text", "speaker_id", "source_id", "context", "relayed_by"),
                                       rows)
        if stored == len(rows):
            return top, list(range(len(rows)))
        new = {row[0] for row in self.conn.execute("SELECT id FROM quotes WHERE rowid > ?", (top,))}
        return top, [k for k, row in enumerate(rows) if row[0] in new]

    def prepare_index(self, indexed: list[str], workers: Executor | None = None) -> Future[bytes] | None:
        """Start counting the words of a batch of index texts in `workers` (processes) while the batch
        before is written; return the Future of the counts (a JSON object), or None without workers
        (`index_quote_rows` then counts them)."""
        if workers is None or not indexed:
            return None
        import orjson

        return workers.submit(counted_words_json, orjson.dumps(indexed))

    def index_quote_rows(self, top: int, indexed: list[str], prepared: Any = None,
                         positions: list[int] | None = None) -> None:
        """Add the quotes just stored with row ids top + 1, top + 2, ... to the full-text index and their
        words to terms, inside the caller's transaction; returns nothing. `indexed` is the batch's index
        texts as `prepare_index` was given them (and `prepared` what it returned), `positions` those of
        the quotes stored, in row id order (None: all of them).

        Each is one statement over a JSON value (`json_each`), so SQLite runs it without the GIL from start
        to end: one statement a row would take the GIL back after each row, waiting for any other thread.
        """
        import orjson  # here: `check` never writes, and starts faster without it

        indexed, dropped = stored_part(indexed, positions)
        if not indexed:
            return
        before = self._set_fts_config(_BULK_FTS)
        self.conn.execute("INSERT INTO quotes_fts (rowid, words) SELECT ? + key, value FROM json_each(?)",
                          (top + 1, orjson.dumps(indexed)))
        # FTS5 writes what it holds in memory when a savepoint is taken: the batch's segment, merged by the
        # bulk settings, which are then put back (the config table ends as it was)
        self.conn.execute("SAVEPOINT fts_flush")
        self.conn.execute("RELEASE fts_flush")
        self._set_fts_config(before)
        df = stored_counts(prepared.result() if prepared is not None else None, indexed, dropped)
        self.conn.execute("INSERT INTO terms (term, df) SELECT key, value FROM json_each(?) WHERE true"
                          " ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                          (df if isinstance(df, bytes) else orjson.dumps(df),))
        self._forget()  # document frequencies changed

    def _set_fts_config(self, settings: Mapping[str, int | None]) -> dict[str, int | None]:
        """Set FTS5 options of the full-text index (None: the default, and no row in its config table)
        inside the caller's transaction; return what they were before, in the same form."""
        before: dict[str, int | None] = dict.fromkeys(settings)
        before.update(self.conn.execute(
            f"SELECT k, v FROM quotes_fts_config WHERE k IN ({','.join('?' * len(settings))})", list(settings)))
        for key, value in settings.items():
            self.conn.execute("INSERT INTO quotes_fts (quotes_fts, rank) VALUES (?, ?)",
                              (key, _FTS_DEFAULTS[key] if value is None else value))
        unset = [key for key, value in settings.items() if value is None]
        if unset:
            self.conn.execute(f"DELETE FROM quotes_fts_config WHERE k IN ({','.join('?' * len(unset))})", unset)
        return before

    def speaker_ids_with_qid(self, qid: str) -> list[str]:
        """Return the ids of stored speakers with this Wikidata QID."""
        return [r[0] for r in self.conn.execute("SELECT id FROM speakers WHERE qid=?", (qid,))]

    def speaker_ids_with_qids(self, qids: list[str]) -> dict[str, list[str]]:
        """Return {qid: ids of the stored speakers with it} for those of these Wikidata QIDs stored."""
        found: dict[str, list[str]] = {}
        for qid, speaker_id in self._rows_in("SELECT qid, id FROM speakers WHERE qid IN ({marks})", qids):
            found.setdefault(qid, []).append(speaker_id)
        return found

    def speaker_rows_with_keys(self, keys: list[str]) -> dict[str, list[tuple[str, str, str | None]]]:
        """Return {name key: `speaker_rows_named` of a name with that key} for those of these keys stored."""
        found: dict[str, list[tuple[str, str, str | None]]] = {}
        for key, *row in self._rows_in(
                "SELECT a.key, a.speaker_id, a.kind, s.qid FROM aliases a JOIN speakers s ON s.id = a.speaker_id"
                " WHERE a.key IN ({marks}) AND a.kind IN ('name', 'alias')", keys):
            found.setdefault(key, []).append(tuple(row))  # type: ignore[arg-type]
        return found

    def speaker_rows_named(self, name: str) -> list[tuple[str, str, str | None]]:
        """Return (speaker id, how, qid) for stored speakers whose name or alias (not affiliation) is `name`."""
        return self.conn.execute(
            "SELECT a.speaker_id, a.kind, s.qid FROM aliases a JOIN speakers s ON s.id = a.speaker_id"
            " WHERE a.key=? AND a.kind IN ('name', 'alias')", (name_key(name),)).fetchall()

    def has_speaker(self, speaker_id: str) -> bool:
        """Return True when a speaker with this id is stored."""
        return self.conn.execute("SELECT 1 FROM speakers WHERE id=?", (speaker_id,)).fetchone() is not None

    def has_source(self, source_id: str) -> bool:
        """Return True when a source with this id is stored."""
        return self.conn.execute("SELECT 1 FROM sources WHERE id=?", (source_id,)).fetchone() is not None

    def existing_source_ids(self, ids: list[str]) -> set[str]:
        """Return which of these source ids are stored."""
        return {row[0] for row in self._rows_in("SELECT id FROM sources WHERE id IN ({marks})", ids)}

    def source_ids_with_urls(self, urls: list[str]) -> dict[str, str]:
        """Return {url: source id} for the stored sources with these URLs."""
        return dict(self._rows_in("SELECT url, id FROM sources WHERE url IN ({marks})", urls))

    def merge_speaker(self, speaker: Speaker) -> None:
        """Store a speaker, or add its aliases and affiliations to the stored one with its id (returns nothing).

        Call inside a transaction. Stored values win over new ones; lists are united.
        """
        row = self.conn.execute("SELECT name, role, affiliations, gender, qid FROM speakers WHERE id=?",
                                (speaker.id,)).fetchone()
        if row is None:
            self._put_speaker(speaker)
            return
        name, role, affiliations, gender, qid = row
        known = list(json.loads(affiliations or "[]"))
        merged = known + [a for a in speaker.affiliations if a not in known]
        aliases = set(speaker.aliases)
        if name_key(speaker.name) != name_key(name):
            aliases.add(speaker.name)
        self._put_speaker(Speaker(id=speaker.id, name=name, aliases=tuple(sorted(aliases)),
                                  role=role or speaker.role, affiliations=tuple(merged),
                                  gender=gender or speaker.gender, qid=qid or speaker.qid))

    def merge_speakers(self, speakers: Sequence[Speaker]) -> int:
        """Store speakers (distinct ids), or merge each into the stored one with its id as `merge_speaker`
        does, inside the caller's transaction; return how many were not stored before."""
        if not speakers:
            return 0
        stored = self.existing_speaker_ids([s.id for s in speakers])
        for speaker in speakers:
            self.merge_speaker(speaker)
        return len(speakers) - len(stored)

    def existing_speaker_ids(self, ids: list[str]) -> set[str]:
        """Return which of these speaker ids are stored."""
        return {row[0] for row in self._rows_in("SELECT id FROM speakers WHERE id IN ({marks})", ids)}

    def put_sources(self, sources: Iterable[Source]) -> None:
        """Store sources that are not stored yet, inside the caller's transaction (returns nothing)."""
        self._forget()
        self._insert_new_rows("sources", ("id", "publisher", "title", "date", "url"),
                              [(s.id, s.publisher, s.title, s.date, s.url) for s in sources])

    def _insert_new_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert rows (values in the order of `columns`) whose key is not stored yet; return how many were.

        One statement over a JSON array (as `index_quote_rows`): the import's writer
        thread runs it without the GIL, where executemany would take the GIL back for
        every row and wait for the reading thread each time.
        """
        import orjson  # here: `check` never writes, and starts faster without it

        values = ", ".join(f"json_extract(value, '$[{k}]')" for k in range(len(columns)))
        return self.conn.execute(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) SELECT {values}"
                                 " FROM json_each(?)", (orjson.dumps(rows),)).rowcount

    def export_speakers(self) -> Iterator[Speaker]:
        """Yield every stored speaker with aliases and affiliations, by id, without caching them."""
        aliases: dict[str, list[str]] = {}
        current = None
        alias_rows = self.conn.execute(
            "SELECT speaker_id, alias FROM aliases WHERE kind='alias' ORDER BY speaker_id, alias")
        pending = next(alias_rows, None)
        for sid, name, role, affiliations, gender, qid in self.conn.execute(
                "SELECT id, name, role, affiliations, gender, qid FROM speakers ORDER BY id"):
            aliases.clear()
            while pending is not None and pending[0] <= sid:
                current = pending[0]
                aliases.setdefault(current, []).append(pending[1])
                pending = next(alias_rows, None)
            yield Speaker(id=sid, name=name, aliases=tuple(aliases.get(sid, ())), role=role,
                          affiliations=tuple(json.loads(affiliations or "[]")), gender=gender, qid=qid)

    def export_sources(self) -> Iterator[Source]:
        """Yield every stored source, by id."""
        for row in self.conn.execute("SELECT id, publisher, title, date, url FROM sources ORDER BY id"):
            yield Source(*row)

    def export_quote_rows(self) -> Iterator[tuple[str, str, str, str, str | None, str | None]]:
        """Yield (id, text, speaker_id, source_id, context, relayed_by) of every quote in insertion order."""
        yield from self.conn.execute(
            "SELECT id, text, speaker_id, source_id, context, relayed_by FROM quotes ORDER BY rowid")

    # -- reading -------------------------------------------------------------
    def speaker(self, speaker_id: str) -> Speaker | None:
        """Return the speaker with this id, or None."""
        if speaker_id not in self._speakers:
            row = self.conn.execute("SELECT * FROM speakers WHERE id=?", (speaker_id,)).fetchone()
            if row is None:
                return None
            aliases = tuple(
                r[0] for r in self.conn.execute(
                    "SELECT alias FROM aliases WHERE speaker_id=? AND kind='alias' ORDER BY alias",
                    (speaker_id,))
            )
            self._speakers[speaker_id] = Speaker(
                id=row[0], name=row[1], aliases=aliases, role=row[2],
                affiliations=tuple(json.loads(row[3] or "[]")), gender=row[4], qid=row[5],
            )
        return self._speakers[speaker_id]

    def source(self, source_id: str) -> Source | None:
        """Return the source with this id, or None."""
        if source_id not in self._sources:
            row = self.conn.execute("SELECT * FROM sources WHERE id=?", (source_id,)).fetchone()
            if row is None:
                return None
            self._sources[source_id] = Source(*row)
        return self._sources[source_id]

    def _quote(self, row: tuple) -> CorpusQuote:
        rowid, qid, text, speaker_id, source_id, context, relayed_by, cues = row
        speaker = self.speaker(speaker_id) or Speaker(speaker_id, speaker_id)
        source = self.source(source_id) or Source(source_id, "unknown", "unknown")
        relay = self.speaker(relayed_by) if relayed_by else None
        times = tuple((int(offset), float(start)) for offset, start in json.loads(cues)) if cues else ()
        return CorpusQuote(id=qid, text=text, speaker=speaker, source=source, context=context,
                           relayed_by=relay, cues=times)

    def quotes(self, speaker_id: str | None = None, limit: int | None = None,
               offset: int = 0) -> Iterator[CorpusQuote]:
        """Yield stored quotes in insertion order, optionally one speaker's only."""
        sql = "SELECT rowid, id, text, speaker_id, source_id, context, relayed_by, cues FROM quotes"
        params: list = []
        if speaker_id:
            sql += " WHERE speaker_id=?"
            params.append(speaker_id)
        sql += " ORDER BY rowid LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        for row in self.conn.execute(sql, params):
            yield self._quote(row)

    def quotes_by_rowid(self, rowids: list[int]) -> list[CorpusQuote]:
        """Return the quotes with these row ids, in the order given (records as of the last `refresh`)."""
        missing = [i for i in dict.fromkeys(rowids) if i not in self._records]
        if missing:
            self._bound(self._records)
            for row in self._rows_in("SELECT rowid, id, text, speaker_id, source_id, context, relayed_by, cues"
                                     " FROM quotes WHERE rowid IN ({marks})", missing):
                self._records[row[0]] = self._quote(row)
        return [self._records[i] for i in rowids if i in self._records]

    def quote_texts(self, rowids: list[int]) -> dict[int, str]:
        """Return {row id: quote text} for the stored quotes among these row ids."""
        self._read_texts(rowids)
        return {i: self._texts[i] for i in rowids if i in self._texts}

    def _read_texts(self, rowids: Iterable[int]) -> None:
        """Cache the text and speaker of each of these quotes not cached yet (returns nothing)."""
        missing = [i for i in dict.fromkeys(rowids) if i not in self._texts]
        if missing:
            if len(self._texts) > self.READ_CACHE_ENTRIES:  # the two are filled and emptied together
                self._texts.clear()
                self._speaker_of.clear()
            for rowid, text, speaker_id in self._rows_in(
                    "SELECT rowid, text, speaker_id FROM quotes WHERE rowid IN ({marks})", missing):
                self._texts[rowid] = text
                self._speaker_of[rowid] = speaker_id

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """Return how many quotes hold each term (absent terms are left out)."""
        terms = list(dict.fromkeys(terms))
        missing = [t for t in terms if t not in self._df]
        if missing:
            self._bound(self._df)
            found = dict(self._rows_in("SELECT term, df FROM terms WHERE term IN ({marks})", missing))
            self._df.update((t, found.get(t)) for t in missing)
        return {t: df for t in terms if (df := self._df[t]) is not None}

    READ_CACHE_ENTRIES = 200_000  # per cache; past it the cache starts again

    def _bound(self, cache: dict) -> None:
        if len(cache) > self.READ_CACHE_ENTRIES:
            cache.clear()

    def refresh(self) -> bool:
        """Forget cached reads if another connection has committed since they were made; return True when it
        had (and they were forgotten).

        `check_document` (and the service's search) call it once per document; reads in between use the
        caches. A caller of the retrieval functions on a long-lived corpus calls it itself."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return False
        self._data_version = version
        self._forget()
        return True

    def _forget(self) -> None:
        """Drop every cached read (after a write on this connection, which `data_version` does not show)."""
        for cache in (self._speakers, self._sources, self._named, self._df, self._texts, self._speaker_of,
                      self._records, self._postings):
            cache.clear()
        self._quote_count = None

    def rowids_with_phrases(self, runs: Sequence[Sequence[str]], limit: int) -> list[int]:
        """Return row ids, ascending, of up to `limit` quotes holding every run of keys as a phrase."""
        return self.match_rowids(fts_and(runs), limit, ranked=False)

    def rowids_with_any(self, alternatives: Sequence[Sequence[Sequence[str]]], limit: int) -> list[int]:
        """Return row ids, ascending, of up to `limit` quotes holding every run of one of the alternatives."""
        return self.match_rowids(" OR ".join(f"({fts_and(runs)})" for runs in alternatives), limit, ranked=False)

    def match_rowids(self, fts_query: str, limit: int, ranked: bool = True) -> list[int]:
        """Return row ids of quotes matching an FTS5 query, best bm25 first when `ranked`.

        (To keep one speaker's quotes, filter the result with `rowids_by`: asking
        FTS5 for `rowid IN (a speaker's quotes)` re-runs the MATCH per quote.)
        """
        order = " ORDER BY bm25(quotes_fts)" if ranked else ""
        sql = f"SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?{order} LIMIT ?"
        return [r[0] for r in self.conn.execute(sql, (fts_query, limit))]

    def quote_count(self) -> int:
        """Return about how many quotes are stored (the largest row id; cached for this connection)."""
        if self._quote_count is None:
            self._quote_count = self.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM quotes").fetchone()[0]
        return self._quote_count

    def vote_rowids(self, terms: list[str], weights: list[float], limit: int,
                    keep: float = 0.0) -> list[tuple[int, float]]:
        """Return (row id, summed weight of the terms it holds) for the best-scoring quotes, best first
        (ties by row id): at most `limit`, and only those scoring at least `keep` times the best.

        Reads every posting of every term, so the caller keeps the terms' total
        document frequency small; no bm25 (which reads positions too).
        """
        if not terms:
            return []
        if all(self._few_postings(term) for term in terms):
            # a few postings each (every term of a small corpus): cached, cheaper than a query per term
            postings: list[Sequence[int | str]] = [self._postings_of(term) for term in terms]
        else:
            # one string a term: stepping through rows one by one costs more than FTS5 reading them
            postings = [self._term_rowids(term) for term in terms]
        return top_votes(postings, weights, limit, keep)

    def _term_rowids(self, term: str) -> Sequence[int | str]:
        """Return the row ids (ints or decimal strings, in any order) of the quotes holding a term, uncached."""
        joined = self.conn.execute("SELECT group_concat(rowid) FROM quotes_fts WHERE quotes_fts MATCH ?",
                                   (fts_phrase(term),)).fetchone()[0]
        return joined.split(",") if joined else []

    SMALL_POSTINGS = 64  # terms held by at most this many quotes have their postings cached

    def small_postings(self, term: str) -> tuple[int, ...] | None:
        """Return the row ids, ascending, of the quotes holding a term when at most SMALL_POSTINGS do
        (cached), else None; None too when its frequency was not read by `document_frequencies` first."""
        return self._postings_of(term) if self._few_postings(term) else None

    def _few_postings(self, term: str) -> bool:
        """Return whether a term's frequency, read already, is at most SMALL_POSTINGS (not 0)."""
        return 0 < (self._df.get(term) or 0) <= self.SMALL_POSTINGS

    def _postings_of(self, term: str) -> tuple[int, ...]:
        """Return the row ids of the quotes holding a term (cached like document frequencies)."""
        found = self._postings.get(term)
        if found is None:
            self._bound(self._postings)
            found = self._postings[term] = self._read_postings(term)
        return found

    def _read_postings(self, term: str) -> tuple[int, ...]:
        """Return the row ids, ascending, of the quotes holding a term, uncached."""
        return tuple(r[0] for r in self.conn.execute(
            "SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?", (fts_phrase(term),)))

    def rowids_by(self, rowids: list[int], speaker_ids: Iterable[str]) -> set[int]:
        """Return which of these quotes (by row id) are by one of these speakers.

        (Filtering FTS5 results this way is cheap; asking FTS5 for `rowid IN
        (one speaker's quotes)` re-runs the MATCH once per quote.)
        """
        wanted = set(speaker_ids)
        if not rowids or not wanted:
            return set()
        self._read_texts(rowids)  # their texts are read next anyway
        return {i for i in rowids if self._speaker_of.get(i) in wanted}

    def speakers_named(self, name: str) -> list[tuple[Speaker, str]]:
        """Return (speaker, how) for every speaker a name, alias or surname key refers to; how is
        name/alias/affiliation/surname (verifier.judge.speakers_for decides which of them a credit means)."""
        key = name_key(name)
        if key not in self._named:
            rows = self.conn.execute("SELECT speaker_id, kind FROM aliases WHERE key=?", (key,)).fetchall()
            found = [(self.speaker(speaker_id), kind) for speaker_id, kind in rows]
            if len(self._named) > 50_000:
                self._named.clear()
            self._named[key] = [(speaker, kind) for speaker, kind in found if speaker]
        return list(self._named[key])

    def quote_count_of(self, speaker_id: str) -> int:
        """Return how many quotes one speaker has."""
        return self.conn.execute("SELECT COUNT(*) FROM quotes WHERE speaker_id=?", (speaker_id,)).fetchone()[0]

    def speaker_counts(self) -> list[tuple[Speaker, int]]:
        """Return every named speaker with the number of quotes stored for them, most first (a transcript's
        unnamed speakers are left out: they are no one)."""
        rows = self.conn.execute(
            "SELECT s.id, COUNT(q.rowid) AS n FROM speakers s LEFT JOIN quotes q ON q.speaker_id = s.id"
            " GROUP BY s.id ORDER BY n DESC, s.name"
        ).fetchall()
        return [(speaker, n) for sid, n in rows if (speaker := self.speaker(sid)) and speaker.named]

    def stats(self) -> dict[str, int]:
        """Return counts of quotes, speakers, sources and terms, and the file size in bytes."""
        count = {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("quotes", "speakers", "sources", "terms")}
        count["bytes"] = os.path.getsize(self.path) if os.path.exists(self.path) else 0
        return count
