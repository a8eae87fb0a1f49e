"""Corpus durability, tested the way SQLite is: by killing writers and racing processes on purpose.

* `corpus ingest` writes one article in one transaction; `corpus import` writes
  in documented batches (`--batch-size`, one transaction each). A writer
  killed with SIGKILL at a random moment leaves a corpus that opens, passes
  `corpus check`, and holds whole batches only; running the same command
  again completes it with nothing lost and nothing doubled.
* One writer and four checkers at once (separate processes) on one WAL
  database: no "database is locked", no lost rows.

Kill moments are random; the seed is in every assertion message.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

QUOTES = 40_000
BATCH = 1_000


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "verifier", *args]


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=timeout)


def quote_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]


def assert_healthy(db: Path, note: str) -> None:
    """`corpus stats` and `corpus check` both pass on the file."""
    stats = run("corpus", "stats", "--corpus", str(db))
    assert stats.returncode == 0, f"{note}: {stats.stderr}"
    check = run("corpus", "check", "--corpus", str(db))
    assert check.returncode == 0, f"{note}: {check.stdout}{check.stderr}"


def write_records(path: Path, count: int, prefix: str = "Statement") -> None:
    """Write `count` distinct quotes by one speaker from one source, in our JSONL format."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"type": "speaker", "id": "ann-example", "name": "Ann Example"}) + "\n")
        out.write(json.dumps({"type": "source", "id": "src", "publisher": "P", "title": "T"}) + "\n")
        for i in range(count):
            out.write(json.dumps({"type": "quote", "text": f"{prefix} {i} on topic {i % 97} and item {i * 7 % 1013}.",
                                  "speaker": "ann-example", "source": "src"}) + "\n")


def timed_run(args: list[str], db: Path) -> float:
    """Run the command to completion once (then delete `db`); return how long it took in seconds."""
    started = time.perf_counter()
    proc = subprocess.run(command(*args), capture_output=True, text=True, timeout=600)
    duration = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return duration


def kill_at(args: list[str], delay: float) -> int:
    """Start the CLI, SIGKILL it after `delay` seconds (if still running); return its exit status."""
    proc = subprocess.Popen(command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


@pytest.mark.slow
def test_import_killed_at_random_moments_keeps_whole_batches_and_resumes(tmp_path):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    records = tmp_path / "quotes.jsonl"
    write_records(records, QUOTES)
    db = tmp_path / "corpus.db"
    args = ["corpus", "import", str(records), "--corpus", str(db), "--batch-size", str(BATCH)]
    duration = timed_run(args, db)
    killed = 0
    for attempt in range(6):
        note = f"seed {seed}, attempt {attempt}"
        status = kill_at(args, rng.uniform(0.05, duration))
        killed += status == -signal.SIGKILL
        if not db.exists() or db.stat().st_size == 0:
            continue  # killed before the file had a schema: nothing to check
        assert_healthy(db, note)
        count = quote_count(db)
        assert count % BATCH == 0 or count == QUOTES, f"{note}: {count} quotes is not whole batches"
    final = run(*args)
    assert final.returncode == 0, final.stderr
    assert quote_count(db) == QUOTES, f"seed {seed}"
    assert_healthy(db, f"seed {seed}, after completing")
    again = run(*args)
    assert ", added 0 (" in again.stdout and quote_count(db) == QUOTES
    assert killed, f"seed {seed}: every import finished before its kill; the test proved nothing"


@pytest.mark.slow
def test_ingest_killed_at_random_moments_is_all_or_nothing(tmp_path):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    article = tmp_path / "article.txt"
    paragraphs = [f'"Measure {i} will pass the {i % 50}th vote this week," Senator Jane Roe said.'
                  for i in range(3000)]
    article.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    db = tmp_path / "corpus.db"
    args = ["corpus", "ingest", str(article), "--publisher", "P", "--title", "T", "--corpus", str(db)]
    duration = timed_run(args, db)
    expected = len(paragraphs)
    killed = 0
    for attempt in range(6):
        note = f"seed {seed}, attempt {attempt}"
        # the write is the last stretch of the run: aim most kills there
        killed += kill_at(args, duration * rng.uniform(0.6, 1.0) if attempt else 0.05) == -signal.SIGKILL
        if not db.exists() or db.stat().st_size == 0:
            continue
        assert_healthy(db, note)
        assert quote_count(db) in (0, expected), note
    assert run(*args).returncode == 0
    assert quote_count(db) == expected
    assert run(*args).stdout.startswith("added 0 quote(s)")
    assert killed, f"seed {seed}: every ingest finished before its kill; the test proved nothing"


def test_reingesting_and_reimporting_add_nothing(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text('"We will not back down," Senator Jane Roe said.\n\n'
                       '"The vote is on Tuesday," Roe told reporters.\n', encoding="utf-8")
    records = tmp_path / "quotes.jsonl"
    write_records(records, 50)
    db = tmp_path / "c.db"
    ingest = ["corpus", "ingest", str(article), "--publisher", "P", "--title", "T", "--corpus", str(db)]
    imported = ["corpus", "import", str(records), "--corpus", str(db)]
    assert run(*ingest).stdout.startswith("added 2 quote(s)")
    assert ", added 50 (" in run(*imported).stdout
    before = run("corpus", "stats", "--corpus", str(db)).stdout
    assert run(*ingest).stdout.startswith("added 0 quote(s)")
    assert ", added 0 (" in run(*imported).stdout
    after = run("corpus", "stats", "--corpus", str(db)).stdout
    strip = [line for line in before.splitlines() if not line.startswith("size")]
    assert strip == [line for line in after.splitlines() if not line.startswith("size")]
    assert_healthy(db, "after re-running")


CHECKER = """
import json, subprocess, sys, time
db, until = sys.argv[1], float(sys.argv[2])
draft = '"Statement 7 on topic 7 and item 49," Ann Example said. "We will not back down," Roe said.'
runs = failures = 0
while time.time() < until or runs < 3:
    proc = subprocess.run([sys.executable, "-m", "verifier", "check", "--no-config", "--format", "json",
                           "--fail-on", "never", "--corpus", db, "--text", draft],
                          capture_output=True, text=True)
    runs += 1
    if proc.returncode != 0 or "locked" in proc.stderr or "Traceback" in proc.stderr:
        failures += 1
        print(proc.returncode, proc.stderr.strip()[:300], file=sys.stderr)
    else:
        json.loads(proc.stdout)
print(json.dumps({"runs": runs, "failures": failures}))
"""


@pytest.mark.slow
def test_one_writer_and_four_checkers_at_once(tmp_path):
    records = tmp_path / "quotes.jsonl"
    write_records(records, 30_000)
    more = tmp_path / "more.jsonl"
    write_records(more, 5_000, prefix="Remark")
    db = tmp_path / "corpus.db"
    assert run("corpus", "import", str(more), "--corpus", str(db), "--batch-size", "100").returncode == 0
    checker = tmp_path / "checker.py"
    checker.write_text(CHECKER)
    until = time.time() + 4.0
    checkers = [subprocess.Popen([sys.executable, str(checker), str(db), str(until)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    writer = subprocess.Popen(command("corpus", "import", str(records), "--corpus", str(db), "--batch-size", "200"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    written = writer.communicate(timeout=600)
    results = [c.communicate(timeout=600) for c in checkers]
    assert writer.returncode == 0, written[1]
    assert "locked" not in written[1]
    for out, err in results:
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["failures"] == 0, err
        assert summary["runs"] >= 3
    assert quote_count(db) == 35_000
    assert_healthy(db, "after the race")


@pytest.mark.slow
def test_two_writers_at_once_lose_nothing(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_records(first, 10_000, prefix="Alpha")
    write_records(second, 10_000, prefix="Beta")
    db = tmp_path / "corpus.db"
    procs = [subprocess.Popen(command("corpus", "import", str(f), "--corpus", str(db), "--batch-size", "250"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in (first, second)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert quote_count(db) == 20_000
    assert_healthy(db, "after two writers")
