"""Schema versions, migrations and consistency checks for a corpus database.

A corpus records its layout version in `meta` (`schema_version`). Opening one
goes through `schema_version()`:

* the current version: used as is;
* an older one: migrated forward in place by `migrate()`, one step at a time,
  each step in one transaction (`BEGIN IMMEDIATE`), so a migration that is
  killed halfway leaves the file at the version it had, and two processes
  opening the same old file migrate it once;
* a newer one, a foreign SQLite database, a text file, a truncated or
  corrupted file: `CorpusError` with one line naming the file.

Version 0 is the layout before versioning: the quote, speaker, source and
alias tables and the full-text index, but no `terms` table and no recorded
version. No release wrote it; it exists so the migration path is exercised by
a test from the first day. The first real migration (1 -> 2) is one more entry
in `MIGRATIONS`.

`check_corpus()` is `quoteproof corpus check`: SQLite's `PRAGMA
integrity_check`, the FTS5 index (its own `integrity-check` command verifies
the index structure only; the index is contentless, so the check also compares
the indexed row ids with the quote rows and looks each quote up by its words),
and the corpus's own rules (every quote has a known speaker and source, stable
content-hash ids, `terms` document frequencies equal to a recount).
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..normalize import index_text
from .sqlite import fts_phrase, surname_rows

SQLITE_MAGIC = b"SQLite format 3\x00"
CORPUS_TABLES = frozenset({"sources", "speakers", "aliases", "quotes"})

TERMS_TABLE = "CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID"
FTS_TABLE = ("CREATE VIRTUAL TABLE IF NOT EXISTS quotes_fts USING fts5("
             "words, content='', tokenize='unicode61 remove_diacritics 2')")


class SchemaError(Exception):
    """A database that is not a usable corpus; the message is one line (without the file name)."""


# -- reading the file header ---------------------------------------------------------------


def header_problem(path: str) -> str | None:
    """Return why the file at `path` cannot be an intact SQLite database, or None if its header is fine.

    Cheap (reads 100 bytes): not SQLite at all, or shorter than the page count
    its header records (a truncated copy). The size test is skipped while a
    write-ahead log exists, since the file is then legitimately behind the log.
    """
    if not os.path.isfile(path):
        return None  # not there yet (created on open) or ":memory:"
    try:
        size = os.path.getsize(path)
        if size == 0:
            return None
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    if not header.startswith(SQLITE_MAGIC):
        return "not a quoteproof corpus (not an SQLite database)"
    if len(header) < 100:
        return f"truncated SQLite database ({size:,} bytes, shorter than its own header)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    change_counter = int.from_bytes(header[24:28], "big")
    wal = f"{path}-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        return None
    if pages and valid_for == change_counter and size < pages * page_size:
        return f"truncated SQLite database ({size:,} of {pages * page_size:,} bytes)"
    return None


# -- versions and migrations ---------------------------------------------------------------


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def recorded_version(conn: sqlite3.Connection) -> int | None:
    """Return the schema version a database records: None for an empty database, 0 before versioning.

    Raises SchemaError for an SQLite database that is not a corpus, or whose
    recorded version cannot be read.
    """
    tables = _tables(conn)
    if not tables - {"sqlite_sequence"}:
        return None
    row = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        if CORPUS_TABLES <= tables:
            return 0
        raise SchemaError("an SQLite database, but not a quoteproof corpus")
    value = str(row[0]).strip()
    if not value.isdigit():
        raise SchemaError(f"not a quoteproof corpus (unreadable schema version {value[:20]!r})")
    return int(value)


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    """Version 0 -> 1: add the `terms` table (document frequencies) and, if missing, the word index."""
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    tables = _tables(conn)
    rebuild_fts = "quotes_fts" not in tables
    if rebuild_fts:
        conn.execute(FTS_TABLE)
    conn.execute(TERMS_TABLE)
    conn.execute("DELETE FROM terms")
    df: Counter[str] = Counter()
    for rowid, text in conn.execute("SELECT rowid, text FROM quotes ORDER BY rowid").fetchall():
        indexed = index_text(text)
        if rebuild_fts:
            conn.execute("INSERT INTO quotes_fts (rowid, words) VALUES (?, ?)", (rowid, indexed))
        df.update(set(indexed.split()))
    conn.executemany("INSERT INTO terms VALUES (?, ?)", sorted(df.items()))


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Version 1 -> 2: index aliases by speaker (reading a speaker's aliases scanned the whole table)."""
    conn.execute("CREATE INDEX IF NOT EXISTS aliases_speaker ON aliases(speaker_id)")


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Version 2 -> 3: quotes gain `cues`, a transcript turn's cue start times (JSON [[offset, seconds], ...])."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(quotes)")}
    if "cues" not in columns:
        conn.execute("ALTER TABLE quotes ADD COLUMN cues TEXT")


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """Version 3 -> 4: every speaker is found by its surname alone ("Warren" for Elizabeth Warren).

    A development build numbered these surname rows 3 before quotes gained `cues`, so a file it made
    gets the column here too."""
    _migrate_2_to_3(conn)
    names: dict[str, list[str]] = {}
    for speaker_id, name in conn.execute("SELECT id, name FROM speakers"):
        names.setdefault(speaker_id, []).append(name)
    for speaker_id, alias in conn.execute("SELECT speaker_id, alias FROM aliases WHERE kind='alias'"):
        names.setdefault(speaker_id, []).append(alias)
    rows = [row for speaker_id, known in names.items() for row in surname_rows(speaker_id, known)]
    conn.executemany("INSERT OR IGNORE INTO aliases VALUES (?, ?, ?, ?)", rows)


# MIGRATIONS[n] upgrades a database from version n to n + 1 inside the caller's transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _migrate_0_to_1, 1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4}


def migrate(path: str, target: int) -> int:
    """Upgrade the corpus at `path` in place to schema version `target`; return the version it had.

    Each step runs in its own `BEGIN IMMEDIATE` transaction and re-reads the
    version inside it, so concurrent openers migrate once and an interrupted
    step leaves the previous version intact. Raises SchemaError when a step is
    missing or the file cannot be written.
    """
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        start = None
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = recorded_version(conn)
                version = target if version is None else version
                start = version if start is None else start
                if version >= target:
                    conn.execute("ROLLBACK")
                    return start
                step = MIGRATIONS.get(version)
                if step is None:
                    raise SchemaError(f"no migration from corpus schema version {version} to {version + 1}")
                step(conn)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version + 1),))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    except sqlite3.OperationalError as exc:
        raise SchemaError(f"schema is older than this quoteproof's and cannot be upgraded here ({exc})") from None
    finally:
        conn.close()


# -- consistency checks --------------------------------------------------------------------


@dataclass
class CheckReport:
    """What `check_corpus` looked at and every problem it found (an empty list means healthy)."""

    path: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when no problem was found."""
        return not self.problems


MAX_LISTED = 10  # problems of one kind listed one by one; the rest are counted


def _listed(problems: list[str], kind: str, items: list[str]) -> None:
    for item in items[:MAX_LISTED]:
        problems.append(f"{kind}: {item}")
    if len(items) > MAX_LISTED:
        problems.append(f"{kind}: ... and {len(items) - MAX_LISTED:,} more")


def check_corpus(conn: sqlite3.Connection, path: str, lookups: int = 500) -> CheckReport:
    """Return a CheckReport for an open corpus connection (read-only is enough).

    `lookups` bounds how many quotes are looked up in the word index by their
    own words (all of them when the corpus is smaller; 0 skips the lookups).
    """
    from .sqlite import quote_id

    report = CheckReport(path)
    problems = report.problems
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(100)")]
    if rows != ["ok"]:
        _listed(problems, "sqlite integrity_check", rows)
        return report  # the rest would read a damaged file
    missing = sorted({"meta", "terms", "quotes_fts", *CORPUS_TABLES} - _tables(conn))
    if missing:
        problems.append(f"schema: missing table(s) {', '.join(missing)}")
        return report
    for table in ("quotes", "speakers", "sources", "aliases", "terms"):
        report.counts[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    try:
        conn.execute("INSERT INTO quotes_fts(quotes_fts) VALUES('integrity-check')")
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            problems.append(f"fts5 integrity-check: {exc}")
    except sqlite3.DatabaseError as exc:
        problems.append(f"fts5 integrity-check: {exc}")

    indexed = {r[0] for r in conn.execute("SELECT id FROM quotes_fts_docsize")}
    stored = {r[0] for r in conn.execute("SELECT rowid FROM quotes")}
    report.counts["indexed"] = len(indexed)
    _listed(problems, "word index lacks quote row", [str(r) for r in sorted(stored - indexed)])
    _listed(problems, "word index holds a row no quote has", [str(r) for r in sorted(indexed - stored)])

    speakers = {r[0] for r in conn.execute("SELECT id FROM speakers")}
    sources = {r[0] for r in conn.execute("SELECT id FROM sources")}
    no_speaker, no_source, bad_relay, bad_id, empty = [], [], [], [], []
    df: Counter[str] = Counter()
    sample: list[tuple[int, str]] = []
    every = max(1, len(stored) // lookups) if lookups else 0
    for n, (rowid, qid, text, speaker_id, source_id, relayed_by) in enumerate(conn.execute(
            "SELECT rowid, id, text, speaker_id, source_id, relayed_by FROM quotes ORDER BY rowid")):
        label = f"quote {qid} (row {rowid})"
        if speaker_id not in speakers:
            no_speaker.append(f"{label} names speaker {speaker_id!r}")
        if source_id not in sources:
            no_source.append(f"{label} names source {source_id!r}")
        if relayed_by and relayed_by not in speakers:
            bad_relay.append(f"{label} is relayed by unknown speaker {relayed_by!r}")
        if not (text or "").strip():
            empty.append(label)
        elif qid != quote_id(text, speaker_id, source_id):
            bad_id.append(f"{label}: id is not the hash of its text, speaker and source")
        words = index_text(text or "")
        df.update(set(words.split()))
        if every and n % every == 0 and len(sample) < lookups and words:
            sample.append((rowid, words))
    _listed(problems, "quote without a known speaker", no_speaker)
    _listed(problems, "quote without a known source", no_source)
    _listed(problems, "quote relayed by an unknown speaker", bad_relay)
    _listed(problems, "empty quote", empty)
    _listed(problems, "unstable quote id", bad_id)

    nameless = [r[0] for r in conn.execute("SELECT id FROM speakers WHERE trim(name) = ''")]
    _listed(problems, "speaker without a name", nameless)
    orphans = [f"{a!r} -> {s!r}" for a, s in conn.execute(
        "SELECT alias, speaker_id FROM aliases WHERE speaker_id NOT IN (SELECT id FROM speakers)")]
    _listed(problems, "alias of an unknown speaker", orphans)

    terms = dict(conn.execute("SELECT term, df FROM terms"))
    wrong = [f"{t!r}: stored {terms.get(t, 0)}, counted {df.get(t, 0)}"
             for t in sorted(set(terms) | set(df)) if terms.get(t, 0) != df.get(t, 0)]
    _listed(problems, "terms df differs from a recount", wrong)

    unfound = []
    for rowid, words in sample:
        keys = list(dict.fromkeys(words.split()))
        keys.sort(key=lambda k: (df.get(k, 0), k))
        query = " AND ".join(fts_phrase(k) for k in keys[:3])
        try:
            hit = conn.execute("SELECT 1 FROM quotes_fts WHERE quotes_fts MATCH ? AND rowid = ?",
                               (query, rowid)).fetchone()
        except sqlite3.DatabaseError as exc:
            unfound.append(f"looking up row {rowid} failed ({exc})")
            break
        if hit is None:
            unfound.append(f"row {rowid} is not found by its own words ({query})")
    _listed(problems, "word index", unfound)
    return report
