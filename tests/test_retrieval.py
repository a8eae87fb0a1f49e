"""Candidate retrieval on a generated corpus: short, elided, drifted and hostile quotations."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from verifier import match
from verifier.align import draft_tokens
from verifier.check import check_quotation
from verifier.match import best_alignments, candidates, phrase_rowids, phrase_runs
from verifier.models import Attribution, Quotation
from verifier.normalize import index_text
from verifier.store import open_corpus
from verifier.store.sqlite import Corpus
from verifier.transfer import import_files

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from conftest import STORES  # noqa: E402
from scale import Generator  # noqa: E402

QUOTES = 4000


@pytest.fixture(scope="module", params=STORES)
def generated(request, tmp_path_factory):
    """Return (corpus, [(text, speaker)]) for a corpus of QUOTES generated news-like quotes, in each store."""
    folder = tmp_path_factory.mktemp("generated")
    data = folder / "quotebank.jsonl"
    gen = Generator(11)
    rows = []
    with open(data, "w", encoding="utf-8") as out:
        for line, text, speaker in gen.corpus_lines(QUOTES):
            out.write(line + "\n")
            rows.append((text, speaker))
    location = str(folder / "c.db")
    if request.param == "postgres":
        location = request.getfixturevalue("postgres_databases").new()
    with open_corpus(location, create=True) as db:
        import_files(db, [data])
    corpus = open_corpus(location, readonly=True)
    yield corpus, rows
    corpus.close()


def _words(text: str) -> list[str]:
    return text.split()


def _top(corpus: Corpus, text: str) -> str | None:
    found = best_alignments(corpus, draft_tokens(text))
    return found[0].alignment.quote.text if found else None


def _sample(rows, seed, k=40, min_words=0):
    rng = random.Random(seed)
    return [r for r in rng.sample(rows, k * 3) if len(_words(r[0])) >= min_words][:k]


def _found(corpus, draft, original) -> bool:
    """True when the best alignment is the original, or another quote holding the same words verbatim."""
    top = _top(corpus, draft)
    if top == original:
        return True
    best = best_alignments(corpus, draft_tokens(draft))[0]
    return best.exact


def test_short_quotes_of_one_to_four_words_find_an_exact_original(generated):
    corpus, rows = generated
    rng = random.Random(1)
    for text, _ in _sample(rows, 1):
        words = _words(text)
        n = rng.randint(1, 4)
        start = rng.randrange(len(words) - n + 1)
        draft = " ".join(words[start:start + n])
        assert _found(corpus, draft, text), draft


def test_fragments_with_an_ellipsis_find_their_original(generated):
    corpus, rows = generated
    rng = random.Random(2)
    for text, _ in _sample(rows, 2, min_words=14):
        words = _words(text)
        cut = rng.randint(2, 5)
        draft = " ".join(words[:4] + ["..."] + words[4 + cut:14])
        assert _top(corpus, draft) == text, draft


def test_drifted_quotes_whose_rarest_words_changed_still_find_their_original(generated):
    corpus, rows = generated
    rng = random.Random(3)
    for text, _ in _sample(rows, 3, min_words=12):
        words = _words(text)[:16]
        frequencies = corpus.document_frequencies(w.lower().strip(".,;?!—") for w in words)
        # replace the two rarest words with other rare words
        ranked = sorted(range(len(words)), key=lambda i: frequencies.get(words[i].lower().strip(".,;?!—"), 0))
        for i in ranked[:2]:
            words[i] = rng.choice(["zzyzx", "quorbel", "vintrap", "ossifal"])
        draft = " ".join(words)
        assert _top(corpus, draft) == text, draft


def test_misattributed_words_are_found_under_their_real_speaker(generated):
    corpus, rows = generated
    text, speaker = _sample(rows, 4, k=1, min_words=12)[0]
    draft = " ".join(_words(text)[:12])
    finding = check_quotation(Quotation(draft, 0, len(draft)), Attribution("Nobody Atall", "Nobody Atall", "said"),
                              corpus)
    assert finding.original and finding.speaker == speaker


def test_credited_speaker_is_preferred_among_identical_candidates(generated):
    corpus, rows = generated
    text, speaker = _sample(rows, 5, k=1, min_words=12)[0]
    ids = [s.id for s, _ in corpus.speakers_named(speaker)]
    found = candidates(corpus, draft_tokens(" ".join(_words(text)[:3])), ids)
    assert any(q.speaker.id in ids for q in found)


@pytest.mark.parametrize("draft", [
    'OR', 'NEAR', '"', '*', '(', ')', 'AND NOT', 'the OR of', 'NEAR(the of, 2)', '"the" "of', 'the* (of',
    'said: "we are -- NOT here" ^ + - :', "don't won't 'quoted'", "col:umn {brace} [bracket]", "…",
])
def test_fts_syntax_in_a_quotation_never_breaks_the_query(generated, draft):
    corpus, _ = generated
    tokens = draft_tokens(draft)
    runs = phrase_runs(corpus, tokens)
    if runs:
        corpus.rowids_with_phrases(runs, 5)
    best_alignments(corpus, tokens)  # no exception
    check_quotation(Quotation(draft, 0, len(draft)), None, corpus)


def test_operators_inside_a_real_quote_are_just_words(generated):
    corpus, rows = generated
    text, _ = _sample(rows, 6, k=1, min_words=12)[0]
    words = _words(text)[:12]
    draft = " ".join(words[:6] + ["OR", "NEAR(", '"'] + words[6:])
    assert _top(corpus, draft) == text


def test_words_from_nowhere_find_nothing_close(generated):
    corpus, _ = generated
    gen = Generator(11)
    gen.rng = random.Random(99)
    for _ in range(20):
        draft = gen.nowhere("Someone").text
        finding = check_quotation(Quotation(draft, 0, len(draft)), Attribution("Someone", "Someone", "said"), corpus)
        assert finding is None or finding.verdict == "unverified", draft


@pytest.mark.parametrize("window_fetch", [64, 2])
def test_phrase_windows_find_exactly_the_quotes_holding_the_whole_phrases(generated, monkeypatch, window_fetch):
    corpus, rows = generated
    monkeypatch.setattr(match, "RARE_AND_MAX_DF", 0)  # always the phrase look-up, never the rare words
    monkeypatch.setattr(match, "WINDOW_FETCH", window_fetch)  # 2: windows in too many quotes, whole phrases
    checked = 0
    for n, (text, _) in enumerate(_sample(rows, 8, k=300, min_words=12)):
        words = _words(text)
        draft = " ".join(words[:5] if n % 2 else words[:4] + ["…"] + words[6:11])
        tokens = draft_tokens(draft)
        runs = match._segments(tokens)
        frequencies = corpus.document_frequencies(k for run in runs for k in run)
        if min(frequencies.values()) < 8:
            continue  # a rare word pins the quote down; these drafts are of common words only
        expected = corpus.rowids_with_phrases(runs, 20)
        assert phrase_rowids(corpus, tokens, 20) == expected
        assert expected  # the draft's own quote holds both runs
        checked += 1
    assert checked >= 10


def test_an_added_rare_word_does_not_hide_the_original_when_few_words_can_be_voted_on(generated, monkeypatch):
    corpus, rows = generated
    monkeypatch.setattr(match, "POSTINGS_BUDGET", 30)  # as at a million quotes: only the rarest words vote
    df: dict[str, int] = {}
    for text, _ in rows:
        for word in set(index_text(text).split()):
            df[word] = df.get(word, 0) + 1
    added = sorted(w for w, n in df.items() if 3 <= n <= 5)  # rarer than the draft's own words
    drafts = []
    for text, _ in rows:  # ten words in a row, none of them rare
        words = _words(text)
        for start in range(len(words) - 10):
            stretch = words[start:start + 10]
            if all(df.get(k, 0) >= 8 for w in stretch for k in index_text(w).split()):
                drafts.append((text, stretch))
                break
    assert len(drafts) >= 20
    found = 0
    for n, (text, stretch) in enumerate(drafts[:20]):
        draft = " ".join(stretch[:7] + [added[n % len(added)]] + stretch[7:])
        found += _top(corpus, draft) == text
    assert found >= 19


def _vote_summed(corpus, terms: list[str], weights: list[float], limit: int) -> list[tuple[int, float]]:
    """The vote the slow, plain way: every quote holding a term (as the store finds it as a one-word phrase)
    gains its weight; best sums first, ties by row id."""
    sums: dict[int, float] = {}
    for term, weight in zip(terms, weights, strict=True):
        for row in corpus.rowids_with_phrases([[term]], 1 << 30):
            sums[row] = sums.get(row, 0.0) + weight
    return sorted(sums.items(), key=lambda item: (-item[1], item[0]))[:limit]


@pytest.mark.parametrize("small_postings", [64, 0])  # cached postings lists, or read from the index
@pytest.mark.parametrize("keep", [0.0, 0.4])
def test_the_vote_ranks_as_one_sql_query_summing_the_postings_would(generated, monkeypatch, small_postings, keep):
    corpus, rows = generated
    monkeypatch.setattr(corpus, "SMALL_POSTINGS", small_postings)
    rng = random.Random(4)
    checked = 0
    for text, _ in _sample(rows, 10, k=40, min_words=12):
        keys = list(dict.fromkeys(index_text(text).split()))
        frequencies = corpus.document_frequencies(keys)
        terms = [k for k in keys if frequencies.get(k, 0) <= 64][:6]
        weights = [rng.choice([1.0, 2.5, 7.25]) for _ in terms]  # ties on purpose
        expected = _vote_summed(corpus, terms, weights, 20) if terms else []
        expected = [(r, s) for r, s in expected if s >= keep * expected[0][1]]
        assert corpus.vote_rowids(terms, weights, 20, keep=keep) == expected
        checked += bool(expected)
    assert checked >= 30


def test_a_close_quote_by_someone_else_further_down_the_vote_does_not_stop_the_one_word_changed_look_up(
        tmp_path, monkeypatch):
    # As at a million quotes: the vote ranks a quote sharing a few words first, and a quote by someone
    # else holding all the draft's words but one ("ever") comes after the candidates that are aligned.
    data = tmp_path / "q.jsonl"
    quotes = [("the committee met on tuesday to approve the budget", "Bob Other"),
              ("the committee will never approve this budget", "Bob Other"),
              ("the committee will never approve this budget", "Ann Original")]
    data.write_text("".join(json.dumps({"quoteID": f"q{n}", "quotation": text, "speaker": speaker, "qids": [],
                                        "date": "2020-01-01 00:00:00", "urls": [f"https://example.org/{n}"]}) + "\n"
                            for n, (text, speaker) in enumerate(quotes)), encoding="utf-8")
    with Corpus.open(tmp_path / "c.db", create=True) as db:
        import_files(db, [data])
    corpus = Corpus.open(tmp_path / "c.db", readonly=True)
    monkeypatch.setattr(match, "CANDIDATES", 1)
    monkeypatch.setattr(corpus, "vote_rowids", lambda terms, weights, limit, keep: [(1, 9.0), (2, 8.0)])
    draft = "the committee will never ever approve this budget"
    finding = check_quotation(Quotation(draft, 0, len(draft)), Attribution("Ann Original", "Ann Original", "said"),
                              corpus)
    assert (finding.verdict, finding.speaker) == ("drift", "Ann Original")
    assert [(c.kind, c.draft) for c in finding.changes] == [("inserted", "ever")]


def test_runs_found_from_cached_postings_are_what_the_index_query_finds(generated, monkeypatch):
    corpus, rows = generated
    rng = random.Random(8)
    checked = 0
    for text, _ in _sample(rows, 12, k=60, min_words=10):
        keys = index_text(text).split()
        at = rng.randrange(len(keys) - 6)
        for runs in ([keys[at:at + 1]], [keys[at:at + 2]], [keys[at:at + 3]], [keys[at:at + 2], keys[at + 4:at + 5]]):
            corpus.document_frequencies(k for run in runs for k in run)
            cached = match._rowids_with_runs(corpus, runs, 64)
            monkeypatch.setattr(corpus, "SMALL_POSTINGS", 0)  # every word read from the index
            assert match._rowids_with_runs(corpus, runs, 64) == cached
            monkeypatch.undo()
            checked += all(corpus.small_postings(k) is not None for run in runs for k in run)
    assert checked >= 30


@pytest.mark.parametrize("postings, weights, limit, keep, expected", [
    ([[1, 2, 3], [3, 4]], [1.0, 2.0], 10, 0.0, [(3, 3.0), (4, 2.0), (1, 1.0), (2, 1.0)]),
    ([["3", "2", "1"], ["4", "3"]], [1.0, 2.0], 10, 0.0, [(3, 3.0), (4, 2.0), (1, 1.0), (2, 1.0)]),  # SQLite's
    ([[9, 8, 7, 6], [5]], [2.0, 2.0], 3, 0.0, [(5, 2.0), (6, 2.0), (7, 2.0)]),  # ties by row id, lowest first
    ([[1, 2], [2, 3], [4]], [1.0, 1.0, 0.5], 10, 0.4, [(2, 2.0), (1, 1.0), (3, 1.0)]),  # under 0.4 of the best
    ([[], [5]], [3.0, 1.0], 10, 0.0, [(5, 1.0)]),
])
def test_a_vote_sums_the_weights_of_the_lists_holding_each_row(postings, weights, limit, keep, expected):
    from verifier.store.sqlite import top_votes

    assert top_votes(postings, weights, limit, keep) == expected
