"""Find the corpus quotes a draft quotation may come from, and align it to each.

Retrieval never scans the corpus: it asks the full-text index. Quotations of a
few words must appear as an exact phrase; longer ones are looked up by their
rarest words (document frequencies come from the `terms` table), so a few
changed words do not hide the original. Candidates are ranked cheaply, and
only the best few get the full word alignment.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .align import GAP_EXTEND, MATCH_COST, SPELLING_COST, Op, Token, align, original_words
from .drift import changes as drift_changes
from .models import Alignment, CorpusQuote
from .normalize import Word, index_text
from .store import CorpusReader as Corpus

SHORT_QUOTE_WORDS = 4
MIN_COVERAGE = 0.6  # share of a longer quotation's words a match must find
RAREST_TERMS = 8
POSTINGS_BUDGET = 8_000  # postings one rare-word vote may read (20,000 doubled p50 at 1M, same recall)
PHRASE_MAX_DF = 50_000  # a longer quotation's phrase is asked only when one of its words is rarer
CANDIDATES = 20
VOTE_KEEP = 0.4  # a voted candidate must reach this share of the best vote
WIDE_CANDIDATES = 200  # looked through for the credited speaker's quotes
RARE_AND_TERMS = 3  # a phrase look-up asks for its rarest words together instead...
RARE_AND_MAX_DF = 5_000  # ...when the third rarest is held by at most this many quotes
EDITED_PHRASE_WORDS = 8  # up to this many words, a quotation is also looked up by phrases
PHRASE_WINDOW = 3  # a longer run of words is first asked for as its 3 rarest consecutive words...
WINDOW_FETCH = 64  # ...and as a whole only when that window is in this many quotes or more
SECOND_LOOK_STRETCH = 4  # when the vote finds nothing close, windows of 4-word stretches...
SECOND_LOOK_WINDOWS = 3  # ...the 3 cheapest of them...
SECOND_LOOK_POSTINGS = 60_000  # ...while FTS5 reads at most this many postings for them
ALIGNED = 4


@dataclass(frozen=True)
class Scored:
    """An alignment with the numbers the judge decides by."""

    alignment: Alignment
    ops: tuple[Op, ...]
    cost: float  # the alignment objective (lower is better; comparable for one draft)
    words: int  # words in the draft quotation
    matched: int  # draft words found unchanged in the original
    deleted: int  # words of the original left out inside the window (no ellipsis)
    original_words: int = 0  # words in the whole corpus quote

    @property
    def exact(self) -> bool:
        """True when every draft word is found, in order, with no edits."""
        return self.matched == self.words and self.deleted == 0 and all(
            op.kind in ("match", "gap") for op in self.ops)


def best_first(scored: Scored) -> tuple[float, int, int]:
    """Return the sort key that puts alignments best first: fewest edits, then most draft words matched,
    then the shorter quote (a nested quote before its host)."""
    return scored.cost, -scored.matched, len(scored.alignment.quote.text)


def phrase_runs(corpus: Corpus, tokens: list[Token]) -> list[list[str]]:
    """Return the runs of keys an exact-phrase look-up of a quotation asks the store for (its runs of words
    between ellipses and brackets, or its rarest words); [] when it would be too costly."""
    segments = _segments(tokens)
    return _phrase_runs(corpus.document_frequencies(k for seg in segments for k in seg), segments)[0]


def _phrase_runs(frequencies: dict[str, int], segments: list[list[str]]) -> tuple[list[list[str]], bool]:
    """Return the runs of words an exact-phrase look-up asks for, and whether they are the quotation's
    rarest words (each a run of its own) rather than its runs between wildcards; [] when no quote can
    hold them all, or when the look-up would be too costly.

    A phrase made only of very common words could make FTS5 walk most of the
    index, so it is left out unless the quotation is short (then it is the only
    way to find it). When the three rarest words are rare, the quotes holding
    them at all are a superset of the phrase's matches (the aligner checks the
    words' order), found without walking the postings of "the" and "of".
    """
    keys = [k for seg in segments for k in seg]
    if not keys or any(k not in frequencies for k in keys):
        return [], False  # a word no quote holds: no exact match
    if len(keys) > SHORT_QUOTE_WORDS and min(frequencies[k] for k in keys) > PHRASE_MAX_DF:
        return [], False
    rare = _rare_trio(frequencies, keys)
    if rare:
        return [[k] for k in rare], True
    return segments, False


def phrase_rowids(corpus: Corpus, tokens: list[Token], limit: int, whole_phrases: bool = True) -> list[int]:
    """Return row ids of up to `limit` quotes holding each run of the quotation's words as a phrase
    (or its rarest words, see `phrase_runs`), in row id order.

    FTS5 reads every posting of every word in a phrase, so a phrase with "the" and
    "of" in it reads most of the index. A window of each run's rarest consecutive
    words is asked for first; when few quotes hold it, their own words show which
    hold the whole run, and the whole phrase is never looked up (nor, without
    `whole_phrases`, when many do: then nothing is found).
    """
    segments = _segments(tokens)
    frequencies = corpus.document_frequencies(k for seg in segments for k in seg)
    runs, rare = _phrase_runs(frequencies, segments)
    if not runs:
        return []
    if rare or all(len(seg) <= PHRASE_WINDOW for seg in segments):
        return _rowids_with_runs(corpus, runs, limit)
    # (every word is held by some quote here, so every run has a window)
    rows = _rowids_with_runs(corpus, [_cheapest_window(seg, frequencies) for seg in segments], WINDOW_FETCH)
    if len(rows) >= WINDOW_FETCH:
        return _rowids_with_runs(corpus, segments, limit) if whole_phrases else []
    texts = corpus.quote_texts(rows)
    return [r for r in rows if r in texts and _holds_runs(texts[r], segments)][:limit]


def _rowids_with_runs(corpus: Corpus, runs: list[list[str]], limit: int) -> list[int]:
    """Return row ids, ascending, of up to `limit` quotes holding each run of keys as a phrase: what the
    store finds for the runs as phrases.

    When every word is in few quotes, their cached postings and the quotes' own
    words answer without a query (for runs of plain words only: FTS5 splits a key
    such as "o'brien" into two words, a text search does not).
    """
    postings = [corpus.small_postings(k) for run in runs for k in run]
    phrases = any(len(run) > 1 for run in runs)
    plain = not phrases or all(k.isalnum() for run in runs for k in run)
    if plain and all(p is not None for p in postings):
        rows = sorted(set(postings[0]).intersection(*postings[1:])) if postings else []
        if phrases:
            texts = corpus.quote_texts(rows)
            rows = [r for r in rows if r in texts and _holds_runs(texts[r], runs)]
        return rows[:limit]
    return corpus.rowids_with_phrases(runs, limit)


def _cheapest_window(run: list[str], frequencies: dict[str, int]) -> list[str] | None:
    """Return the few consecutive words of a run to ask for first: its rarest word when fewer than
    WINDOW_FETCH quotes hold it, else the PHRASE_WINDOW words whose postings are fewest (a shorter run
    whole); None when every such window has a word no quote holds."""
    held = [k for k in run if k in frequencies]
    if not held:
        return None
    rarest = min(held, key=lambda k: frequencies[k])
    if frequencies[rarest] < WINDOW_FETCH:
        return [rarest]
    size = min(PHRASE_WINDOW, len(run))
    costs = {i: sum(frequencies.get(k, 0) for k in run[i:i + size]) for i in range(len(run) - size + 1)
             if all(k in frequencies for k in run[i:i + size])}
    if not costs:
        return None
    best = min(costs, key=lambda i: (costs[i], i))
    return run[best:best + size]


def _window_rowids(corpus: Corpus, tokens: list[Token], frequencies: dict[str, int], stretch: int, most: int,
                   needed: float, budget: float = math.inf) -> tuple[list[int], bool]:
    """Return row ids of quotes holding the cheapest window (see `_cheapest_window`) of some stretch of
    `stretch` consecutive words of the quotation and at least `needed` of its words, and whether every
    window was read whole (False when one was in WINDOW_FETCH quotes or more, and left out).

    Only the `most` cheapest stretches are looked up, while their windows' postings stay within
    `budget`. A quotation with a few words changed still has stretches intact, so its original
    holds one of their windows.
    """
    windows = []
    for run in _segments(tokens):
        for i in range(0, len(run), stretch):
            window = _cheapest_window(run[i:i + stretch], frequencies)
            if window:
                windows.append((sum(frequencies[k] for k in window), window))
    rows: list[int] = []
    whole = True
    for cost, window in sorted(windows)[:most]:
        budget -= cost
        if budget < 0:
            break
        found = _rowids_with_runs(corpus, [window], WINDOW_FETCH)
        if len(found) >= WINDOW_FETCH:
            whole = False
            continue
        rows += found
    texts = corpus.quote_texts(rows)
    share = WordShare(tokens)
    return [r for r in dict.fromkeys(rows) if r in texts and share(texts[r]) >= needed], whole


def _holds_runs(text: str, runs: list[list[str]]) -> bool:
    """Return True when a quote's words hold each run of keys consecutively."""
    hay = _quote_index(text)
    return all(f" {' '.join(run)} " in hay for run in runs)


def _rare_trio(frequencies: dict[str, int], keys: list[str]) -> list[str] | None:
    """Return the quotation's RARE_AND_TERMS rarest words when each is held by at most RARE_AND_MAX_DF
    quotes (asking for them together reads few postings), else None."""
    rare = _rarest(frequencies, keys, RARE_AND_TERMS)
    if len(rare) == RARE_AND_TERMS and frequencies[rare[-1]] <= RARE_AND_MAX_DF:
        return rare
    return None


def _rarest(frequencies: dict[str, int], keys: list[str], count: int) -> list[str]:
    """Return up to `count` distinct keys with the lowest document frequency, rarest first."""
    return sorted({k for k in keys if k in frequencies}, key=lambda k: (frequencies[k], k))[:count]


def _segments(tokens: list[Token]) -> list[list[str]]:
    """Return the runs of words between wildcards."""
    runs: list[list[str]] = [[]]
    for token in tokens:
        if token.kind == "word":
            runs[-1].append(token.key)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _one_word_changed(keys: list[str], frequencies: dict[str, int]) -> list[list[list[str]]]:
    """Return the alternatives (runs of keys, each a phrase) a quote holding the words before and after
    some one word of the quotation holds: a short quotation with one word replaced, added or left out.

    When the quotation has rare words, asks instead for any two of its three rarest (one of them
    may be the changed word), which reads far fewer postings."""
    rare = _rare_trio(frequencies, keys)
    if rare:
        a, b, c = ([k] for k in rare)
        return [[a, b], [a, c], [b, c]]
    return [[run for run in (keys[:i], keys[i + 1:]) if run] for i in range(len(keys))]


def _one_word_changed_rowids(corpus: Corpus, tokens: list[Token], keys: list[str], frequencies: dict[str, int],
                             limit: int) -> list[int]:
    """Return row ids of quotes that may hold the quotation with one word replaced, added or left out.

    Whichever word changed, one half of the quotation is intact, so the quotes
    holding a window of either half as a phrase include every such quote; those
    that hold all the quotation's words but one are kept. When a window is in
    too many quotes to read, falls back to the query of `_one_word_changed`.
    """
    near = (len(keys) - 1) / len(keys)
    rows, whole = _window_rowids(corpus, tokens, frequencies, math.ceil(len(keys) / 2), 2, near)
    if not whole:
        return corpus.rowids_with_any(_one_word_changed(keys, frequencies), limit)
    return rows[:limit]


def _vote_terms(frequencies: dict[str, int], keys: list[str]) -> list[str]:
    """Return the quotation's rarest words whose postings together stay within the budget."""
    known = sorted({k for k in keys if k in frequencies}, key=lambda k: (frequencies[k], k))
    chosen: list[str] = []
    postings = 0
    for key in known[:RAREST_TERMS]:
        if postings + frequencies[key] > POSTINGS_BUDGET:
            break
        chosen.append(key)
        postings += frequencies[key]
    return chosen


def candidate_rowids(corpus: Corpus, tokens: list[Token], speaker_ids: list[str] = ()) -> list[int]:
    """Return row ids of the quotes a draft quotation may come from, the most likely first.

    Two look-ups, neither ranked by bm25 (which scores every posting with
    positions and made short common-word fragments slow at a million quotes):

    * a vote: the quotation's rarest words (by document frequency, as many as
      fit a postings budget) each add their inverse document frequency to
      every quote holding them; the best sums win (down to VOTE_KEEP of the
      best). A few changed or dropped words only lower the original's sum, so
      drifted quotes are still found.
    * an exact phrase per run of words (ellipses and brackets split runs),
      unranked with a LIMIT, for quotations of up to 8 words (their vote is
      weak: few rare words) and those whose rare-word vote is empty or too
      costly; when a 5-8-word quotation is not found verbatim, the runs before
      and after each one word (one word replaced, added or left out).

    When the draft credits someone, both look further (WIDE_CANDIDATES) and
    that speaker's quotes among the results come first, so the credited
    speaker's words are among the candidates when several people said them.
    """
    keys = [t.key for t in tokens if t.kind == "word"]
    if not keys:
        return []
    frequencies = corpus.document_frequencies(keys)
    if not frequencies:
        return []
    total = max(corpus.quote_count(), 1)
    limit = WIDE_CANDIDATES if speaker_ids else CANDIDATES
    found: list[int] = []
    terms = _vote_terms(frequencies, keys)
    voted = len(terms) >= min(2, len(set(keys)))
    words_only = all(t.kind == "word" for t in tokens)
    phrased: list[int] = []
    if len(keys) <= EDITED_PHRASE_WORDS or not voted:
        # exact phrases first: for a short quotation they are the only matches the judge accepts
        phrased = phrase_rowids(corpus, tokens, limit)
    elif words_only:
        # most long quotations are verbatim, and a window of their rarest words finds them cheaply
        phrased = phrase_rowids(corpus, tokens, limit, whole_phrases=False)
    found += phrased
    edited = not found and SHORT_QUOTE_WORDS < len(keys) <= EDITED_PHRASE_WORDS and len(_segments(tokens)) == 1
    verbatim = words_only and 0 < len(phrased) < limit and any(
        _holds_runs(text, [keys]) for text in corpus.quote_texts(phrased).values())
    if voted and not verbatim:
        # (when every quote holding the words verbatim is found, only those are aligned: no vote needed)
        weights = [math.log(1 + total / frequencies[k]) for k in terms]
        # quotes holding much less of the rare words than the best cannot be the original
        found += [r for r, _ in corpus.vote_rowids(terms, weights, limit, keep=VOTE_KEEP)]
    near = (len(keys) - 1) / len(keys)  # all the draft's words but one
    share = WordShare(tokens)
    # the guards below look only at the quotes that would be returned: a close quote further down
    # the vote, not by the credited speaker, is never aligned, so it cannot stand in for a look-up
    returned = _returned(corpus, found, speaker_ids)
    closest = max(map(share, corpus.quote_texts(returned).values()), default=0.0)
    if edited and closest < near:
        # the one-word-changed phrases read many postings: only when the vote found no quote
        # holding all the draft's words but one (what those phrases look for)
        found += _one_word_changed_rowids(corpus, tokens, keys, frequencies, limit)
    elif len(keys) > EDITED_PHRASE_WORDS and closest < MIN_COVERAGE:
        # a rare word the draft changed or added can draw the vote to quotes that merely share it:
        # ask for windows of the draft's own stretches, and put what holds enough of its words first
        found = _window_rowids(corpus, tokens, frequencies, SECOND_LOOK_STRETCH, SECOND_LOOK_WINDOWS,
                               MIN_COVERAGE, SECOND_LOOK_POSTINGS)[0][:limit] + found
    else:
        return returned
    return _returned(corpus, found, speaker_ids)


def _returned(corpus: Corpus, found: list[int], speaker_ids: list[str]) -> list[int]:
    """Return the candidates worth aligning among the row ids found, best first: the first CANDIDATES,
    after up to CANDIDATES by the credited speakers when the draft credits someone."""
    found = list(dict.fromkeys(found))
    if not speaker_ids:
        return found[:CANDIDATES]
    theirs = corpus.rowids_by(found, speaker_ids)
    return list(dict.fromkeys([r for r in found if r in theirs][:CANDIDATES] + found[:CANDIDATES]))


def candidates(corpus: Corpus, tokens: list[Token], speaker_ids: list[str] = (),
               needed: float = 0.0) -> list[CorpusQuote]:
    """Return corpus quotes that may be the source of a draft quotation, best guesses first,
    leaving out those that share less than `needed` of its words.

    The share is worked out from the quotes' texts alone, so whole records (speaker,
    aliases, source) are read only for the few that could match.
    """
    rowids = candidate_rowids(corpus, tokens, speaker_ids)
    texts = corpus.quote_texts(rowids)
    share = WordShare(tokens)
    keep = [r for r in rowids if r in texts and share(texts[r]) >= needed]
    return corpus.quotes_by_rowid(keep)


@lru_cache(maxsize=2048)
def _quote_words(text: str) -> tuple[list[Word], list[bool]]:
    """Return a corpus quote's words and which of them it bracketed (cached)."""
    return original_words(text)


@lru_cache(maxsize=2048)
def _quote_index(text: str) -> str:
    """Return a corpus quote's word keys joined by spaces, with a space at each end (cached; a
    quicker tokenisation than `_quote_words`, for the many candidates never aligned)."""
    return f" {index_text(text)} "


@lru_cache(maxsize=2048)
def _quote_keys(text: str) -> tuple[frozenset[str], list[str]]:
    """Return a corpus quote's distinct word keys and all of them in order (cached)."""
    keys = _quote_index(text).split()
    return frozenset(keys), keys


@lru_cache(maxsize=1024)  # ~2 KB an entry
def _aligned(shape: tuple[tuple[str, str], ...], text: str) -> tuple[tuple[Op, ...], float]:
    """Return `align` of draft tokens (only their kinds and keys count) with a quote's text, cached: the
    same words recur across drafts credited differently, and after a word only the credit changed."""
    original, optional = _quote_words(text)
    ops, cost = align([Token(kind, key, key, 0, 0) for kind, key in shape], original, optional)
    return tuple(ops), cost


def score_alignment(tokens: list[Token], quote: CorpusQuote) -> Scored:
    """Return the best alignment of a draft quotation within one corpus quote."""
    original, optional = _quote_words(quote.text)
    ops = _exact_ops(tokens, original)
    cost = MATCH_COST * len(tokens)  # what the DP would score the same all-match alignment
    if ops is None:
        aligned, cost = _aligned(tuple((t.kind, t.key) for t in tokens), quote.text)
        ops = list(aligned)
    spanned = [j for op in ops if op.original for j in range(*op.original)]
    first, last = (min(spanned), max(spanned)) if spanned else (0, -1)
    window = quote.text[original[first].start:original[last].end] if spanned else ""
    n_words = sum(t.kind == "word" for t in tokens)
    matched = sum(op.kind == "match" for op in ops)
    deleted = sum(op.kind == "del" for op in ops)
    found = drift_changes(ops, tokens, quote.text, original)
    score = 100.0 * matched / max(n_words + deleted, 1)
    alignment = Alignment(quote=quote, original=window, score=score, coverage=matched / max(n_words, 1),
                          changes=tuple(found), start=original[first].start if spanned else 0)
    return Scored(alignment, tuple(ops), cost, n_words, matched, deleted, len(original))


def _exact_ops(tokens: list[Token], original: list[Word]) -> list[Op] | None:
    """Return an all-match alignment when the draft's words occur as a run in the original, else None."""
    if any(t.kind != "word" for t in tokens) or not tokens:
        return None
    needle = "\x1f" + "\x1f".join(t.key for t in tokens) + "\x1f"
    keys = [w.key for w in original]
    hay = "\x1f" + "\x1f".join(keys) + "\x1f"
    at = hay.find(needle)
    if at < 0:
        return None
    start = hay.count("\x1f", 0, at)  # words before the match
    return [Op("match", i, (start + i, start + i + 1)) for i in range(len(tokens))]


class WordShare:
    """The words of one draft quotation, to tell cheaply how many of them a quote's text holds."""

    def __init__(self, tokens: list[Token]) -> None:
        counts = Counter(t.key for t in tokens if t.kind == "word")
        self.words = sum(counts.values())
        self._keys = frozenset(counts)
        self._repeated = [(k, n) for k, n in counts.items() if n > 1]

    def shared(self, text: str) -> int:
        """Return how many of the draft's words (counted with repeats) a quote's text holds."""
        held, keys = _quote_keys(text)
        shared = len(self._keys & held)
        for key, n in self._repeated:
            if key in held:
                shared += min(n, keys.count(key)) - 1
        return shared

    def __call__(self, text: str) -> float:
        """Return the most of the draft's words any alignment with a quote's text could match (0-1)."""
        return self.shared(text) / self.words if self.words else 0.0


def cost_floor(tokens: list[Token], text: str) -> float:
    """Return a lower bound on the cost of any alignment of the draft tokens with a quote's text:
    every word the two share matches, every other draft word costs the cheapest edit."""
    share = WordShare(tokens)
    shared = share.shared(text)
    return MATCH_COST * shared + min(SPELLING_COST, GAP_EXTEND) * (share.words - shared)


def best_alignments(corpus: Corpus, tokens: list[Token], speaker_ids: list[str] = (),
                    accept: Callable[[Scored], bool] | None = None) -> list[Scored]:
    """Return full alignments for the most promising candidates, best first.

    Candidates that could not reach the coverage a match needs, whatever the
    alignment, are dropped before the (costly) word alignment. With `accept`
    (the judge's test for a match), a candidate is not aligned once an accepted
    alignment costs less than any alignment with it could: only the accepted
    alignments of least cost, and those tied with them, decide a verdict.
    """
    n_words = sum(t.kind == "word" for t in tokens)
    needed = 1.0 if n_words <= SHORT_QUOTE_WORDS else MIN_COVERAGE
    found = candidates(corpus, tokens, speaker_ids, needed)
    if not found:
        return []
    run = [t.key for t in tokens]
    words_only = all(t.kind == "word" for t in tokens)
    exact = [q for q in found if words_only and _holds_runs(q.text, [run])]
    if exact:
        # nothing beats the draft's words standing unchanged in a quote: align only those
        scored = [score_alignment(tokens, q) for q in exact]
        scored.sort(key=best_first)
        return scored
    query = " ".join(t.key for t in tokens if t.kind == "word")
    quick = sorted(
        found,
        key=lambda q: -fuzz.partial_ratio(query, _quote_index(q.text)[1:-1]),
    )[: max(ALIGNED, len(speaker_ids) and ALIGNED * 2)]
    scored = []
    bound = math.inf  # cost of the cheapest accepted alignment so far
    for quote in quick:
        if accept is not None and cost_floor(tokens, quote.text) > bound:
            continue
        aligned = score_alignment(tokens, quote)
        scored.append(aligned)
        if accept is not None and aligned.cost < bound and accept(aligned):
            bound = aligned.cost
    scored.sort(key=best_first)
    return scored


FRAGMENT_WORDS = (3, 8)  # a short fragment credited to a corpus speaker is looked for among their quotes
FEW_QUOTES = 100  # a speaker with this many quotes or fewer is read whole; more go through the index


def near_fragment(scored: Scored) -> bool:
    """Return True when a short fragment is one of the speaker's quotes with one word changed,
    added or left out (a dropped "not", a changed number): every draft word but one found in order,
    at least three of them, and at most two of the original's words left out."""
    return (scored.matched >= FRAGMENT_WORDS[0] and scored.matched >= scored.words - 1
            and scored.deleted <= 2 and not scored.exact)


def speaker_fragment_alignments(corpus: Corpus, tokens: list[Token], speaker_ids: list[str]) -> list[Scored]:
    """Return the credited speakers' quotes a short fragment is a near copy of, best first.

    The general look-up asks a fragment of four words or fewer to match exactly,
    so "are going to change" never finds "are not going to change". Once the
    draft names a corpus speaker, their quotes are few enough to align one by
    one (through the index for a speaker with many quotes).
    """
    n_words = sum(t.kind == "word" for t in tokens)
    if not speaker_ids or not FRAGMENT_WORDS[0] <= n_words <= FRAGMENT_WORDS[1]:
        return []
    quotes: list[CorpusQuote] = []
    for speaker_id in dict.fromkeys(speaker_ids):
        theirs = list(corpus.quotes(speaker_id, limit=FEW_QUOTES + 1))
        if len(theirs) > FEW_QUOTES:
            theirs = [q for q in candidates(corpus, tokens, [speaker_id], 0.5) if q.speaker.id == speaker_id]
        quotes += theirs
    # only a quote holding all the fragment's words but one can be a near copy: a set test before aligning
    keys = {t.key for t in tokens if t.kind == "word"}
    needed = len(keys) - 1
    quotes = [q for q in quotes if len(keys & _quote_keys(q.text)[0]) >= needed]
    near = [s for s in (score_alignment(tokens, q) for q in quotes) if near_fragment(s)]
    near.sort(key=best_first)
    return near
