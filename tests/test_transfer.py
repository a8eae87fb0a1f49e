"""Importing and exporting quotes: every format, the round trip, idempotence and bad input."""

from __future__ import annotations

import bz2
import gzip
import json
import random
import time

import pytest

from verifier.cli import cli
from verifier.store.sqlite import Corpus
from verifier.transfer import import_files

QUOTEBANK = [
    {"quoteID": "2015-08-31-000271", "quotation": "We are not going to change the enforcement priorities at all",
     "speaker": "Josh Earnest", "qids": ["Q6289304"], "date": "2015-08-31 00:00:00", "numOccurrences": 2,
     "probas": [["Josh Earnest", "0.9"], ["None", "0.1"]],
     "urls": ["https://www.thehill.com/a/1", "https://example.org/b"], "phase": "E"},
    {"quoteID": "2015-09-01-000001", "quotation": "the mothers and children are desperately trying to escape violence",
     "speaker": "Nancy Pelosi", "qids": ["Q170581"], "date": "2015-09-01 00:00:00", "numOccurrences": 1,
     "probas": [["Nancy Pelosi", "0.8"]], "urls": ["https://www.thehill.com/a/1"], "phase": "E"},
    {"quoteID": "2015-09-02-000002", "quotation": "nobody knows who said this one", "speaker": "None", "qids": [],
     "date": "2015-09-02 00:00:00", "numOccurrences": 1, "probas": [["None", "0.7"]],
     "urls": ["https://example.org/c"], "phase": "E"},
]

CSV = "".join([
    "text,speaker,speaker_qid,speaker_aliases,speaker_role,speaker_affiliations,publisher,title,date,url,context\n",
    '"We are not going to change, ""ever""",Josh Earnest,Q6289304,Earnest|the press secretary,',
    "White House press secretary,the White House,The Hill,Raids,2016-01-04,https://thehill.com/raids,\n",
    "another quote from the spokesman about the policy,Earnest,,,,,The Hill,Raids,2016-01-04,",
    "https://thehill.com/raids,\n",
])


def _write_jsonl(path, rows, opener=open):
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def _counts(db_path):
    with Corpus.open(db_path) as db:
        return db.stats()


def _import(runner, *args):
    return runner.invoke(cli, ["corpus", "import", *map(str, args)])


def test_quotebank_jsonl(runner, tmp_path):
    src = _write_jsonl(tmp_path / "qb.jsonl", QUOTEBANK)
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db)
    assert result.exit_code == 0, result.output
    assert "added 2" in result.output and "1 skipped" in result.output
    with Corpus.open(db) as corpus:
        stats = corpus.stats()
        assert (stats["quotes"], stats["speakers"], stats["sources"]) == (2, 2, 1)  # one URL, one source
        [(speaker, how)] = corpus.speakers_named("Josh Earnest")
        assert speaker.qid == "Q6289304"
        quote = next(corpus.quotes(speaker_id=speaker.id))
        assert quote.source.url == "https://www.thehill.com/a/1" and quote.source.date == "2015-08-31"
        assert quote.source.publisher == "thehill.com"


@pytest.mark.parametrize("suffix,opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open)])
def test_compressed_and_plain_quotebank_import_the_same(runner, tmp_path, suffix, opener):
    src = _write_jsonl(tmp_path / f"qb.jsonl{suffix}", QUOTEBANK, opener)
    db = tmp_path / "c.db"
    assert _import(runner, src, "--corpus", db).exit_code == 0
    assert _counts(db)["quotes"] == 2


@pytest.mark.parametrize("suffix,opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open)])
def test_csv(runner, tmp_path, suffix, opener):
    src = tmp_path / f"q.csv{suffix}"
    with opener(src, "wt", encoding="utf-8", newline="") as handle:
        handle.write(CSV)
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db)
    assert result.exit_code == 0, result.output
    with Corpus.open(db) as corpus:
        assert corpus.stats()["quotes"] == 2
        [(speaker, _)] = corpus.speakers_named("the press secretary")
        assert speaker.name == "Josh Earnest" and speaker.role == "White House press secretary"
        assert speaker.affiliations == ("the White House",)
        texts = {q.text: q for q in corpus.quotes()}
        assert 'We are not going to change, "ever"' in texts
        # the second row names him by an alias: the same speaker, and the same source by URL
        assert {q.speaker.id for q in texts.values()} == {speaker.id}
        assert {q.source.id for q in texts.values()} == {texts['We are not going to change, "ever"'].source.id}


def test_speakers_dedupe_by_qid_across_formats(runner, tmp_path):
    db = tmp_path / "c.db"
    csv_path = tmp_path / "q.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    assert _import(runner, csv_path, "--corpus", db).exit_code == 0
    qb = dict(QUOTEBANK[0], speaker="Joshua Earnest")  # another spelling, the same QID
    assert _import(runner, _write_jsonl(tmp_path / "qb.jsonl", [qb]), "--corpus", db).exit_code == 0
    assert _counts(db)["speakers"] == 1


def test_export_import_round_trip(runner, tmp_path, seed_db):
    out = tmp_path / "all.jsonl"
    result = runner.invoke(cli, ["corpus", "export", "--corpus", str(seed_db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    db = tmp_path / "copy.db"
    assert _import(runner, out, "--corpus", db).exit_code == 0
    again = tmp_path / "again.jsonl"
    assert runner.invoke(cli, ["corpus", "export", "--corpus", str(db), "-o", str(again)]).exit_code == 0
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    with Corpus.open(seed_db) as a, Corpus.open(db) as b:
        assert [(q.id, q.text, q.speaker, q.source, q.context) for q in a.quotes()] == \
               [(q.id, q.text, q.speaker, q.source, q.context) for q in b.quotes()]
        pelosi = b.speaker("nancy-pelosi")
        assert pelosi.aliases and pelosi.role and pelosi.affiliations == a.speaker("nancy-pelosi").affiliations


def test_export_to_stdout_and_gzip(runner, tmp_path, seed_db):
    result = runner.invoke(cli, ["corpus", "export", "--corpus", str(seed_db)])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert {r["type"] for r in lines} == {"speaker", "source", "quote"}
    out = tmp_path / "all.jsonl.gz"
    assert runner.invoke(cli, ["corpus", "export", "--corpus", str(seed_db), "-o", str(out)]).exit_code == 0
    assert gzip.open(out, "rt", encoding="utf-8").read().splitlines() == result.output.splitlines()


def test_reimport_adds_nothing(runner, tmp_path):
    src = _write_jsonl(tmp_path / "qb.jsonl", QUOTEBANK)
    db = tmp_path / "c.db"
    _import(runner, src, "--corpus", db)
    before = _counts(db)
    result = _import(runner, src, "--corpus", db)
    assert "added 0 (2 already stored)" in result.output
    after = _counts(db)
    assert {k: after[k] for k in ("quotes", "speakers", "sources", "terms")} == \
           {k: before[k] for k in ("quotes", "speakers", "sources", "terms")}


def test_malformed_lines_are_reported_with_line_numbers_and_skipped(runner, tmp_path):
    rows = [QUOTEBANK[0], "{not json", "", json.dumps({"quotation": "x y z", "speaker": "A", "date": "yesterday"}),
            "[1, 2]", QUOTEBANK[1]]
    src = _write_jsonl(tmp_path / "qb.jsonl", rows)
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db)
    assert result.exit_code == 0
    assert "qb.jsonl:2: not valid JSON" in result.output
    assert "qb.jsonl:4: date 'yesterday' is not YYYY-MM-DD" in result.output
    assert "qb.jsonl:5: expected a JSON object" in result.output
    assert "Traceback" not in result.output
    assert _counts(db)["quotes"] == 2


@pytest.mark.parametrize(("field", "value"), [  # json.dumps escapes the surrogate: the line is UTF-8
    ("quotation", "We will not " + chr(0xD800) + "back down now."),
    ("speaker", "Jane " + chr(0xD800) + "Roe"),
    ("urls", ["https://example.org/" + chr(0xD800)]),
])
def test_a_lone_surrogate_escape_is_a_malformed_line_not_a_stopped_import(runner, tmp_path, field, value):
    bad = {"quotation": "We will not back down now.", "speaker": "Jane Roe", field: value}
    src = _write_jsonl(tmp_path / "qb.jsonl", [QUOTEBANK[0], json.dumps(bad), QUOTEBANK[1]])
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db)
    assert result.exit_code == 0, result.output
    assert f"qb.jsonl:2: '{field}' holds a lone surrogate escape" in result.output
    assert _counts(db)["quotes"] == 2


def test_a_file_with_no_readable_line_is_one_line_and_exit_2_and_leaves_no_corpus_behind(runner, tmp_path):
    src = _write_jsonl(tmp_path / "qb.jsonl", ["{not json", "[1, 2]"])
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db)
    assert result.exit_code == 2
    assert "no quote could be read: all 2 line(s)" in result.output and "Traceback" not in result.output
    assert not db.exists()


@pytest.mark.parametrize("content", ["", "\n  \n\n"])
def test_an_empty_file_is_one_line_and_exit_2_and_leaves_no_corpus_behind(runner, tmp_path, content):
    src = tmp_path / "qb.jsonl"
    src.write_text(content)
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db)
    assert result.exit_code == 2
    assert "nothing to import" in result.output and "Traceback" not in result.output
    assert not db.exists()


def test_strict_stops_at_the_first_malformed_line_and_writes_nothing(runner, tmp_path):
    src = _write_jsonl(tmp_path / "qb.jsonl", [QUOTEBANK[0], "{not json", QUOTEBANK[1]])
    db = tmp_path / "c.db"
    Corpus.open(db, create=True).close()
    result = _import(runner, src, "--corpus", db, "--strict", "--batch-size", "1")
    assert result.exit_code == 2
    assert "qb.jsonl:2: not valid JSON" in result.output and "Traceback" not in result.output
    assert _counts(db)["quotes"] == 0


def test_truncated_gzip_says_so_in_one_line(runner, tmp_path):
    rows = [dict(QUOTEBANK[0], quotation=f"quote number {i} " + "word " * 30) for i in range(400)]
    whole = _write_jsonl(tmp_path / "qb.jsonl.gz", rows, gzip.open)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    result = _import(runner, cut, "--corpus", tmp_path / "c.db", "--batch-size", "50")
    assert result.exit_code == 2
    [message] = [line for line in result.output.splitlines() if line.startswith("quoteproof:")]
    assert "truncated gzip file" in message
    # the finished batches are kept; the unfinished one is not
    assert _counts(tmp_path / "c.db")["quotes"] % 50 == 0


def test_dry_run_counts_and_changes_nothing(runner, tmp_path):
    src = _write_jsonl(tmp_path / "qb.jsonl", QUOTEBANK + ["{bad"])
    db = tmp_path / "c.db"
    result = _import(runner, src, "--corpus", db, "--dry-run")
    assert result.exit_code == 0
    assert "dry run" in result.output and "would add 2" in result.output and "1 malformed" in result.output
    assert not db.exists()
    Corpus.open(db, create=True).close()
    _import(runner, src, "--corpus", db, "--dry-run")
    assert _counts(db)["quotes"] == 0


@pytest.mark.parametrize("name,content,message", [
    ("missing.jsonl", None, "no such file"),
    ("notes.txt", "hello", "unknown file type"),
    ("bad.csv", "a,b\n1,2\n", "needs a 'text'"),
])
def test_bad_files_exit_2_with_one_line(runner, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = _import(runner, path, "--corpus", tmp_path / "c.db")
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_unknown_speaker_in_our_format_is_a_malformed_line(runner, tmp_path):
    src = _write_jsonl(tmp_path / "q.jsonl", [{"type": "quote", "text": "words", "speaker": "nobody", "source": "x"}])
    result = _import(runner, src, "--corpus", tmp_path / "c.db")
    assert "q.jsonl:1: speaker 'nobody' is neither" in result.output


def test_big_files_are_parsed_in_a_worker_with_the_same_result(tmp_path, monkeypatch):
    rows = [dict(QUOTEBANK[0], quotation=f"Quote {i}: we’re — “here” " + "word " * (i % 7), quoteID=str(i))
            for i in range(3000)] + ["{bad"]
    src = _write_jsonl(tmp_path / "qb.jsonl", rows)
    results = []
    for threshold in (1 << 40, 0):
        monkeypatch.setattr("verifier.transfer.PARALLEL_MIN_BYTES", threshold)
        with Corpus.open(tmp_path / f"{threshold}.db", create=True) as db:
            report = import_files(db, [src], batch_size=500)
            words = db.conn.execute("SELECT group_concat(term || df) FROM terms ORDER BY term").fetchone()
            results.append((report.added, report.malformed, words))
    assert results[0] == results[1] and results[0][0] == 3000


def _contents(db) -> tuple:
    """Everything an import writes that matching reads: quotes with row ids, terms, the FTS5 vocabulary."""
    conn = db.conn
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, quotes_fts, instance)")
    return (conn.execute("SELECT rowid, id, text, speaker_id, source_id FROM quotes ORDER BY rowid").fetchall(),
            conn.execute("SELECT term, df FROM terms ORDER BY term").fetchall(),
            conn.execute("SELECT term, doc, offset FROM temp.vocab ORDER BY term, doc, offset").fetchall(),
            conn.execute("SELECT id, name, qid FROM speakers ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM sources ORDER BY id").fetchall())


def test_batch_and_block_boundaries_change_nothing(tmp_path, monkeypatch):
    rng = random.Random(3)
    words = "we are here don't can't the of 3.5 1,000 José’s — “ok” new old".split()
    rows = [dict(QUOTEBANK[i % 2], quotation=" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))),
                 urls=[f"https://example.org/{i // 3}"], quoteID=str(i)) for i in range(600)]
    rows += rows[:50] + ["{bad", dict(QUOTEBANK[0], quotation="   ")]  # repeats, a bad line, an empty text
    src = _write_jsonl(tmp_path / "qb.jsonl", rows)
    results = []
    for parallel, block, batch in [(False, 1 << 20, 50_000), (True, 1 << 20, 7), (True, 700, 1), (False, 300, 64)]:
        monkeypatch.setattr("verifier.transfer.PARALLEL_MIN_BYTES", 0 if parallel else 1 << 40)
        monkeypatch.setattr("verifier.transfer.BLOCK_BYTES", block)
        with Corpus.open(tmp_path / f"{parallel}-{block}-{batch}.db", create=True) as db:
            report = import_files(db, [src], batch_size=batch)
            assert (report.added, report.malformed) == (len({r["quotation"] + r["speaker"] + r["urls"][0]
                                                            for r in rows[:600]}), 2)
            results.append(_contents(db))
    assert all(result == results[0] for result in results[1:])


def test_a_partly_stored_batch_indexes_only_its_new_quotes(tmp_path):
    rows = [dict(QUOTEBANK[0], quotation=f"quote number {i}", quoteID=str(i)) for i in range(40)]
    first, whole = _write_jsonl(tmp_path / "a.jsonl", rows[10:25]), _write_jsonl(tmp_path / "b.jsonl", rows)
    with Corpus.open(tmp_path / "twice.db", create=True) as db:
        import_files(db, [first])
        assert import_files(db, [whole], batch_size=1000).added == 25
        twice = _contents(db)
    with Corpus.open(tmp_path / "ordered.db", create=True) as db:
        import_files(db, [_write_jsonl(tmp_path / "c.jsonl", rows[10:25] + rows[:10] + rows[25:])])
        assert twice == _contents(db)  # the same row ids, index and document frequencies


def test_the_index_settings_used_for_bulk_writes_are_put_back(tmp_path):
    src = _write_jsonl(tmp_path / "qb.jsonl", QUOTEBANK)
    with Corpus.open(tmp_path / "c.db", create=True) as db:
        import_files(db, [src])
        assert db.conn.execute("SELECT k, v FROM quotes_fts_config").fetchall() == [("version", 4)]
        db.conn.execute("INSERT INTO quotes_fts(quotes_fts) VALUES ('integrity-check')")


def test_speakers_looked_up_at_the_flush_resolve_as_when_read(tmp_path, monkeypatch):
    # Quotebank speakers missing from the caches are looked up when the batch is written, in the order met:
    # the same speakers and credits as looking each one up when its line is read, with names that recur
    # with and without QIDs, with different QIDs, and on quotes refused as empty
    rng = random.Random(5)
    people = [("Pat Lee", []), ("Pat Lee", ["Q11"]), ("Pat Lee", ["Q12"]), ("Sam Roe", ["Q13"]), ("Sam Roe", []),
              ("Kim Poe", []), ("kim  poe", ["Q14"]), ("Ana Díaz", ["Q15", "Q16"])]
    rows = []
    for i in range(120):
        name, qids = rng.choice(people)
        text = "   " if i % 17 == 5 else f"words {i} " + rng.choice(["here", "there", "now"])
        rows.append(dict(QUOTEBANK[0], quotation=text, speaker=name, qids=qids, quoteID=str(i),
                         urls=[f"https://example.org/{i // 4}"]))
    first, second = _write_jsonl(tmp_path / "a.jsonl", rows[:40]), _write_jsonl(tmp_path / "b.jsonl", rows[40:])
    for batch in (1, 7, 1000):
        results = []
        for defer in (False, True):
            monkeypatch.setattr("verifier.transfer.DEFER_SPEAKER_LOOKUPS", defer)
            with Corpus.open(tmp_path / f"{batch}-{defer}.db", create=True) as db:
                reports = [import_files(db, [path], batch_size=batch) for path in (first, second)]
                aliases = db.conn.execute("SELECT * FROM aliases ORDER BY key, speaker_id").fetchall()
                counts = [(r.added, r.malformed, r.speakers_added) for r in reports]
                results.append((counts, _contents(db), aliases))
        assert results[0] == results[1]
        assert results[0][0][0][1] > 0 and len(results[0][1][3]) >= 5  # refused quotes; several speakers


def test_sources_written_by_the_writer_thread_are_known_while_it_writes(tmp_path, monkeypatch):
    # a batch's new sources are stored by the writer thread while the next batch is read, so the caches
    # must know them until then, even when they are trimmed on every flush
    rows = []
    for i in range(60):
        rows.append({"type": "source", "id": f"src-{i % 4}", "publisher": "P", "title": f"T{i % 4}",
                     "url": f"https://example.org/s{i % 4}"})
        rows.append({"text": f"loose quote {i}", "speaker_name": "Pat Lee", "publisher": "Q",
                     "title": "same story", "url": f"https://example.org/l{i % 5}"})
        rows.append(dict(QUOTEBANK[0], quotation=f"quotebank quote {i}", urls=[f"https://example.org/l{i % 3}"]))
    src = _write_jsonl(tmp_path / "mixed.jsonl", rows)
    put_sources = Corpus.put_sources

    def slow_put_sources(self, sources):  # the reading thread gets well ahead of the writer
        time.sleep(0.01)
        put_sources(self, sources)

    monkeypatch.setattr(Corpus, "put_sources", slow_put_sources)
    results = []
    for limit, batch in [(200_000, 1000), (0, 1), (0, 2), (1, 5)]:
        monkeypatch.setattr("verifier.transfer._CACHE_LIMIT", limit)
        with Corpus.open(tmp_path / f"{limit}-{batch}.db", create=True) as db:
            report = import_files(db, [src], batch_size=batch)
            results.append(((report.added, report.malformed, report.sources_added), _contents(db)))
    assert results[0][0] == (120, 0, 9)  # four source records, five loose URLs (three of them Quotebank's)
    assert all(result == results[0] for result in results[1:])


@pytest.mark.parametrize(("url", "publisher"), [
    ("https://www.thehill.com/a/1", "thehill.com"),
    ("http://example.org", "example.org"),
    ("https://news.example.co.uk?id=3", "news.example.co.uk"),
    ("https://WWW.Example.COM/x", "example.com"),
    ("https://user:pw@example.org:8080/x", "example.org"),
    ("https://[2001:db8::1]/x", "2001:db8::1"),
    ("  https://example.org/x", "example.org"),
    ("https://exa\tmple.org/x", "example.org"),
    ("ftp://files.example.org/x", "files.example.org"),
    ("https://example.org\n/x", "example.org"),
    ("not a url", "unknown"),
])
def test_a_source_made_from_a_url_is_published_by_its_host(url, publisher):
    from verifier.transfer import _source_from

    source = _source_from(url, None, None, None)
    assert (source.publisher, source.url, source.title) == (publisher, url, url)


@pytest.mark.parametrize("date", ["2026-02-30", "2016-13-45", "2016-00-10"])
def test_an_impossible_date_is_a_malformed_line_named_with_its_number(runner, tmp_path, date):
    src = tmp_path / "dates.csv"
    src.write_text(f"text,speaker,publisher,title,date\nWe will keep the harbour open all winter,Ann Lee,G,T,{date}\n",
                   encoding="utf-8")
    result = _import(runner, src, "--strict", "--corpus", tmp_path / "c.db")
    assert result.exit_code == 2
    assert f"dates.csv:2: date '{date}' is no such day" in result.output
