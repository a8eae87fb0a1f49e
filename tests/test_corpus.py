"""The shipped corpus: verbatim records, the right speakers, and the default database built from them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from verifier.records import default_corpus_path, load_records, records_dir
from verifier.store.sqlite import Corpus, CorpusError

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def test_every_record_names_a_known_speaker_and_source():
    speakers, sources, quotes = load_records(records_dir())
    assert {s.name for s in speakers} == {"Josh Earnest", "Nancy Pelosi", "Harry Reid", "Jeh Johnson",
                                          "Barack Obama", "Anonymous immigration advocate"}
    assert len(sources) == 2 and len(quotes) == 15


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed articles (../shared/seeds) are not beside this checkout")
def test_every_quote_is_verbatim_in_its_seed_article():
    seeds = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    text = "\n".join(seeds.values())
    _, _, quotes = load_records(records_dir())
    for quote in quotes:
        assert quote.text in text, quote.text
        assert quote.context and quote.text in quote.context


@pytest.mark.parametrize(
    "words, speaker, relayed_by",
    [
        ("implementation of \u00a0the polices", "barack-obama", "anonymous-advocate"),  # typo and spacing kept
        ("I don't want any problems [with comprehensive reform]", "barack-obama", "anonymous-advocate"),
        ("He made a compelling case", "anonymous-advocate", None),
        ("consistent with the need to follow due process", "josh-earnest", None),
        ("political refugees", "harry-reid", None),
        ("exercised prosecutorial discretion", "jeh-johnson", None),
        ("must ensure that no person is wrongfully deported", "nancy-pelosi", None),
    ],
)
def test_quotes_have_the_right_speaker(words, speaker, relayed_by):
    _, _, quotes = load_records(records_dir())
    [quote] = [q for q in quotes if words in q.text and (q.speaker_id == speaker)][:1]
    assert quote.relayed_by == relayed_by


@pytest.mark.parametrize("junk", ["ReidHarry Mason", "Getty Images", "Brendan Smialowski", "newsletters",
                                  "Deportation raids won't stop"])
def test_captions_page_furniture_and_scraping_junk_are_not_quotes(junk):
    _, _, quotes = load_records(records_dir())
    assert not any(junk in q.text for q in quotes)


def test_default_corpus_is_built_on_first_use_and_rebuilt_when_records_change(tmp_path, monkeypatch):
    records = tmp_path / "records"
    shutil.copytree(records_dir(), records)
    monkeypatch.setattr("verifier.records.records_dir", lambda: records)
    monkeypatch.setenv("QUOTEPROOF_CACHE_DIR", str(tmp_path / "cache"))
    first = default_corpus_path()
    assert first.exists() and default_corpus_path() == first
    with (records / "quotes.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "A brand new sentence for the test.", "speaker": "harry-reid",
                                 "source": "thehill-deportation-raids"}) + "\n")
    second = default_corpus_path()
    assert second != first
    with Corpus.open(second, readonly=True) as corpus:
        assert corpus.stats()["quotes"] == 16


def test_default_corpus_is_rebuilt_when_the_tokeniser_reads_words_differently(tmp_path, monkeypatch):
    monkeypatch.setenv("QUOTEPROOF_CACHE_DIR", str(tmp_path / "cache"))
    first = default_corpus_path()
    monkeypatch.setattr("verifier.records.index_text", lambda text: text.lower())
    assert default_corpus_path() != first


def test_broken_records_name_the_file_and_line(tmp_path):
    records = tmp_path / "records"
    shutil.copytree(records_dir(), records)
    with (records / "quotes.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with pytest.raises(CorpusError, match=r"quotes.jsonl:16: not valid JSON"):
        load_records(records)


def test_aliases_and_affiliations_resolve_to_speakers(corpus):
    assert [s.name for s, how in corpus.speakers_named("the spokesman")] == ["Josh Earnest"]
    assert ("Jeh Johnson", "affiliation") in [(s.name, how) for s, how in corpus.speakers_named("DHS")]
    assert corpus.speakers_named("Nobody In Particular") == []


def test_adding_the_same_quote_twice_stores_it_once(tmp_path):
    from verifier.models import Source, Speaker
    from verifier.store.sqlite import QuoteRecord

    with Corpus.open(tmp_path / "c.db", create=True) as corpus:
        record = QuoteRecord("Words said once.", "s", "src")
        args = ([Speaker("s", "Some One")], [Source("src", "P", "T")], [record])
        assert corpus.add(*args) == 1
        assert corpus.add(*args) == 0
        assert corpus.stats()["quotes"] == 1


def _record(text: str):
    from verifier.models import Source, Speaker
    from verifier.store.sqlite import QuoteRecord

    return [Speaker("s", "Some One")], [Source("src", "P", "T")], [QuoteRecord(text, "s", "src")]


def test_a_reader_sees_quotes_another_connection_adds_after_it_cached_reads(tmp_path):
    from verifier.check import check_document
    from verifier.read import document_from_text

    path = tmp_path / "c.db"
    with Corpus.open(path, create=True) as writer:
        writer.add(*_record("Nobody said anything about the harbour bridge today."))
    reader = Corpus.open(path, readonly=True)
    draft = document_from_text('"Somebody said anything about the harbour bridge today," Some One said.')
    assert check_document(draft, reader).findings[0].verdict == "drift"
    with Corpus.open(path) as writer:
        writer.add(*_record("Somebody said anything about the harbour bridge today."))
    assert check_document(draft, reader).findings[0].verdict == "verified"
    assert reader.document_frequencies(["bridge"]) == {"bridge": 2}
    reader.close()


def test_a_corpus_sees_its_own_writes_after_caching_reads(tmp_path):
    with Corpus.open(tmp_path / "c.db", create=True) as corpus:
        corpus.add(*_record("Only the harbour bridge matters."))
        assert corpus.document_frequencies(["harbour", "ferry"]) == {"harbour": 1}
        assert corpus.quote_count() == 1
        corpus.add(*_record("The ferry and the harbour both matter."))
        assert corpus.document_frequencies(["harbour", "ferry"]) == {"harbour": 2, "ferry": 1}
        assert corpus.quote_count() == 2


def _in_database_file(path: Path) -> int:
    """Return how many quotes the database file itself holds, not counting its write-ahead log."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    finally:
        conn.close()


def test_background_checkpoints_copy_committed_writes_into_the_database_file(tmp_path):
    path = tmp_path / "c.db"
    with Corpus.open(path, create=True) as corpus:
        with corpus.background_checkpoints() as checkpoint_soon:
            assert corpus.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
            corpus.add(*_record("Only the harbour bridge matters."))
            assert _in_database_file(path) == 0  # only in the log: no automatic checkpoint
            checkpoint_soon()
            corpus.add(*_record("The ferry and the harbour both matter."))
        assert _in_database_file(path) == 2  # leaving waited for the checkpoint, then copied the rest
        assert corpus.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_an_import_leaves_its_batches_in_the_database_file_and_automatic_checkpoints_on(tmp_path, monkeypatch):
    from verifier.store.sqlite import BackgroundJob
    from verifier.transfer import import_files

    data = tmp_path / "quotes.jsonl"
    data.write_text("".join(json.dumps({"quotation": f"Quote number {n} about the harbour bridge.",
                                        "speaker": "Some One", "urls": [f"https://example.com/{n}"]}) + "\n"
                            for n in range(30)))
    started = []
    start = BackgroundJob.start
    monkeypatch.setattr(BackgroundJob, "start", lambda self: (started.append(1), start(self)))
    path = tmp_path / "c.db"
    with Corpus.open(path, create=True) as corpus:
        assert import_files(corpus, [data], batch_size=10).added == 30
        assert len(started) == 3  # one after each batch the writer thread committed
        assert _in_database_file(path) == 30
        assert corpus.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 16384  # as tune_for_import set


def test_a_new_corpus_has_8_kib_pages_and_an_old_one_keeps_its_own(tmp_path):
    import sqlite3

    with Corpus.open(tmp_path / "new.db", create=True) as corpus:
        assert corpus.conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    old = tmp_path / "old.db"
    with Corpus.open(old, create=True) as corpus:
        corpus.add(*_record("Only the harbour bridge matters."))
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA page_size=4096")
    conn.execute("VACUUM")  # as made before pages were 8 KiB
    conn.close()
    with Corpus.open(old) as corpus:
        assert corpus.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        corpus.add(*_record("The ferry and the harbour both matter."))
        assert corpus.quote_count() == 2
