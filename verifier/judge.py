"""Decide what an editor should be told about one quotation.

verified: the words are the speaker's and the draft credits the right person
(or no one, or the speaker's institution, or the person who relayed them).
drift: the words changed. misattributed: the words are someone else's.
unverified: nothing in the corpus is close enough. Quoted words that are not
speech (scare quotes, titles) and match nothing are not reported at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .align import Token
from .corpus import Corpus
from .drift import is_drift, severity_of
from .match import MIN_COVERAGE, SHORT_QUOTE_WORDS, Scored
from .models import Attribution, Finding, Quotation, Speaker

MIN_MATCHED = 3
MIN_INFORMATIVE = 2
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into about than then that this these
    those there here it its is are was were be been being am do does did have has had will would shall
    should can could may might must i me my we us our you your he him his she her they them their who
    whom which what when where why how all any some so not no just very also only up out over""".split()
)
PRONOUNS = frozenset("he she they it we i you him her them his its their this that who".split())
TITLE_WORDS = frozenset(
    """mr mrs ms miss dr sen senator rep representative gov governor president vice secretary leader
    minority majority speaker house senate mayor judge justice gen general adm admiral chairman
    chairwoman chair director deputy attorney former spokesman spokeswoman press white the
    homeland security state dhs u s us democrat democratic republican gop presidential candidate
    obama administration official""".split()
)


@dataclass(frozen=True)
class Credit:
    """How a draft's attribution relates to the corpus speaker: right, wrong or none."""

    verdict: str  # "right", "wrong", "none"
    note: str | None = None


def speakers_for(corpus: Corpus, name: str) -> list[tuple[Speaker, str]]:
    """Return the corpus speakers a credited name can mean, with how (name/alias/affiliation).

    Tries the whole name, then every run of two or more of its words, longest
    first ("Sen. Harry Reid (D-Nev.)" -> "Harry Reid"; words glued by a scraper,
    "ReidHarry", are split first); a bare surname counts only when the other
    words are titles, so "Ron Johnson" is not taken for "Jeh Johnson".
    """
    parts = re.findall(r"[^\W_]+", re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", name))
    for size in range(len(parts), 1, -1):
        for k in range(len(parts) - size + 1):
            found = corpus.speakers_named(" ".join(parts[k:k + size]))
            if found:
                return found
    if parts and all(w.lower() in TITLE_WORDS or len(w) == 1 for w in parts[:-1]):
        return corpus.speakers_named(parts[-1])
    return []


def people_named(corpus: Corpus, name: str) -> list[Speaker]:
    """Return the speakers a name or alias means as a person, leaving out institution credit
    ("DHS" is not a name for Jeh Johnson)."""
    return [speaker for speaker, how in speakers_for(corpus, name) if how != "affiliation"]


def credit(corpus: Corpus, attribution: Attribution | None, scored: Scored) -> Credit:
    """Return whether the draft's attribution credits the words to the right person."""
    if attribution is None:
        return Credit("none")
    quote = scored.alignment.quote
    if not quote.speaker.named:  # a transcript turn by an unnamed speaker confirms words, never accuses
        return Credit("none", "the source does not name who said these words"
                      + (f" (“{quote.context}”)" if quote.context else ""))
    name = attribution.name
    mention = attribution.mention.strip()
    if name is None and (not mention or mention.lower() in PRONOUNS):
        return Credit("none")
    meant = speakers_for(corpus, name or mention)
    for speaker, how in meant:
        if speaker.id == quote.speaker.id:
            if how == "affiliation":
                return Credit("right", f"credited to {name or mention}, where {quote.speaker.name} speaks for it")
            return Credit("right")
    for speaker, how in meant:
        if quote.relayed_by and speaker.id == quote.relayed_by.id and how != "affiliation":
            return Credit("right", f"credited to {quote.relayed_by.name}, who relayed {quote.speaker.name}'s words")
    if name is None:
        # A role noun the text never tied to a name ("the advocate") can confirm a
        # speaker through the corpus's aliases, but is too vague to accuse anyone.
        return Credit("none", f"credited to “{mention}”, who could not be identified")
    if meant:
        return Credit("wrong", f"the draft credits {name}; the corpus has these words from {quote.speaker.name}")
    return Credit("wrong", f"the draft credits {name}; the corpus has these words from {quote.speaker.name}")


def matches(scored: Scored, tokens: list[Token]) -> bool:
    """Return True when an alignment is close enough to call the draft words that quote's.

    Short quotations must match exactly, and be the whole quote or more than
    common words. Longer ones must share most of their
    words, and more than a name or a run of common words: sharing "the
    Department of Homeland Security" with a quote does not make a sentence it.
    """
    if scored.words <= SHORT_QUOTE_WORDS:
        # a few words must be the whole quote, or carry two telling words ("prosecutorial
        # discretion"): "no" or "refugees" alone is anybody's
        whole = scored.words == scored.original_words
        return scored.exact and (whole or informative_matches(scored, tokens) >= MIN_INFORMATIVE)
    return (scored.alignment.coverage >= MIN_COVERAGE and scored.matched >= MIN_MATCHED
            and scored.deleted <= 2 * scored.matched + 3
            and informative_matches(scored, tokens) >= MIN_INFORMATIVE)


def informative_matches(scored: Scored, tokens: list[Token]) -> int:
    """Return how many matched draft words are neither common words nor capitalised names."""
    count = 0
    for op in scored.ops:
        if op.kind != "match":
            continue
        token = tokens[op.draft]
        if token.key in STOPWORDS:
            continue
        if token.text[:1].isupper() and op.draft > 0 and tokens[op.draft - 1].kind == "word":
            continue  # a capitalised word inside the quotation: most likely part of a name
        count += 1
    return count


def looks_like_speech(quotation: Quotation, attribution: Attribution | None, tokens: list[Token]) -> bool:
    """Return False for quoted words that are probably not speech: titles, and short phrases
    credited to no named person (scare quotes)."""
    words = [t.text for t in tokens if t.kind == "word"]
    major = [w for w in words if len(w) > 3]
    if major and all(w[:1].isupper() for w in major) and len(words) <= 8:
        return False  # "Meet the Press", "Saturday Night Live"
    named = attribution is not None and bool(attribution.name)
    return named or len(words) > 3


def judge(quotation: Quotation, attribution: Attribution | None, tokens: list[Token],
          alignments: list[Scored], corpus: Corpus) -> Finding | None:
    """Return the finding for one quotation, or None when it is not speech and matches nothing."""
    close = [s for s in alignments if matches(s, tokens)]
    if not close:
        if not looks_like_speech(quotation, attribution, tokens):
            return None
        credited = attribution is not None and (attribution.name or "").strip()
        best = alignments[0].alignment.score if alignments else 0.0
        return Finding(quotation, attribution, "unverified", "warning" if credited else "info",
                       score=best, notes=["no quote in the corpus is close enough to check these words"])
    # Among equally good matches, prefer one by the person the draft credits.
    best_cost = close[0].cost
    tied = [s for s in close if s.cost <= best_cost]
    chosen, chosen_credit = tied[0], credit(corpus, attribution, tied[0])
    for s in tied[1:]:
        if chosen_credit.verdict == "right":
            break
        c = credit(corpus, attribution, s)
        if c.verdict == "right":
            chosen, chosen_credit = s, c
    alignment = chosen.alignment
    quote = alignment.quote
    notes: list[str] = []
    if quote.relayed_by:
        notes.append(f"second-hand: reported by {quote.relayed_by.name}")
    if chosen_credit.note:
        notes.append(chosen_credit.note)
    drifted = [c for c in alignment.changes if is_drift(c)]
    if chosen_credit.verdict == "wrong":
        verdict, severity = "misattributed", "error"
    elif drifted:
        verdict, severity = "drift", severity_of(drifted)
    else:
        verdict, severity = "verified", "ok"
    speaker = quote.speaker.name if quote.speaker.named else None  # a transcript's unnamed speaker is no one
    return Finding(quotation, attribution, verdict, severity, speaker=speaker,
                   source=quote.source, original=alignment.original, score=alignment.score,
                   changes=list(alignment.changes), notes=notes, at=alignment.said_at)
