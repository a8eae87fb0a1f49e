"""Schema versions, migration and `quoteproof corpus check`, on real SQLite files broken on purpose.

Every unusable corpus file (a text file, another SQLite database, a newer
schema, a truncated or overwritten file, a folder, an empty file) must give one
line naming the file and exit 2, through every command that takes `--corpus`,
run as a real process (so the last-resort handler in `main()` is exercised too).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from verifier.cli import cli
from verifier.store import sqlite_integrity as integrity
from verifier.store.sqlite import SCHEMA_VERSION, Corpus, CorpusError

DRAFT = '"We\'re of course aware of these concerns," Earnest said.\n'


def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI in a new process."""
    return subprocess.run([sys.executable, "-m", "verifier", *args], input=input, capture_output=True,
                          text=True, timeout=120)


def one_line_error(proc: subprocess.CompletedProcess, path: Path | str) -> str:
    """Assert exit 2 with exactly one stderr line naming `path`, no traceback; return the line."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert str(path) in lines[0]
    return lines[0]


@pytest.fixture
def copy_of_seed(seed_db, tmp_path) -> Path:
    """Return a private copy of the seed corpus."""
    path = tmp_path / "copy.db"
    shutil.copyfile(seed_db, path)
    return path


def _text_file(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "corpus.db"
    path.write_text("speaker,text\nObama,hello\n")
    return path


def _foreign_sqlite(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    return path


# Fixtures edit copies through closing(...) so the change is checkpointed into the file itself
# (a WAL-mode copy would otherwise keep it in -wal until garbage collection, and "before" snapshots miss it).
def _newer_version(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "newer.db"
    shutil.copyfile(seed_db, path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    return path


def _garbled_version(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "garbled.db"
    shutil.copyfile(seed_db, path)
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE meta SET value = 'one point oh' WHERE key = 'schema_version'")
    return path


def _truncated(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "truncated.db"
    data = seed_db.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _header_only(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "stub.db"
    path.write_bytes(seed_db.read_bytes()[:60])
    return path


def _overwritten(tmp_path: Path, seed_db: Path) -> Path:
    """Every page after the first overwritten with noise (a disk or copy gone wrong)."""
    path = tmp_path / "noise.db"
    data = bytearray(seed_db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    noise = bytes((i * 131 + 7) % 251 for i in range(len(data) - page))
    data[page:] = noise
    path.write_bytes(bytes(data))
    return path


def _folder(tmp_path: Path, seed_db: Path) -> Path:
    path = tmp_path / "folder.db"
    path.mkdir()
    return path


def _missing(tmp_path: Path, seed_db: Path) -> Path:
    return tmp_path / "nowhere.db"


BAD_CORPORA = {
    "text file": (_text_file, "not an SQLite database"),
    "foreign SQLite database": (_foreign_sqlite, "not a quoteproof corpus"),
    "newer schema": (_newer_version, "newer than this quoteproof"),
    "garbled version": (_garbled_version, "unreadable schema version"),
    "truncated to half": (_truncated, "truncated"),
    "truncated inside the header": (_header_only, "truncated"),
    "pages overwritten": (_overwritten, "corpus"),
    "folder": (_folder, "folder"),
    "missing": (_missing, "no such corpus file"),
}


@pytest.mark.parametrize("make, words", BAD_CORPORA.values(), ids=list(BAD_CORPORA))
def test_unusable_corpus_files_give_one_line_naming_the_file(tmp_path, seed_db, make, words):
    path = make(tmp_path, seed_db)
    for args in (["check", "--no-config", "--corpus", str(path), "--text", DRAFT],
                 ["corpus", "stats", "--corpus", str(path)],
                 ["corpus", "check", "--corpus", str(path)]):
        proc = run(*args)
        if args[:2] == ["corpus", "check"] and proc.returncode == 1:
            # the file opened, and the check lists what is damaged: that is the command's job
            assert "integrity" in proc.stdout and "Traceback" not in proc.stderr
            continue
        line = one_line_error(proc, path)
        assert words in line, line


@pytest.mark.parametrize("name", ["text file", "foreign SQLite database", "newer schema", "truncated to half",
                                  "folder"])
def test_writers_refuse_unusable_files_and_leave_them_alone(tmp_path, seed_db, name):
    make, words = BAD_CORPORA[name]
    path = make(tmp_path, seed_db)
    before = path.read_bytes() if path.is_file() else None
    article = tmp_path / "article.txt"
    article.write_text('"We will not back down," Senator Jane Roe said on Monday.\n')
    records = tmp_path / "quotes.jsonl"
    records.write_text(json.dumps({"quotation": "We will not back down", "speaker": "Jane Roe",
                                   "qids": ["Q1"], "urls": ["https://example.org/a"]}) + "\n")
    for args in (["corpus", "ingest", str(article), "--publisher", "P", "--title", "T", "--corpus", str(path)],
                 ["corpus", "import", str(records), "--corpus", str(path)]):
        line = one_line_error(run(*args), path)
        assert words in line, line
    if before is not None:
        assert path.read_bytes() == before


def test_a_quote_table_damaged_after_opening_is_one_line_not_a_traceback(copy_of_seed):
    """The schema reads fine but the quotes' pages are noise: the error surfaces mid-check."""
    with closing(sqlite3.connect(copy_of_seed)) as conn, conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'quotes'").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(copy_of_seed.read_bytes())
    data[(root - 1) * page : root * page] = b"\xa5" * page
    copy_of_seed.write_bytes(bytes(data))
    for args in (["check", "--no-config", "--corpus", str(copy_of_seed), "--text", DRAFT],
                 ["corpus", "list", "--corpus", str(copy_of_seed)]):
        proc = run(*args)
        one_line_error(proc, copy_of_seed)
    proc = run("corpus", "check", "--corpus", str(copy_of_seed))
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr
    assert str(copy_of_seed) in proc.stdout + proc.stderr


def test_corpus_check_passes_on_a_healthy_corpus(seed_db):
    proc = run("corpus", "check", "--corpus", str(seed_db))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith(")") and ": ok (" in proc.stdout


def test_corpus_check_on_the_default_corpus(runner):
    result = runner.invoke(cli, ["corpus", "check"])
    assert result.exit_code == 0, result.output
    assert ": ok (" in result.output


@pytest.mark.parametrize(
    "damage, finding",
    [
        ("DELETE FROM speakers WHERE id = 'josh-earnest'", "quote without a known speaker"),
        ("DELETE FROM sources WHERE id = 'thehill-deportation-raids'", "quote without a known source"),
        ("UPDATE terms SET df = df + 1 WHERE term = (SELECT MIN(term) FROM terms)", "terms df differs"),
        ("DELETE FROM quotes_fts_docsize WHERE id = 3", "word index lacks quote row"),
        ("INSERT INTO quotes_fts (rowid, words) VALUES (999, 'ghost words')", "word index holds a row"),
        ("UPDATE quotes SET text = text || ' (edited)' WHERE rowid = 2", "unstable quote id"),
        ("DELETE FROM quotes_fts_data WHERE id > 10", "fts5 integrity-check"),
    ],
)
def test_corpus_check_finds_each_kind_of_inconsistency(copy_of_seed, damage, finding):
    with closing(sqlite3.connect(copy_of_seed)) as conn, conn:
        conn.execute(damage)
    proc = run("corpus", "check", "--corpus", str(copy_of_seed))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert finding in proc.stdout
    assert "Traceback" not in proc.stderr


# -- migration ---------------------------------------------------------------------------------


def make_version_0(path: Path) -> None:
    """Turn a corpus file into the version-0 layout: no `terms` table and no recorded version."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DROP TABLE terms")
        conn.execute("DELETE FROM meta WHERE key = 'schema_version'")


def test_a_version_0_corpus_is_migrated_in_place_and_checks_the_same(copy_of_seed, seed_db):
    make_version_0(copy_of_seed)
    with closing(sqlite3.connect(copy_of_seed)) as conn, conn:
        assert integrity.recorded_version(conn) == 0
    before = run("check", "--no-config", "--format", "json", "--corpus", str(seed_db), "--text", DRAFT)
    after = run("check", "--no-config", "--format", "json", "--corpus", str(copy_of_seed), "--text", DRAFT)
    assert after.returncode == before.returncode == 0, after.stderr
    assert json.loads(after.stdout)["files"][0]["quotes"] == json.loads(before.stdout)["files"][0]["quotes"]
    with closing(sqlite3.connect(copy_of_seed)) as conn, conn:
        assert integrity.recorded_version(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM terms").fetchone()[0] > 0
    assert run("corpus", "check", "--corpus", str(copy_of_seed)).returncode == 0


def test_a_failed_migration_step_leaves_the_old_version_intact(copy_of_seed, monkeypatch):
    make_version_0(copy_of_seed)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute(integrity.TERMS_TABLE)
        conn.execute("INSERT INTO terms VALUES ('half', 1)")
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setitem(integrity.MIGRATIONS, 0, half_done)
    with pytest.raises(CorpusError, match="cannot be upgraded"):
        Corpus.open(copy_of_seed, readonly=True)
    with closing(sqlite3.connect(copy_of_seed)) as conn, conn:
        assert integrity.recorded_version(conn) == 0
        assert "terms" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    monkeypatch.undo()
    with Corpus.open(copy_of_seed, readonly=True) as db:
        assert db.meta("schema_version") == str(SCHEMA_VERSION)


def test_a_missing_migration_step_is_one_line(copy_of_seed, monkeypatch):
    make_version_0(copy_of_seed)
    monkeypatch.delitem(integrity.MIGRATIONS, 0)
    with pytest.raises(CorpusError, match=r"copy\.db: no migration from corpus schema version 0"):
        Corpus.open(copy_of_seed)


def test_a_version_1_corpus_gets_the_alias_index_and_reads_aliases_through_it(copy_of_seed):
    with closing(sqlite3.connect(copy_of_seed)) as conn, conn:
        conn.execute("DROP INDEX aliases_speaker")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Corpus.open(copy_of_seed, readonly=True) as db:
        assert db.meta("schema_version") == str(SCHEMA_VERSION)
        plan = db.conn.execute("EXPLAIN QUERY PLAN SELECT alias FROM aliases WHERE speaker_id=? AND kind='alias'",
                               ("x",)).fetchall()
        assert "INDEX aliases_speaker" in " ".join(str(row[-1]) for row in plan)
        assert "the spokesman" in db.speaker("josh-earnest").aliases


def test_concurrent_openers_migrate_once(copy_of_seed):
    make_version_0(copy_of_seed)
    procs = [subprocess.Popen([sys.executable, "-m", "verifier", "corpus", "stats", "--corpus", str(copy_of_seed)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outs
    assert run("corpus", "check", "--corpus", str(copy_of_seed)).returncode == 0


def test_header_problem_ignores_files_that_do_not_exist_yet(tmp_path):
    assert integrity.header_problem(str(tmp_path / "new.db")) is None
    assert integrity.header_problem(":memory:") is None


def test_empty_file_is_not_a_corpus_for_readers_but_becomes_one_for_writers(tmp_path, runner):
    path = tmp_path / "empty.db"
    path.touch()
    one_line_error(run("corpus", "stats", "--corpus", str(path)), path)
    article = tmp_path / "a.txt"
    article.write_text('"We will not back down," Senator Jane Roe said.\n')
    result = runner.invoke(cli, ["corpus", "ingest", str(article), "--publisher", "P", "--title", "T",
                                 "--corpus", str(path)])
    assert result.exit_code == 0, result.output
    assert run("corpus", "check", "--corpus", str(path)).returncode == 0
    assert os.path.getsize(path) > 0
