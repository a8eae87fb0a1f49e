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
from .drift import is_drift, severity_of
from .match import MIN_COVERAGE, SHORT_QUOTE_WORDS, Scored
from .models import Attribution, Finding, Quotation, Speaker
from .names import is_body, names_person, parse_name
from .store import CorpusReader as Corpus
from .store import name_key

MIN_MATCHED = 3
REWRITTEN_CHANGES = 3  # this many changes, with coverage under ACCUSE_COVERAGE: another sentence, not drift
ACCUSE_COVERAGE = 0.8  # share of the draft's words part of a quote must hold to call them someone else's
MIN_INFORMATIVE = 2
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as into about than then that this these
    those there here it its is are was were be been being am do does did have has had will would shall
    should can could may might must i me my we us our you your he him his she her they them their who
    whom which what when where why how all any some so not no just very also only up out over""".split()
)
PRONOUNS = frozenset("he she they it we i you him her them his its their this that who".split())


VIA_WORDS = {"pronoun": "through a pronoun", "headline": "from a headline's words",
             "previous": "from an earlier quotation's speaker",
             "subject": "from the sentence's subject", "description": "from a description",
             "nested": "from the quoted speaker's own words"}


@dataclass(frozen=True)
class Credit:
    """How a draft's attribution relates to the corpus speaker: right, wrong or none."""

    verdict: str  # "right", "wrong", "none", "unidentified" (a description that names no one)
    note: str | None = None


def speakers_for(corpus: Corpus, name: str) -> list[tuple[Speaker, str]]:
    """Return the corpus speakers a credited name can mean, with how (name/alias/affiliation/surname).

    The whole name is looked up first (names, aliases, the bodies speakers speak
    for); otherwise its surname, keeping only the speakers `names` says it can
    be: "Sen. Warren" finds Elizabeth Warren, "Ron Johnson" does not find Jeh
    Johnson.
    """
    found = [(s, how) for s, how in corpus.speakers_named(name)
             if how != "surname" or names_person(name, s.name, s.aliases)]
    if found:
        return found
    surname = parse_name(name).surname
    if not surname:
        return []
    return [(s, how) for s, how in corpus.speakers_named(surname)
            if how != "affiliation" and names_person(name, s.name, s.aliases)]


def people_named(corpus: Corpus, name: str) -> list[Speaker]:
    """Return the speakers a name or alias means as a person, leaving out institution credit
    ("DHS" is not a name for Jeh Johnson)."""
    return [speaker for speaker, how in speakers_for(corpus, name) if how != "affiliation"]


def _is_speaker(written: str, speaker: Speaker, corpus: Corpus) -> str | None:
    """Return how a written credit names this speaker ("name" or "affiliation"), or None."""
    if names_person(written, speaker.name, speaker.aliases):
        return "name"
    if any(how == "affiliation" and s.id == speaker.id for s, how in corpus.speakers_named(written)):
        return "affiliation"
    return None


def _names_in(phrase: str, speaker: Speaker) -> bool:
    """Return True when a phrase names the speaker ("the Las Vegas Sun", "a Pentagon readout" for Pentagon)."""
    if names_person(phrase, speaker.name, speaker.aliases):
        return True
    words = f" {name_key(phrase)} "
    return any(f" {name_key(name)} " in words for name in (speaker.name, *speaker.aliases) if name_key(name))


def _conjoined(mention: str) -> list[str]:
    """Return the people of a credit that names several ("Pelosi and Reid both"), else []."""
    if " and " not in mention:
        return []
    parts = [p.strip(" ,") for p in re.split(r",| and ", re.sub(r"\s+(?:both|all)$", "", mention))]
    return [p for p in parts if p] if all(p and len(p.split()) <= 4 for p in parts) else []


def credit(corpus: Corpus, attribution: Attribution | None, scored: Scored) -> Credit:
    """Return whether the draft's attribution credits the words to the right person."""
    if attribution is None:
        return Credit("none")
    if attribution.via in ("subject", "previous", "headline") and scored.words <= SHORT_QUOTE_WORDS:
        return Credit("none")  # a few words in a sentence with no cue of their own: a scare quote, not a credit
    quote = scored.alignment.quote
    if not quote.speaker.named:  # a transcript turn by an unnamed speaker confirms words, never accuses
        return Credit("none", "the source does not name who said these words"
                      + (f" (“{quote.context}”)" if quote.context else ""))
    name = attribution.name
    mention = attribution.mention.strip()
    if name is None and (not mention or mention.lower() in PRONOUNS or attribution.via == "headline"):
        return Credit("none")  # no one, or a newsletter's label introducing the words
    written = name or mention
    how = _is_speaker(written, quote.speaker, corpus)
    if how is None and name and mention != name and parse_name(mention).surname:
        how = _is_speaker(mention, quote.speaker, corpus)  # the name as the draft wrote it
    people = _conjoined(mention)
    if how is None and people:
        # "Pelosi and Reid both said": the words are rightly credited if one of them said them
        how = next(filter(None, (_is_speaker(person, quote.speaker, corpus) for person in people)), None)
        if how is None and all(parse_name(person).surname and person[:1].isupper() for person in people):
            return Credit("wrong", f"the draft credits {', '.join(people[:-1])} and {people[-1]}; the corpus has"
                                   f" these words from {quote.speaker.name}")
    if how == "affiliation":
        return Credit("right", f"credited to {written}, where {quote.speaker.name} speaks for it")
    if how:
        return Credit("right")
    if quote.relayed_by and names_person(written, quote.relayed_by.name, quote.relayed_by.aliases):
        return Credit("right", f"credited to {quote.relayed_by.name}, who relayed {quote.speaker.name}'s words")
    if attribution.relayed_by and _names_in(attribution.relayed_by, quote.speaker):
        return Credit("right", f"credited to {written} as relayed by {attribution.relayed_by}; the corpus has"
                               f" these words from {quote.speaker.name}")
    if attribution.via == "nested":
        # words quoted inside another speaker's quotation: that speaker's claim, not the draft's
        return Credit("unidentified", f"quoted inside another quotation as {written}'s; the corpus has these"
                                      f" words from {quote.speaker.name}")
    if is_body(name) and not quote.speaker.affiliations and not people_named(corpus, name):
        # A body credited for words the corpus has from a person ("the League said"): the person may
        # well speak for it, but the corpus does not say whom they speak for, so this cannot be checked
        # (a body that is itself a corpus speaker is identified, and is someone else).
        return Credit("unidentified", f"credited to {name}, not a person; the corpus has these words from"
                                      f" {quote.speaker.name}, and does not say whom they speak for")
    if name is None or not parse_name(name).surname:
        # A description the text never tied to a name ("a White House spokesman") can be the
        # speaker, but cannot be checked: the editor is told whose words the corpus says they are.
        return Credit("unidentified", f"credited to “{mention}”, who could not be identified;"
                                      f" the corpus has these words from {quote.speaker.name}")
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
    credited to no named person (scare quotes). Words credited to a named person are speech,
    however short or capitalised ("Back off now," Pelosi said)."""
    if attribution is not None and attribution.via == "title":
        return False  # headlined "...", the story "..."
    named = attribution is not None and bool(attribution.name) and attribution.via != "subject"
    if named:
        return True
    words = [t.text for t in tokens if t.kind == "word"]
    major = [w for w in words if len(w) > 3]
    if major and all(w[:1].isupper() for w in major) and len(words) <= 8:
        return False  # "Meet the Press", "Saturday Night Live"
    return len(words) > 3


def judge(quotation: Quotation, attribution: Attribution | None, tokens: list[Token],
          alignments: list[Scored], corpus: Corpus, accepted: bool = False) -> Finding | None:
    """Return the finding for one quotation, or None when it is not speech and matches nothing.

    `accepted`: the alignments are already known to be close (a short fragment
    found among the credited speaker's own quotes).
    """
    close = alignments if accepted else [s for s in alignments if matches(s, tokens)]
    if not close:
        if not looks_like_speech(quotation, attribution, tokens):
            return None
        credited = attribution is not None and (attribution.name or "").strip()
        best = alignments[0].alignment.score if alignments else 0.0
        return Finding(quotation, attribution, "unverified", "warning" if credited else "info",
                       score=best, notes=["no quote in the corpus is close enough to check these words"])
    # Among equally good matches, prefer one by the person the draft credits.
    best_cost = close[0].cost
    tied = [s for s in close if s.cost <= best_cost or s.exact]
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
    whole = chosen.matched >= chosen.original_words  # the draft holds all of the corpus quote's words
    far = alignment.coverage < ACCUSE_COVERAGE and not whole
    if far and (chosen_credit.verdict == "wrong" or len(drifted) >= REWRITTEN_CHANGES):
        # The draft's own words outweigh what it shares with part of someone else's quote: that is
        # not evidence that the words are theirs (all of their quote inside the draft is); and a
        # sentence with three separate changes and a fifth of its words new is another sentence.
        return Finding(quotation, attribution, "unverified", "warning", score=alignment.score,
                       notes=[f"the closest quote in the corpus, from {quote.speaker.name}, shares only"
                              f" {chosen.matched} of these {chosen.words} words"])
    if chosen_credit.verdict == "wrong":
        verdict, severity = "misattributed", "error" if attribution and attribution.explicit else "warning"
        if severity == "warning":
            how = VIA_WORDS.get(attribution.via, attribution.via)
            notes.append(f"the credit to {attribution.name or attribution.mention} is inferred ({how}), not stated"
                         " beside the quotation: check who said it")
    elif drifted:
        verdict, severity = "drift", severity_of(drifted)
    elif chosen_credit.verdict == "unidentified":
        verdict, severity = "verified", "warning"
    else:
        verdict, severity = "verified", "ok"
    speaker = quote.speaker.name if quote.speaker.named else None  # a transcript's unnamed speaker is no one
    return Finding(quotation, attribution, verdict, severity, speaker=speaker,
                   source=quote.source, original=alignment.original, score=alignment.score,
                   changes=list(alignment.changes), notes=notes, at=alignment.said_at)
