"""The corpus in PostgreSQL: a newsroom's shared corpus, for several hosts, with read replicas.

Tables as in SQLite (`meta`, `sources`, `speakers`, `aliases`, `quotes`,
`terms`), text in the "C" collation so that everything sorts as SQLite's binary
collation does. Each quote keeps `words`, a `tsvector` of its word keys (built
here, not by a text-search parser, so it holds exactly the keys the SQLite index
holds, split at apostrophes as FTS5's tokenizer splits them), with positions;
a GIN index over it finds the quotes holding words, and a phrase (`<->`) is
checked on the candidate rows' positions. `terms` holds each key's document
frequency, as in SQLite.

The engine-neutral parts of the SQLite store (caches, records, listing) are
reused by subclassing it over `_Connection`, which speaks the few sqlite3 calls
they make; every statement in SQLite's own dialect is overridden here.

Writers serialise on one row (`meta.generation`, bumped once per write
transaction): two importers interleave batch by batch, each batch's quotes are
numbered after the last one committed, and readers learn from the generation
that their caches are stale. Connections come from a psycopg_pool pool that
checks each one before handing it out, so a server restart costs the requests
made while it is down, never a restart of the service.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import re
import weakref
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from ..models import CorpusQuote, Source, Speaker
from ..normalize import index_text
from .sqlite import (
    SCHEMA_VERSION,
    BackgroundJob,
    Corpus,
    CorpusError,
    alias_rows,
    document_counts,
    name_key,
    quote_id,
    stored_counts,
    stored_part,
    top_votes,
)

FIRST_VERSION = 4  # the SQLite schema version the first PostgreSQL schema matches

SCHEMA = """
CREATE TABLE meta (key text COLLATE "C" PRIMARY KEY, value text);
CREATE TABLE sources (
    id text COLLATE "C" PRIMARY KEY, publisher text COLLATE "C" NOT NULL, title text COLLATE "C" NOT NULL,
    date text COLLATE "C", url text COLLATE "C");
CREATE INDEX sources_url ON sources (url);
CREATE TABLE speakers (
    id text COLLATE "C" PRIMARY KEY, name text COLLATE "C" NOT NULL, role text COLLATE "C",
    affiliations text NOT NULL DEFAULT '[]', gender text, qid text COLLATE "C");
CREATE INDEX speakers_qid ON speakers (qid);
CREATE TABLE aliases (
    key text COLLATE "C" NOT NULL, speaker_id text COLLATE "C" NOT NULL, alias text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL, PRIMARY KEY (key, speaker_id));
CREATE INDEX aliases_speaker ON aliases (speaker_id);
CREATE TABLE quotes (
    rowid bigint PRIMARY KEY, id text COLLATE "C" NOT NULL UNIQUE, text text NOT NULL,
    speaker_id text COLLATE "C" NOT NULL, source_id text COLLATE "C" NOT NULL, context text,
    relayed_by text COLLATE "C", cues text, words tsvector NOT NULL, pairs int2[] NOT NULL);
CREATE INDEX quotes_speaker ON quotes (speaker_id, rowid);
CREATE INDEX quotes_words ON quotes USING gin (words);
CREATE INDEX quotes_pairs ON quotes USING gin (pairs);
CREATE TABLE terms (term text COLLATE "C" PRIMARY KEY, df integer NOT NULL) WITH (fillfactor = 50);
CREATE TABLE postings (
    token text COLLATE "C" NOT NULL, first bigint NOT NULL, rowids int4[] NOT NULL,
    PRIMARY KEY (token, first));
INSERT INTO meta VALUES ('generation', '0');
"""

# MIGRATIONS[n]: the statements that take a PostgreSQL corpus from schema version n to n + 1
MIGRATIONS: dict[int, str] = {}

# A write transaction puts its quotes' entries in the GIN indexes' pending lists (big enough for an import
# batch: no merge while COPY runs), and they are merged into the indexes at once, sorted in memory: far
# cheaper than the 4 MB merges of the default settings. `add` merges before it commits, so readers never
# search a long pending list; an import merges on a connection of its own each time MERGE_EVERY more quotes
# are committed, while it writes the next batches (`background_checkpoints`), so readers may search that
# many quotes' entries there. A few hundred MB for the writer's transaction are a newsroom server's
# ordinary means.
BULK_SETTINGS = {"maintenance_work_mem": "256MB", "gin_pending_list_limit": "512MB"}
GIN_INDEXES = ("quotes_words", "quotes_pairs")
MERGE_EVERY = 100_000  # quotes committed between two merges of an import (`background_checkpoints`)
MERGE_PENDING = ("SELECT set_config('maintenance_work_mem', ?, true), "
                 + ", ".join(f"gin_clean_pending_list('{name}'::regclass)" for name in GIN_INDEXES))

PREPARED_CHUNK = 10_000  # index texts a worker prepares at a time (`prepare_index`)
POOL_SIZE = 4  # a check needs one connection; an import two (its writer, its merges)
CONNECT_SECONDS = 5.0  # how long a statement waits for a connection before the error is reported
_LOCK_ID = 0x71756F74  # advisory lock held while the schema is created or migrated


def tokens(key: str) -> list[str]:
    """Return the index words of a key: split at apostrophes, as SQLite's FTS5 tokenizer splits it."""
    return [part for part in key.split("'") if part]


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _index_tokens(indexed: str) -> list[str]:
    return indexed.replace("'", " ").split() if "'" in indexed else indexed.split()


def _vector_text(words: list[str]) -> str:
    where: dict[str, str] = {}
    for position, token in enumerate(words, 1):
        # (tokens hold letters and digits only: nothing to escape; positions past 16383 count as 16383)
        if token in where:
            where[token] += f",{position if position < 16383 else 16383}"
        else:
            where[token] = f"'{token}':{position if position < 16383 else 16383}"
    return " ".join(where.values())


def _pair_buckets(words: list[str]) -> list[int]:
    crc32 = zlib.crc32  # `_bucket` written out: a call a pair cost a tenth of an import's preparing
    return sorted({(crc32(f"{a} {b}".encode()) & 0xFFFF) - 0x8000 for a, b in itertools.pairwise(words)})


def tsvector_literal(indexed: str) -> str:
    """Return the `tsvector` input text holding each index word of an `index_text` with its positions."""
    return _vector_text(_index_tokens(indexed))


def pair_buckets(indexed: str) -> list[int]:
    """Return the buckets (`int2`, ascending) of the pairs of consecutive index words of an `index_text`:
    what the `pairs` column holds, so that a phrase of common words is looked for only in the few quotes
    holding its pairs (GIN does not keep positions, and rechecking every quote holding "and", "it" and
    "the" reads most of the table)."""
    return _pair_buckets(_index_tokens(indexed))


def column_texts(indexed: str) -> tuple[str, str]:
    """Return the input texts of a quote's `words` (`tsvector`) and `pairs` (`int2[]`) columns from its
    index text: what COPY writes for it."""
    words = _index_tokens(indexed)
    return _vector_text(words), "{" + ",".join(map(str, _pair_buckets(words))) + "}"


def prepared_chunk(indexed: bytes) -> tuple[bytes, list[tuple[str, str]]]:
    """Return, for index texts given as a JSON array, how many hold each word (a JSON object) and each
    one's `column_texts` (what an import's worker process computes)."""
    import orjson

    texts = orjson.loads(indexed)
    return orjson.dumps(document_counts(texts)), [column_texts(words) for words in texts]


def _bucket(first: str, second: str) -> int:
    # a stable hash (not Python's, which changes per process) folded onto int2: 65,536 buckets keep the GIN
    # index's keys few and its posting lists compressed; a bucket shared by other pairs only lets through
    # a few more quotes for the phrase check
    return (zlib.crc32(f"{first} {second}".encode()) & 0xFFFF) - 0x8000


def run_buckets(runs: Sequence[Sequence[str]]) -> list[int]:
    """Return the buckets of the pairs of consecutive tokens within each run of keys (what a quote holding
    every run as a phrase holds in `pairs`)."""
    found: set[int] = set()
    for run in runs:
        words = [t for key in run for t in tokens(key)]
        found.update(_bucket(a, b) for a, b in itertools.pairwise(words))
    return sorted(found)


def phrase_query(run: Sequence[str]) -> str:
    """Return the `tsquery` text for quotes holding a run of keys as a phrase."""
    return " <-> ".join(_lexeme(t) for key in run for t in tokens(key))


def runs_query(runs: Sequence[Sequence[str]]) -> str:
    """Return the `tsquery` text for quotes holding every run of keys as a phrase."""
    return " & ".join(f"({phrase_query(run)})" for run in runs)


# A quote's columns as `Corpus._quote` reads them, then its source's (None when the source is unknown)
_QUOTE_SELECT = ("SELECT q.rowid, q.id, q.text, q.speaker_id, q.source_id, q.context, q.relayed_by, q.cues,"
                 " src.publisher, src.title, src.date, src.url FROM quotes q LEFT JOIN sources src"
                 " ON src.id = q.source_id")
# A speaker's columns, then their aliases (kind 'alias') as an array in binary order
_SPEAKER_COLUMNS = ("s.id, s.name, s.role, s.affiliations, s.gender, s.qid, ARRAY(SELECT a.alias FROM aliases a"
                    " WHERE a.speaker_id = s.id AND a.kind = 'alias' ORDER BY a.alias)")

# The tsquery of a word key held in SQL by `term`: its tokens split at apostrophes, as a phrase (what
# `phrase_query([term])` gives; keys hold letters, digits and inner apostrophes only).
_TERM_QUERY = "(chr(39) || replace(term, chr(39), chr(39) || ' <-> ' || chr(39)) || chr(39))::tsquery"

# The row ids, ascending, of the quotes holding the word key `term`. A key of one token is read from
# `postings` (its row ids as arrays, one per import batch: no heap visit per quote, which is what reading
# them through the GIN index costs); a key holding an apostrophe is a phrase of its tokens, checked on the
# quotes' positions through the GIN index.
_TERM_POSTINGS = (f"CASE WHEN strpos(term, chr(39)) = 0 THEN (SELECT array_agg(r ORDER BY r) FROM postings p,"
                  f" unnest(p.rowids) AS r WHERE p.token = term) ELSE (SELECT array_agg(rowid ORDER BY rowid)"
                  f" FROM quotes WHERE words @@ {_TERM_QUERY}) END")


def safe_location(url: str) -> str:
    """Return a connection URL without its password, for messages."""
    return re.sub(r"^(\w+://[^:/@]*):[^@]*@", r"\1@", url)


class _Result:
    """Rows of a statement, read as the SQLite store reads an sqlite3 cursor."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self.cursor = cursor
        self.rowcount = cursor.rowcount
        self.returns_rows = cursor.description is not None  # (built anew on each call: asked once)

    def fetchone(self) -> tuple | None:
        return self.cursor.fetchone() if self.returns_rows else None

    def fetchall(self) -> list[tuple]:
        return self.cursor.fetchall() if self.returns_rows else []

    def __iter__(self) -> Iterator[tuple]:
        return self

    def __next__(self) -> tuple:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row


class _Connection:
    """Statements with sqlite3's `?` placeholders on a connection from a pool: the write transaction's while
    one is open, else one held for reading. A statement that fails for want of a connection gives the held
    one back (the pool drops it if broken, and checks the next one it hands out), so the next statement
    after a server restart reconnects."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self.pinned: psycopg.Connection | None = None
        self.held: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self.pinned is not None:
            return self.pinned
        if self.held is None:
            self.held = self.pool.getconn(timeout=CONNECT_SECONDS)
        return self.held

    def _let_go(self) -> None:
        held, self.held = self.held, None
        if held is not None:
            with contextlib.suppress(Exception):
                self.pool.putconn(held)

    def execute(self, sql: str, params: Sequence[Any] = (), binary: bool = False, planned: bool = False) -> _Result:
        """Return the result of one statement (its values in PostgreSQL's binary format when `binary`: an
        array of row ids is read without being printed and parsed as text). A statement run often is
        prepared by psycopg and may run on a generic plan; one `planned` is planned for its own values
        every time (a generic plan cannot tell a rare word pair from a common one)."""
        conn = self._connection()
        try:
            return _Result(conn.execute(sql.replace("?", "%s"), params or None, binary=binary,
                                        prepare=False if planned else None))
        except psycopg.OperationalError:
            if conn is self.held:
                self._let_go()
            raise

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        with self.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), list(rows))

    @contextlib.contextmanager
    def cursor(self) -> Iterator[psycopg.Cursor]:
        """Yield a cursor on the write transaction's connection, or the one held for reading."""
        with self._connection().cursor() as cursor:
            yield cursor

    @property
    def in_transaction(self) -> bool:
        """Return True while a write transaction is open."""
        return self.pinned is not None

    def begin(self) -> None:
        """Take a connection for a write transaction and begin it."""
        if self.pinned is None:
            self.pinned = self.pool.getconn(timeout=CONNECT_SECONDS)
            self.pinned.execute("BEGIN")

    def end(self, how: str) -> None:
        """COMMIT or ROLLBACK the write transaction, and give its connection back."""
        conn, self.pinned = self.pinned, None
        if conn is None:
            return
        try:
            conn.execute(how)
        finally:
            self.pool.putconn(conn)

    def close(self) -> None:
        """Roll back what is open and close every connection."""
        with contextlib.suppress(psycopg.Error):
            self.end("ROLLBACK")
        self._let_go()
        self.pool.close()


# the pool's own warnings (a failed reconnection) would be printed as tracebacks-to-be by logging's last
# resort; the error reaches the caller as one line anyway
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())


_OPEN: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()


def _remember(conn: psycopg.Connection) -> None:
    _OPEN.add(conn)


def _let_go_of_inherited_sockets() -> None:
    """In a child process made by fork (the import's parsing workers), point the inherited sockets of this
    process's connections at /dev/null: the child never uses them, and holding them would keep a killed
    importer's transaction (and the writers' lock) open on the server for as long as the child lives."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for conn in list(_OPEN):
            with contextlib.suppress(Exception):
                os.dup2(devnull, conn.pgconn.socket)
    finally:
        os.close(devnull)


os.register_at_fork(after_in_child=_let_go_of_inherited_sockets)


def _pool(url: str, readonly: bool) -> ConnectionPool:
    # no JIT compilation: the planner's estimates for a look-up's subplans (a rare word's postings, a
    # phrase read in row id order) pass jit_above_cost, and compiling took ~20 ms of a statement that
    # runs in 1
    options = {"autocommit": True, "options": "-c jit=off"}
    if readonly:
        options["options"] += " -c default_transaction_read_only=on"
    pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, kwargs=options, open=False, configure=_remember,
                          check=ConnectionPool.check_connection, reconnect_timeout=0)
    pool.open(wait=False)
    return pool


class PostgresCorpus(Corpus):
    """An open PostgreSQL corpus. Use `PostgresCorpus.open(url)`; close with `close()` or `with`."""

    def __init__(self, conn: _Connection, path: str, reads: _Connection | None = None) -> None:
        super().__init__(conn, path)  # type: ignore[arg-type]
        self.writes = conn
        if reads is not None:
            self.conn = reads  # type: ignore[assignment]
        self._generation: str | None = None
        self._locked = False
        self._unmerged = 0
        self._merge_later = False  # within `background_checkpoints`: its job merges the pending lists

    @classmethod
    def open(cls, url: str, create: bool = False, readonly: bool = False,  # type: ignore[override]
             read_url: str | None = None) -> PostgresCorpus:
        """Return the corpus in the database at `url`, creating its tables if `create`; `read_url` (a standby)
        answers the reads. Raises CorpusError (one line naming the database) when it cannot be used."""
        location = safe_location(url)
        pools = []
        try:
            for target in (url, read_url):
                if target:  # a first connection of its own: a refused one is reported at once, in its words
                    psycopg.connect(target, connect_timeout=int(CONNECT_SECONDS)).close()
            pools.append(_pool(url, readonly))
            pools[0].wait(timeout=CONNECT_SECONDS)
            if read_url:
                pools.append(_pool(read_url, True))
                pools[1].wait(timeout=CONNECT_SECONDS)
            corpus = cls(_Connection(pools[0]), location, _Connection(pools[1]) if read_url else None)
            corpus._check_schema(create and not readonly)
        except CorpusError:
            for pool in pools:
                pool.close()
            raise
        except (psycopg.Error, OSError) as exc:
            for pool in pools:
                pool.close()
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise CorpusError(f"{location}: cannot use the PostgreSQL corpus ({reason})") from None
        return corpus

    def _check_schema(self, create: bool) -> None:
        """Create the tables (`create`), migrate older ones, refuse a newer or foreign database (returns
        nothing); one process at a time, under an advisory lock."""
        encoding = self.writes.execute("SHOW server_encoding").fetchone()[0]
        if encoding != "UTF8":
            raise CorpusError(f"{self.path}: the database's encoding is {encoding}; quoteproof needs UTF8")
        version = self._recorded_version()
        if version == SCHEMA_VERSION:
            if self.writes.execute("SELECT to_regclass('quotes_pairs')").fetchone()[0] is None:
                # (the PostgreSQL store's schema gained `pairs` before its first release, as version 4)
                raise CorpusError(f"{self.path}: a corpus from a development version of quoteproof, without word "
                                  "pairs: export it with that version and import it into a new database")
            return
        if version is None and not create:
            raise CorpusError(f"{self.path}: not a quoteproof corpus (no schema)")
        if version is not None and version > SCHEMA_VERSION:
            raise CorpusError(f"{self.path}: corpus schema version {version} is newer than this quoteproof "
                              f"understands ({SCHEMA_VERSION}); upgrade quoteproof")
        self.writes.begin()
        try:
            self.writes.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK_ID,))
            version = self._recorded_version()  # again, under the lock: another process may have done it
            if version is None:
                self.writes.execute(SCHEMA)
                version = FIRST_VERSION
            while version < SCHEMA_VERSION:
                if version not in MIGRATIONS:
                    raise CorpusError(f"{self.path}: no migration from corpus schema version {version}")
                self.writes.execute(MIGRATIONS[version])
                version += 1
            self.writes.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE"
                                " SET value = excluded.value", (str(version),))
        except BaseException:
            self.writes.end("ROLLBACK")
            raise
        self.writes.end("COMMIT")

    def _recorded_version(self) -> int | None:
        if self.writes.execute("SELECT to_regclass('meta')").fetchone()[0] is None:
            return None
        row = self.writes.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None

    def close(self) -> None:
        """Close the connections."""
        self.writes.close()
        if self.conn is not self.writes:
            self.conn.close()

    @property
    def location(self) -> str:
        """Return the database's URL without its password, as messages name it."""
        return self.path

    # -- transactions ----------------------------------------------------------------------------
    def begin(self) -> None:
        """Begin a write transaction (returns nothing)."""
        self.writes.begin()

    def commit(self, begin_next: bool = False) -> None:
        """Commit the write transaction, then begin the next one if `begin_next` (returns nothing)."""
        self._locked = False
        self.writes.end("COMMIT")
        if begin_next:
            self.begin()

    def rollback(self) -> None:
        """Roll back the write transaction (returns nothing)."""
        self._locked = False
        self.writes.end("ROLLBACK")
        self._forget()

    def _lock_writes(self) -> None:
        """Hold the writers' row until the transaction ends and mark the corpus changed (returns nothing)."""
        if not self._locked:
            self.writes.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'")
            self._locked = True

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """Run the block in its own write transaction unless one is open already."""
        if self.writes.in_transaction:
            yield
            return
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def tune_for_import(self) -> None:
        """Nothing to set: each batch is one transaction and COPY writes it (returns nothing)."""

    @contextlib.contextmanager
    def background_checkpoints(self) -> Iterator[Callable[[], None]]:
        """Within the block, merge what committed batches left in the GIN indexes' pending lists on a
        connection of its own, in a thread of its own, instead of in each batch's transaction; yield the
        function to call after each commit, which starts a merge once MERGE_EVERY quotes were committed
        since the last one started, unless one is still running (the server checkpoints on its own).

        The merge (a few seconds for 100,000 quotes) then overlaps the next batches
        instead of holding them up, and a big one costs less a quote than several
        small ones. Leaving the block waits for the running merge and merges what
        the last commits left, so an import's time includes it and readers find
        nothing left in the pending lists.
        """
        pool = self.writes.pool

        def merge() -> None:
            # one that fails (the server went away) leaves the entries in the pending lists, where readers
            # still find them, for the next merge or the server's autovacuum
            with contextlib.suppress(psycopg.Error):
                with pool.connection(timeout=CONNECT_SECONDS) as conn, conn.transaction():
                    conn.execute(MERGE_PENDING.replace("?", "%s"), (BULK_SETTINGS["maintenance_work_mem"],))

        merger = BackgroundJob(merge, "merge")
        self._merge_later = True
        self._unmerged = 0

        def merge_soon() -> None:
            if self._unmerged >= MERGE_EVERY:
                self._unmerged = 0
                merger.start()

        try:
            yield merge_soon
        finally:
            self._merge_later = False
            merger.close()

    def without_log(self) -> None:
        """Nothing to do: the server keeps its own log."""

    def refresh(self) -> bool:
        """Forget cached reads if a writer has committed since they were made; return True when one had."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        generation = row[0] if row else None
        if generation == self._generation:
            return False
        self._generation = generation
        self._forget()
        return True

    # -- writing ---------------------------------------------------------------------------------
    def add(self, speakers: Iterable[Speaker] = (), sources: Iterable[Source] = (),
            quotes: Iterable[Any] = ()) -> int:
        """Store speakers, sources and quotes in one transaction; return how many quotes were new."""
        try:
            with self._transaction():
                self._lock_writes()
                for speaker in speakers:
                    self._put_speaker(speaker)
                self.writes.executemany(
                    "INSERT INTO sources VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET publisher ="
                    " excluded.publisher, title = excluded.title, date = excluded.date, url = excluded.url",
                    [(s.id, s.publisher, s.title, s.date, s.url) for s in sources])
                records = {r.id: r for r in quotes}
                rows = [(r.id, r.text, r.speaker_id, r.source_id, r.context, r.relayed_by) for r in records.values()]
                top, stored = self.add_quote_rows(rows)
                self.index_quote_rows(top, [index_text(rows[k][1]) for k in stored])
                timed = [(json.dumps(records[rows[k][0]].cues), rows[k][0]) for k in stored if records[rows[k][0]].cues]
                if timed:  # a transcript's turns: where in the recording each part was said
                    self.writes.executemany("UPDATE quotes SET cues = ? WHERE id = ?", timed)
                return len(stored)
        finally:
            self._forget()

    def _put_speaker(self, speaker: Speaker) -> None:
        self._lock_writes()
        self.writes.execute(
            "INSERT INTO speakers VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
            " role = excluded.role, affiliations = excluded.affiliations, gender = excluded.gender,"
            " qid = excluded.qid",
            (speaker.id, speaker.name, speaker.role, json.dumps(list(speaker.affiliations)), speaker.gender,
             speaker.qid))
        self.writes.executemany("INSERT INTO aliases VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                alias_rows(speaker))
        self._forget()

    def merge_speakers(self, speakers: Sequence[Speaker]) -> int:
        """Store speakers (distinct ids), or merge each into the stored one with its id as `merge_speaker`
        does, inside the caller's transaction; return how many were not stored before. The new ones (an
        import's batch brings thousands) go in two statements, not four each."""
        import orjson

        if not speakers:
            return 0
        self._lock_writes()
        stored = self.existing_speaker_ids([s.id for s in speakers])
        new = [s for s in speakers if s.id not in stored]
        if new:
            self.writes.execute(
                "INSERT INTO speakers SELECT r ->> 0, r ->> 1, r ->> 2, r ->> 3, r ->> 4, r ->> 5 FROM"
                " json_array_elements(?::json) AS r ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " role = excluded.role, affiliations = excluded.affiliations, gender = excluded.gender,"
                " qid = excluded.qid",
                (orjson.dumps([(s.id, s.name, s.role, json.dumps(list(s.affiliations)), s.gender, s.qid)
                               for s in new]).decode(),))
            self.writes.execute("INSERT INTO aliases SELECT r ->> 0, r ->> 1, r ->> 2, r ->> 3 FROM"
                                " json_array_elements(?::json) AS r ON CONFLICT DO NOTHING",
                                (orjson.dumps([row for s in new for row in alias_rows(s)]).decode(),))
        for speaker in speakers:
            if speaker.id in stored:
                self.merge_speaker(speaker)
        self._forget()
        return len(new)

    def _insert_new_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert rows (text values in the order of `columns`) whose key is not stored yet; return how many
        were. One statement over the rows as a JSON array of arrays (a batch's sources: thousands of rows)."""
        import orjson

        self._lock_writes()
        if not rows:
            return 0
        values = ", ".join(f"r ->> {k}" for k in range(len(columns)))
        with self.writes.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM"
                           " json_array_elements(%s::json) AS r ON CONFLICT DO NOTHING", (orjson.dumps(rows).decode(),))
            return cursor.rowcount

    def add_quote_rows(self, rows: list[tuple[str, str, str, str, str | None, str | None]]) -> tuple[int, list[int]]:
        """Number the quotes not stored yet after the last stored one, inside the caller's transaction; return
        the largest row id before them and their positions in `rows`. `index_quote_rows` writes them.

        Under the writers' row lock, so another importer's batch is either committed before (and its
        quotes are skipped here) or waits for this one.
        """
        self._forget()
        self._lock_writes()
        top = self.writes.execute("SELECT COALESCE(MAX(rowid), 0) FROM quotes").fetchone()[0]
        import orjson

        # (the ids as one JSON array: thousands of them, which psycopg would dump as an array in Python)
        stored = {r[0] for r in self.writes.execute(
            "SELECT id FROM quotes WHERE id = ANY(ARRAY(SELECT json_array_elements_text(?::json)))",
            (orjson.dumps([row[0] for row in rows]).decode(),))}
        positions = [k for k, row in enumerate(rows) if row[0] not in stored]
        self._pending = [rows[k] for k in positions]
        return top, positions

    def prepare_index(self, indexed: list[str], workers: Executor | None = None) -> list[Future] | None:
        """Start counting the words of a batch of index texts and making their `words` and `pairs` column
        texts in `workers` (processes; in chunks, so that every worker takes a part) while the batch before
        is written; return the Futures of the chunks (`prepared_chunk`), or None without workers."""
        if workers is None or not indexed:
            return None
        import orjson

        return [workers.submit(prepared_chunk, orjson.dumps(indexed[i:i + PREPARED_CHUNK]))
                for i in range(0, len(indexed), PREPARED_CHUNK)]

    def index_quote_rows(self, top: int, indexed: list[str], prepared: list[Future] | None = None,
                         positions: list[int] | None = None) -> None:
        """Write the quotes `add_quote_rows` numbered (row ids top + 1, ...) through COPY with their words
        and word pairs, and add their words to postings and terms, inside the caller's transaction; returns
        nothing. `indexed` is the batch's index texts as `prepare_index` was given them (and `prepared`
        what it returned), `positions` those of the quotes stored, in row id order (None: all of them)."""
        import orjson

        pending, self._pending = getattr(self, "_pending", []), []
        if not pending:
            return
        stored, dropped = stored_part(indexed, positions)
        counts: list[bytes] = []  # JSON objects of word counts, to be added up
        if prepared is None:
            encoded = [column_texts(words) for words in stored]
        else:
            encoded = []
            for chunk in prepared:
                chunk_counts, chunk_columns = chunk.result()
                counts.append(chunk_counts)
                encoded.extend(chunk_columns)
            if dropped:
                encoded = [encoded[k] for k in positions or ()]
        if not counts or dropped:  # counted here, or some quotes were stored already: their words taken out
            counted: Counter[str] | None = None
            if counts:
                counted = Counter()
                for chunk_counts in counts:
                    counted.update(orjson.loads(chunk_counts))
            df = stored_counts(counted, stored, dropped)
            counts = [df if isinstance(df, bytes) else orjson.dumps(df)]
        self.writes.execute("SELECT " + ", ".join(["set_config(?, ?, true)"] * len(BULK_SETTINGS)),
                            [x for setting in BULK_SETTINGS.items() for x in setting])
        with self.writes.cursor() as cursor, cursor.copy(
                "COPY quotes (rowid, id, text, speaker_id, source_id, context, relayed_by, words, pairs) FROM STDIN"
        ) as copy:
            for rowid, (row, columns) in enumerate(zip(pending, encoded, strict=True), top + 1):
                copy.write_row((rowid, *row, *columns))
        held: dict[str, list[int]] = {}
        for n, words in enumerate(stored, top + 1):
            for token in set(_index_tokens(words)):
                held.setdefault(token, []).append(n)
        with self.writes.cursor() as cursor, cursor.copy("COPY postings (token, first, rowids) FROM STDIN") as copy:
            for token, rows in held.items():  # (an array's text made here: psycopg dumps lists in Python)
                copy.write_row((token, top + 1, "{" + ",".join(map(str, rows)) + "}"))
        self._unmerged += len(pending)
        if not self._merge_later:
            self.writes.execute(MERGE_PENDING, (BULK_SETTINGS["maintenance_work_mem"],))
        # the workers' counts added up by the server, as they came: JSON objects in a JSON array
        self.writes.execute("INSERT INTO terms SELECT c.key, sum(c.value::int)::int FROM json_array_elements(?::json)"
                            " AS chunk, json_each_text(chunk) AS c GROUP BY c.key ON CONFLICT (term)"
                            " DO UPDATE SET df = terms.df + excluded.df", ((b"[" + b",".join(counts) + b"]").decode(),))
        self._forget()

    # -- reading ---------------------------------------------------------------------------------
    def quotes(self, speaker_id: str | None = None, limit: int | None = None,
               offset: int = 0) -> Iterator[CorpusQuote]:
        """Yield stored quotes in insertion order, optionally one speaker's only."""
        mine = "WHERE q.speaker_id = ?" if speaker_id else "WHERE ? IS NULL"
        rows = self.conn.execute(f"{_QUOTE_SELECT} {mine} ORDER BY q.rowid LIMIT ? OFFSET ?",
                                 (speaker_id, limit, offset)).fetchall()
        yield from self._quotes_of(rows)

    def quotes_by_rowid(self, rowids: list[int]) -> list[CorpusQuote]:
        """Return the quotes with these row ids, in the order given (records as of the last `refresh`)."""
        missing = [i for i in dict.fromkeys(rowids) if i not in self._records]
        if missing:
            self._bound(self._records)
            rows = self.conn.execute(f"{_QUOTE_SELECT} WHERE q.rowid = ANY(?)", (missing,)).fetchall()
            self._records.update(zip([row[0] for row in rows], self._quotes_of(rows), strict=True))
        return [self._records[i] for i in rowids if i in self._records]

    def _quotes_of(self, rows: list[tuple]) -> list[CorpusQuote]:
        """Return the quotes of rows read by `_QUOTE_SELECT`, caching their sources and reading the speakers
        and relays not cached in one more statement."""
        for row in rows:
            if row[8] is not None and row[4] not in self._sources:
                self._sources[row[4]] = Source(row[4], *row[8:])
        self._read_speakers([r[3] for r in rows] + [r[6] for r in rows if r[6]])
        return [self._quote(row[:8]) for row in rows]

    def _read_speakers(self, ids: Iterable[str]) -> None:
        """Cache, in one statement, the speakers with these ids that are not cached (returns nothing)."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self._speakers]
        if wanted:
            for row in self.conn.execute(f"SELECT {_SPEAKER_COLUMNS} FROM speakers s WHERE s.id = ANY(?)", (wanted,)):
                self._cache_speaker(row)

    def _cache_speaker(self, row: tuple) -> Speaker:
        sid, name, role, affiliations, gender, qid, aliases = row
        speaker = self._speakers[sid] = Speaker(id=sid, name=name, aliases=tuple(aliases), role=role,
                                                affiliations=tuple(json.loads(affiliations or "[]")),
                                                gender=gender, qid=qid)
        return speaker

    def speaker(self, speaker_id: str) -> Speaker | None:
        """Return the speaker with this id, or None."""
        self._read_speakers([speaker_id])
        return self._speakers.get(speaker_id)

    def speakers_named(self, name: str) -> list[tuple[Speaker, str]]:
        """Return (speaker, how) for every speaker a name, alias or surname key refers to (see the SQLite
        store's), with the speakers' records, in one statement."""
        key = name_key(name)
        if key not in self._named:
            rows = self.conn.execute(f"SELECT x.kind, {_SPEAKER_COLUMNS} FROM speakers s JOIN aliases x"
                                     " ON x.speaker_id = s.id WHERE x.key = ? ORDER BY x.speaker_id", (key,)).fetchall()
            if len(self._named) > 50_000:
                self._named.clear()
            self._named[key] = [(self._speakers.get(row[1]) or self._cache_speaker(row[1:]), row[0]) for row in rows]
        return list(self._named[key])

    def _rows_in(self, sql: str, values: list, extra: Iterable = ()) -> list[tuple]:
        """Return the rows of an SQLite-store statement whose `IN ({marks})` list holds `values`, asked as one
        array (one statement, whatever the count, and one plan for every count)."""
        return self.conn.execute(sql.replace("IN ({marks})", "= ANY(?)"), (values, *extra)).fetchall()

    def rowids_with_phrases(self, runs: Sequence[Sequence[str]], limit: int) -> list[int]:
        """Return row ids, ascending, of up to `limit` quotes holding every run of keys as a phrase."""
        return self.rowids_with_any([runs], limit)

    def rowids_with_any(self, alternatives: Sequence[Sequence[Sequence[str]]], limit: int) -> list[int]:
        """Return row ids, ascending, of up to `limit` quotes holding every run of one of the alternatives.

        An alternative with phrases is looked for among the quotes holding its word pairs (`pairs`), its
        phrases checked on their positions; `IS TRUE` keeps that check off the GIN index of `words`
        (whose postings of common words cost more to read than the check) while the planner still
        estimates it from the words' statistics: a pair held by many quotes is then read in row id order
        until `limit` are found, a rare one through its GIN postings. An alternative of single words is
        looked for through `words` alone. The quotes' texts come with their row ids (and are cached): they
        are what the caller reads next."""
        conditions, params = [], []
        for runs in alternatives:
            buckets = run_buckets(runs)
            conditions.append("(pairs @> ?::int2[] AND (words @@ ?::tsquery) IS TRUE)" if buckets
                              else "words @@ ?::tsquery")
            params += [buckets, runs_query(runs)] if buckets else [runs_query(runs)]
        rows = self.conn.execute(f"SELECT rowid, text, speaker_id FROM quotes WHERE {' OR '.join(conditions)}"
                                 " ORDER BY rowid LIMIT ?", (*params, limit), planned=True).fetchall()
        self._cache_texts(rows)
        return [r[0] for r in rows]

    def _read_texts(self, rowids: Iterable[int]) -> None:
        """Cache the text and speaker of each of these quotes not cached yet, in one statement."""
        missing = [i for i in dict.fromkeys(rowids) if i not in self._texts]
        if missing:
            self._cache_texts(self.conn.execute("SELECT rowid, text, speaker_id FROM quotes WHERE rowid = ANY(?)",
                                                (missing,)).fetchall())

    def _cache_texts(self, rows: list[tuple[int, str, str]]) -> None:
        if len(self._texts) > self.READ_CACHE_ENTRIES:  # the two are filled and emptied together
            self._texts.clear()
            self._speaker_of.clear()
        for rowid, text, speaker_id in rows:
            self._texts[rowid] = text
            self._speaker_of[rowid] = speaker_id

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """Return how many quotes hold each term (absent terms are left out). In the same round trip, the
        postings of the terms held by at most SMALL_POSTINGS quotes are read and cached (`small_postings`)."""
        terms = list(dict.fromkeys(terms))
        missing = [t for t in terms if t not in self._df]
        if missing:
            self._bound(self._df)
            self._bound(self._postings)
            found = {}
            for term, df, postings in self.conn.execute(
                    f"SELECT term, df, CASE WHEN df <= ? THEN {_TERM_POSTINGS} END FROM terms WHERE term = ANY(?)",
                    (self.SMALL_POSTINGS, missing)):
                found[term] = df
                if postings is not None:
                    self._postings[term] = tuple(postings)
            self._df.update((t, found.get(t)) for t in missing)
        return {t: df for t in terms if (df := self._df[t]) is not None}

    def vote_rowids(self, terms: list[str], weights: list[float], limit: int,
                    keep: float = 0.0) -> list[tuple[int, float]]:
        """Return (row id, summed weight of the terms it holds) for the best-scoring quotes, best first (ties
        by row id): at most `limit`, and only those scoring at least `keep` times the best. The postings not
        cached are read in one statement."""
        if not terms:
            return []
        unread = [t for t in dict.fromkeys(terms) if t not in self._postings]
        read: dict[str, list[int]] = {}
        if unread:
            # a plain key's arrays in batch order (ascending already); a key with an apostrophe through GIN
            for term, rowids in self.conn.execute(
                    "(SELECT p.token, p.rowids FROM postings p WHERE p.token = ANY(?) ORDER BY p.token, p.first)"
                    f" UNION ALL SELECT term, {_TERM_POSTINGS}::int4[] FROM unnest(?::text[]) AS t(term)"
                    " WHERE strpos(term, chr(39)) > 0", ([t for t in unread if "'" not in t], unread), binary=True):
                read.setdefault(term, []).extend(rowids or ())
        postings = [self._postings[t] if t in self._postings else read.get(t) or () for t in terms]
        return top_votes(postings, weights, limit, keep)

    def _read_postings(self, term: str) -> tuple[int, ...]:
        row = self.conn.execute(f"SELECT {_TERM_POSTINGS} FROM (SELECT ?::text AS term) AS t", (term,)).fetchone()
        return tuple(row[0] or ()) if row else ()

    def stats(self) -> dict[str, int]:
        """Return counts of quotes, speakers, sources and terms, and the bytes of the tables and indexes."""
        count = super().stats()
        count["bytes"] = self.conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema()"
            " AND c.relname IN ('meta', 'sources', 'speakers', 'aliases', 'quotes', 'terms', 'postings')"
        ).fetchone()[0] or 0
        return count

    def warm(self) -> None:
        """Read the corpus's tables and indexes into the server's shared buffers, as many as they hold (as on a
        server that has been running checks; the operating system's page cache alone was emptied under the
        benchmark by other tenants' memory pressure); uses pg_prewarm, and does nothing where it cannot be
        installed."""
        try:
            self.writes.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except psycopg.Error:
            return
        self.conn.execute("SELECT pg_prewarm(c.oid, 'buffer') FROM pg_class c JOIN pg_namespace n ON n.oid ="
                          " c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't')")

    def sizes(self) -> dict[str, int]:
        """Return the bytes of each table (heap and TOAST) and each index."""
        return dict(self.conn.execute(
            "SELECT c.relname, pg_relation_size(c.oid) + COALESCE(pg_total_relation_size(c.reltoastrelid), 0)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
            " AND c.relkind IN ('r', 'i') ORDER BY c.relname").fetchall())

    def check_integrity(self, lookups: int = 500):
        """Return a `CheckReport` of the corpus's own rules (`corpus check`): every quote has a known speaker
        and source, a stable id and the words of its text; terms equal a recount; each sampled quote is found
        by its rarest words."""
        from .sqlite_integrity import CheckReport, _listed

        report = CheckReport(self.path)
        problems = report.problems
        for table in ("quotes", "speakers", "sources", "aliases", "terms"):
            report.counts[table] = self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        speakers = {r[0] for r in self.conn.execute("SELECT id FROM speakers")}
        sources = {r[0] for r in self.conn.execute("SELECT id FROM sources")}
        bad: dict[str, list[str]] = {kind: [] for kind in (
            "quote without a known speaker", "quote without a known source", "quote relayed by an unknown speaker",
            "unstable quote id", "word index differs from the quote's words", "row ids with a gap")}
        df: Counter[str] = Counter()
        held: Counter[str] = Counter()  # quotes holding each token, for `postings`
        sample: list[tuple[int, str]] = []
        every = max(1, report.counts["quotes"] // lookups) if lookups else 0
        last = 0
        for rows in self._quote_chunks():
            literals, buckets = [], []
            for rowid, qid, text, speaker_id, source_id, relayed_by in rows:
                label = f"quote {qid} (row {rowid})"
                if rowid != last + 1:
                    bad["row ids with a gap"].append(f"{label} follows row {last}")
                last = rowid
                if speaker_id not in speakers:
                    bad["quote without a known speaker"].append(f"{label} names speaker {speaker_id!r}")
                if source_id not in sources:
                    bad["quote without a known source"].append(f"{label} names source {source_id!r}")
                if relayed_by and relayed_by not in speakers:
                    bad["quote relayed by an unknown speaker"].append(f"{label} is relayed by {relayed_by!r}")
                if qid != quote_id(text, speaker_id, source_id):
                    bad["unstable quote id"].append(f"{label}: id is not the hash of its text, speaker and source")
                indexed = index_text(text)
                literals.append(tsvector_literal(indexed))
                buckets.append("{" + ",".join(map(str, pair_buckets(indexed))) + "}")
                df.update(set(indexed.split()))
                held.update(set(indexed.replace("'", " ").split()))
                if every and rowid % every == 0 and len(sample) < lookups and indexed:
                    sample.append((rowid, indexed))
            bad["word index differs from the quote's words"] += [f"row {r[0]}" for r in self.conn.execute(
                "SELECT q.rowid FROM unnest(?::bigint[], ?::text[], ?::text[]) AS x(rowid, words, pairs) JOIN quotes q"
                " ON q.rowid = x.rowid WHERE q.words <> x.words::tsvector OR q.pairs <> x.pairs::int2[] ORDER BY 1",
                ([row[0] for row in rows], literals, buckets))]
        for kind, items in bad.items():
            _listed(problems, kind, items)
        orphans = [f"{a!r} -> {s!r}" for a, s in self.conn.execute(
            "SELECT alias, speaker_id FROM aliases WHERE speaker_id NOT IN (SELECT id FROM speakers)")]
        _listed(problems, "alias of an unknown speaker", orphans)
        terms = dict(self.conn.execute("SELECT term, df FROM terms"))
        wrong = [f"{t!r}: stored {terms.get(t, 0)}, counted {df.get(t, 0)}"
                 for t in sorted(set(terms) | set(df)) if terms.get(t, 0) != df.get(t, 0)]
        _listed(problems, "terms df differs from a recount", wrong)
        stored = dict(self.conn.execute("SELECT token, sum(cardinality(rowids))::int FROM postings GROUP BY token"))
        wrong = [f"{t!r}: stored {stored.get(t, 0)}, counted {held.get(t, 0)}"
                 for t in sorted(set(stored) | set(held)) if stored.get(t, 0) != held.get(t, 0)]
        _listed(problems, "postings differ from a recount", wrong)
        unfound = []
        for rowid, indexed in sample:
            keys = sorted(dict.fromkeys(indexed.split()), key=lambda k: (df.get(k, 0), k))[:3]
            if rowid not in self.rowids_with_phrases([[k] for k in keys], 1 << 30):
                unfound.append(f"row {rowid} is not found by its own words {keys}")
        _listed(problems, "word index", unfound)
        report.counts["indexed"] = report.counts["quotes"]
        return report

    def _quote_chunks(self, size: int = 10_000) -> Iterator[list[tuple]]:
        """Yield every quote's (rowid, id, text, speaker_id, source_id, relayed_by), by row id, a chunk at a
        time (a million quotes are never held at once)."""
        last = 0
        while True:
            rows = self.conn.execute("SELECT rowid, id, text, speaker_id, source_id, relayed_by FROM quotes"
                                     " WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, size)).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]
