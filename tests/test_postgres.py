"""The PostgreSQL store on a real server: the same findings as SQLite, its schema, and its import (COPY in
batches, idempotent, two importers at once, a killed import). Skipped without QUOTEPROOF_TEST_POSTGRES."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from verifier.normalize import index_text
from verifier.store import SCHEMA_VERSION, open_corpus
from verifier.store.postgres import pair_buckets, phrase_query, run_buckets, safe_location, tsvector_literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scale import Generator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real CLI; return the finished process."""
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "verifier", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


def count_quotes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]


def children(pid: int) -> list[int]:
    """Return the ids of a process's child processes."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def generated_lines(path: Path, count: int, seed: int, start: int = 0) -> Path:
    """Write `count` generated Quotebank lines (distinct quotes) to `path`, skipping the first `start`."""
    lines = [line for line, _, _ in Generator(seed).corpus_lines(start + count)][start:]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the same findings as SQLite --------------------------------------------------------------------
def test_the_shipped_corpus_exported_and_imported_gives_byte_identical_findings(tmp_path, postgres_url):
    exported = tmp_path / "shipped.jsonl"
    assert run("corpus", "export", "-o", str(exported)).returncode == 0
    imported = run("corpus", "import", str(exported), "--corpus", postgres_url)
    assert imported.returncode == 0, imported.stderr
    on_sqlite = run("check", "examples/drafts", "--no-config", "--format", "json")
    on_postgres = run("check", "examples/drafts", "--no-config", "--format", "json", "--corpus", postgres_url)
    assert on_sqlite.returncode == on_postgres.returncode == 1
    assert json.loads(on_sqlite.stdout)["summary"]["quotes"] >= 19
    assert on_postgres.stdout == on_sqlite.stdout
    assert run("corpus", "check", "--corpus", postgres_url).returncode == 0
    assert run("corpus", "export", "--corpus", postgres_url).stdout == exported.read_text(encoding="utf-8")


def test_the_corpus_is_also_taken_from_quoteproof_corpus(postgres_url, seed_postgres):
    proc = run("corpus", "stats", env={"QUOTEPROOF_CORPUS": seed_postgres})
    assert proc.returncode == 0, proc.stderr
    assert f"corpus:   {seed_postgres}" in proc.stdout and "quotes:   15" in proc.stdout


def test_a_malformed_line_is_reported_and_skipped_as_sqlite_does(tmp_path, postgres_url):
    good = {"quotation": "the budget will pass this week", "speaker": "Ann Example", "qids": [],
            "date": "2020-01-01 00:00:00", "urls": ["https://example.org/a"]}
    lines = [json.dumps(good), "{not json", json.dumps({**good, "quotation": ""}), json.dumps({**good, "date": 5}),
             json.dumps({**good, "quotation": "and the roads will be mended", "urls": ["https://example.org/b"]})]
    data = tmp_path / "mixed.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    on_sqlite = run("corpus", "import", str(data), "--corpus", str(tmp_path / "c.db"))
    on_postgres = run("corpus", "import", str(data), "--corpus", postgres_url)
    assert on_sqlite.returncode == on_postgres.returncode
    assert on_postgres.stderr == on_sqlite.stderr and "mixed.jsonl:2: not valid JSON" in on_sqlite.stderr

    def summary(proc):
        return re.sub(r"; [\d.]+ s, [\d,]+ quotes/s", "", proc.stdout)

    assert summary(on_postgres) == summary(on_sqlite)
    strict = run("corpus", "import", str(data), "--corpus", postgres_url, "--strict")
    assert strict.returncode == 2 and len(strict.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("damage, problem", [
    ("DELETE FROM postings WHERE token = 'back'", "postings differ from a recount: 'back'"),
    ("UPDATE terms SET df = df + 1 WHERE term = 'back'", "terms df differs from a recount: 'back'"),
    ("UPDATE quotes SET words = 'elsewhere'::tsvector WHERE rowid = 1",
     "word index differs from the quote's words: row 1"),
    ("UPDATE quotes SET pairs = '{}' WHERE rowid = 1", "word index differs from the quote's words: row 1"),
    ("UPDATE quotes SET text = text || '!' WHERE rowid = 2", "unstable quote id"),
])
def test_corpus_check_finds_what_was_damaged(tmp_path, postgres_url, damage, problem):
    exported = tmp_path / "shipped.jsonl"
    assert run("corpus", "export", "-o", str(exported)).returncode == 0
    assert run("corpus", "import", str(exported), "--corpus", postgres_url).returncode == 0
    assert run("corpus", "check", "--corpus", postgres_url).returncode == 0
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(damage)
    proc = run("corpus", "check", "--corpus", postgres_url)
    assert proc.returncode == 1 and problem in proc.stdout


# -- schema ---------------------------------------------------------------------------------------
def test_a_new_corpus_records_the_schema_version_and_an_empty_database_is_not_a_corpus(postgres_url):
    refused = run("check", "--no-config", "--corpus", postgres_url, "--text", '"hello there," Reid said.')
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"quoteproof: {postgres_url}: not a quoteproof corpus (no schema)"
    with open_corpus(postgres_url, create=True) as db:
        assert db.meta("schema_version") == str(SCHEMA_VERSION)
    with open_corpus(postgres_url, create=True) as db:  # opening again changes nothing
        assert db.stats()["quotes"] == 0


def test_a_corpus_without_word_pairs_is_refused_with_one_line(postgres_url):
    open_corpus(postgres_url, create=True).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP INDEX quotes_pairs")
    proc = run("corpus", "stats", "--corpus", postgres_url)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "without word pairs" in proc.stderr


def test_a_newer_schema_is_refused_with_one_line(postgres_url):
    open_corpus(postgres_url, create=True).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    proc = run("corpus", "stats", "--corpus", postgres_url)
    assert proc.returncode == 2 and "newer than this quoteproof understands" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("url, shown", [
    ("postgresql://ann:secret@db.example:5432/news", "postgresql://ann@db.example:5432/news"),
    ("postgresql://ann@db.example/news", "postgresql://ann@db.example/news"),
    ("postgres://db.example/news", "postgres://db.example/news"),
])
def test_messages_name_the_database_without_its_password(url, shown):
    assert safe_location(url) == shown


def test_a_server_that_does_not_answer_is_one_line_and_exit_2(postgres_server):
    url = re.sub(r":\d+/", ":1/", postgres_server)
    proc = run("check", "--no-config", "--corpus", url, "--text", '"hello there," Reid said.')
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "cannot use the PostgreSQL corpus" in proc.stderr


# -- words and phrases --------------------------------------------------------------------------------
@pytest.mark.parametrize("indexed, vector", [
    ("we are not going", "'are':2 'going':4 'not':3 'we':1"),
    ("o'brien said o'brien", "'brien':2,5 'o':1,4 'said':3"),
    ("back off back", "'back':1,3 'off':2"),
])
def test_the_words_vector_holds_the_index_words_with_positions(postgres_url, indexed, vector):
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT %s::tsvector::text", (tsvector_literal(indexed),)).fetchone()[0] == vector


@pytest.mark.parametrize("run_, words, holds", [
    (["o'brien"], "o'brien said", True),  # split at the apostrophe, as FTS5 splits it
    (["back", "off"], "they should back off now", True),
    (["back", "off"], "they should back down and off", False),  # both words, not as a phrase
    (["off", "back"], "back off", False),
])
def test_a_phrase_is_checked_on_the_positions(postgres_url, run_, words, holds):
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute("SELECT %s::tsvector @@ %s::tsquery",
                             (tsvector_literal(words), phrase_query(run_))).fetchone()[0]
    assert found is holds


@pytest.mark.parametrize("runs, indexed", [
    ([["back", "off"]], "they should back off now"),
    ([["o'brien", "said"]], "then o'brien said no"),  # the pairs of its tokens: o brien, brien said
    ([["should", "back"], ["now"]], "they should back off now"),
    ([["back", "off", "now"], ["they"]], "they should back off now"),
])
def test_a_phrase_s_word_pairs_are_among_those_of_every_quote_holding_it(runs, indexed):
    assert run_buckets(runs) and set(run_buckets(runs)) <= set(pair_buckets(indexed))


def test_the_word_pairs_are_a_few_small_numbers_in_order():
    buckets = pair_buckets("the cat sat on the mat the cat")
    assert buckets == sorted(set(buckets)) and len(buckets) == 6  # "the cat" twice, one bucket
    assert all(-32768 <= b < 32768 for b in buckets)


# -- import -----------------------------------------------------------------------------------------
def test_two_importers_at_once_lose_nothing_and_duplicate_nothing(tmp_path, postgres_url):
    first = generated_lines(tmp_path / "a.jsonl", 3000, seed=5)
    overlapping = generated_lines(tmp_path / "b.jsonl", 3000, seed=5, start=1500)  # half shared
    procs = [spawn("corpus", "import", str(path), "--corpus", postgres_url, "--batch-size", "250")
             for path in (first, overlapping)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for path in (first, overlapping):  # the same files one after the other, into SQLite
        assert run("corpus", "import", str(path), "--corpus", str(tmp_path / "c.db")).returncode == 0
    with open_corpus(postgres_url) as db:
        ids = [row[0] for row in db.export_quote_rows()]
    with open_corpus(tmp_path / "c.db") as db:
        expected = {row[0] for row in db.export_quote_rows()}
    assert len(ids) == len(set(ids)) and set(ids) == expected
    check = run("corpus", "check", "--corpus", postgres_url)
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_import_prepared_in_worker_processes_stores_what_sqlite_stores(tmp_path, postgres_url, monkeypatch):
    from verifier.transfer import import_files

    monkeypatch.setattr("verifier.transfer.PARALLEL_MIN_BYTES", 0)  # parsed and prepared in worker processes
    part = generated_lines(tmp_path / "part.jsonl", 400, seed=6, start=300)
    whole = generated_lines(tmp_path / "whole.jsonl", 1200, seed=6)
    with whole.open("a", encoding="utf-8") as out:  # repeats inside the file, some within one batch
        out.write("\n".join(part.read_text(encoding="utf-8").splitlines()[:150]) + "\n")
    for location in (postgres_url, str(tmp_path / "c.db")):
        with open_corpus(location, create=True) as db:
            assert import_files(db, [part], batch_size=250).added == 400
            assert import_files(db, [whole], batch_size=250).added == 800  # batches partly stored already
        with open_corpus(location) as db:
            held = Counter(w for row in db.export_quote_rows() for w in set(index_text(row[1]).split()))
            assert db.document_frequencies(held) == held
    with psycopg.connect(postgres_url) as conn:
        postings = conn.execute("SELECT token, array_agg(r ORDER BY r) FROM postings, unnest(rowids) r"
                                " GROUP BY token ORDER BY token").fetchall()
        held = conn.execute("SELECT lexeme, array_agg(rowid ORDER BY rowid) FROM quotes, unnest(words)"
                            " GROUP BY lexeme ORDER BY lexeme").fetchall()
    assert postings == held


def test_speakers_looked_up_a_batch_at_a_time_resolve_as_in_sqlite(tmp_path, postgres_url):
    # names that recur with and without QIDs, with different QIDs, a namesake, across batches and files
    from verifier.transfer import import_files

    people = [("Pat Lee", []), ("Pat Lee", ["Q11"]), ("Pat Lee", ["Q12"]), ("Sam Roe", ["Q13"]), ("Sam Roe", []),
              ("Kim Poe", []), ("kim  poe", ["Q14"]), ("Ana Díaz", ["Q15", "Q16"])]
    rows = [json.dumps({"quotation": f"words {i} here", "speaker": people[i * 5 % 8][0], "qids": people[i * 5 % 8][1],
                        "urls": [f"https://example.org/{i // 4}"], "date": "2020-01-01"}) for i in range(120)]
    files = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    files[0].write_text("\n".join(rows[:40]) + "\n")
    files[1].write_text("\n".join(rows[40:]) + "\n")
    stored = []
    for location in (postgres_url, str(tmp_path / "c.db")):
        with open_corpus(location, create=True) as db:
            counts = [(r.added, r.speakers_added) for r in (import_files(db, [f], batch_size=7) for f in files)]
            stored.append((counts, list(db.export_quote_rows()), list(db.export_speakers())))
    with psycopg.connect(postgres_url) as conn, open_corpus(tmp_path / "c.db") as db:
        aliases = [conn.execute("SELECT * FROM aliases ORDER BY key, speaker_id").fetchall(),
                   db.conn.execute("SELECT * FROM aliases ORDER BY key, speaker_id").fetchall()]
    assert stored[0] == stored[1] and len(stored[0][2]) >= 5
    assert aliases[0] == aliases[1]


def test_an_import_merges_the_pending_lists_while_it_writes_and_leaves_them_empty(tmp_path, postgres_url,
                                                                                monkeypatch):
    from verifier.store.sqlite import BackgroundJob
    from verifier.transfer import import_files

    monkeypatch.setattr("verifier.store.postgres.MERGE_EVERY", 500)
    started = []
    start = BackgroundJob.start
    monkeypatch.setattr(BackgroundJob, "start", lambda self: (started.append(1), start(self)))
    data = generated_lines(tmp_path / "q.jsonl", 2100, seed=4)
    with open_corpus(postgres_url, create=True) as db:
        assert import_files(db, [data], batch_size=250).added == 2100
    assert len(started) == 4  # after 500, 1,000, 1,500 and 2,000 quotes committed, not after every batch
    # and the last 100 quotes' entries merged when the import ended
    with psycopg.connect(postgres_url) as conn:
        left = conn.execute("SELECT gin_clean_pending_list('quotes_words'::regclass),"
                            " gin_clean_pending_list('quotes_pairs'::regclass)").fetchone()
    assert left == (0, 0)


def test_a_killed_import_leaves_whole_batches_and_readers_see_whole_batches_only(tmp_path, postgres_url):
    batch = 200
    data = generated_lines(tmp_path / "big.jsonl", 20_000, seed=8)
    open_corpus(postgres_url, create=True).close()
    proc = spawn("corpus", "import", str(data), "--corpus", postgres_url, "--batch-size", str(batch))
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len([n for n in seen if n]) < 3:
        seen.append(count_quotes(postgres_url))
        time.sleep(0.05)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    for pid in workers:  # the parsing workers outlive a killed parent; they hold nothing of the database
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    left = count_quotes(postgres_url)
    assert all(n % batch == 0 for n in [*seen, left]), (seen, left)
    assert 0 < left < 20_000
    check = run("corpus", "check", "--corpus", postgres_url)
    assert check.returncode == 0, check.stdout + check.stderr
    again = run("corpus", "import", str(data), "--corpus", postgres_url, "--batch-size", "5000")
    assert again.returncode == 0, again.stderr
    assert f"({left:,} already stored)" in again.stdout
    assert count_quotes(postgres_url) == 20_000


def test_the_python_api_opens_a_postgresql_corpus_and_finds_the_same(seed_postgres, seed_db):
    import verifier

    draft = '"We\'re of course aware of these concerns," Reid said. "back off," Pelosi said.'
    with verifier.open_corpus(seed_postgres) as on_postgres, verifier.open_corpus(seed_db) as on_sqlite:
        assert on_postgres.path == seed_postgres
        assert verifier.check(draft, corpus=on_postgres).to_json() == verifier.check(draft, corpus=on_sqlite).to_json()
