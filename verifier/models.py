"""The small records that flow between the steps of the data flow.

draft text -> Quotation (find) -> Attribution (attribute) -> Candidate (match)
-> Alignment/Change (align, drift) -> Finding (judge) -> report.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Quotation:
    """A stretch of quoted words found in a text.

    `start`/`end` are offsets into the text the finder was given: the first
    character inside the opening mark and the character after the last one
    inside the closing mark (so `text == source[start:end]`).
    """

    text: str
    start: int
    end: int
    open_mark: str = '"'
    close_mark: str = '"'  # "" when the quote was never closed
    depth: int = 0  # 0 for an outer quotation, 1 for one nested inside another
    parent: int | None = None  # index of the enclosing quotation, for nested ones


@dataclass(frozen=True)
class Attribution:
    """Who a text credits a quotation to.

    `mention` is the words as written ("she", "the spokesman", "Nancy Pelosi");
    `name` is the person or body they resolve to, or None when unresolved.
    `cue` is the verb or phrase that ties them ("said", "according to", ":").
    """

    mention: str
    name: str | None
    cue: str
    relayed_by: str | None = None  # "according to an advocate" when someone else relays
    # How the credit was reached: "cue" (a name beside a cue in the quotation's own sentence), "pronoun",
    # "description" ("the spokesman"), "previous" (an earlier quotation's speaker: split or floating
    # quotes), "subject" (the sentence's subject, no cue), "nested" (the outer speaker's words), "headline"
    # (a cue inside a Title Case headline), "title" (the quoted words are a title, not speech).
    via: str = "cue"

    @property
    def explicit(self) -> bool:
        """Return True when the draft names the speaker beside the quotation (not inferred)."""
        return self.via == "cue"

    def to_json(self) -> dict:
        """Return the DESIGN.md `attribution` object."""
        out: dict = {"name": self.name, "mention": self.mention, "cue": self.cue, "via": self.via}
        if self.relayed_by:
            out["relayed_by"] = self.relayed_by
        return out


@dataclass(frozen=True)
class Speaker:
    """A person or body in the corpus, with the other names a text may use."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    role: str | None = None
    affiliations: tuple[str, ...] = ()
    gender: str | None = None  # "m", "f" or None; helps resolve pronouns
    qid: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a corpus quote was published."""

    id: str
    publisher: str
    title: str
    date: str | None = None
    url: str | None = None

    def to_json(self) -> dict:
        """Return the DESIGN.md `source` object."""
        return {"publisher": self.publisher, "title": self.title, "date": self.date, "url": self.url}


@dataclass(frozen=True)
class CorpusQuote:
    """A verbatim quote as stored: its words, who said it, where, and how."""

    id: str
    text: str
    speaker: Speaker
    source: Source
    context: str | None = None  # the sentence the quote came from
    relayed_by: Speaker | None = None  # for second-hand quotes: who reported them


@dataclass(frozen=True)
class Change:
    """One word-level difference between a draft quotation and its original."""

    kind: str  # replaced inserted deleted elided bracketed spelling negation number
    draft: str
    original: str

    def to_json(self) -> dict:
        """Return the DESIGN.md `drift` entry."""
        return {"kind": self.kind, "draft": self.draft, "original": self.original}


@dataclass(frozen=True)
class Alignment:
    """How a draft quotation lines up with a stretch of a corpus quote."""

    quote: CorpusQuote
    original: str  # the stretch of the corpus quote the draft aligns to
    score: float  # 0-100
    coverage: float  # share of the draft's words found in the original, 0-1
    changes: tuple[Change, ...] = ()


@dataclass
class Finding:
    """The checker's answer for one quotation in a draft."""

    quotation: Quotation
    attribution: Attribution | None
    verdict: str  # verified drift misattributed unverified
    severity: str  # ok info warning error
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    speaker: str | None = None
    source: Source | None = None
    original: str | None = None
    score: float = 0.0
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suppressed: dict | None = None  # {"verdicts", "reason", "line"} when an inline comment accepts it

    def to_json(self) -> dict:
        """Return the DESIGN.md quote object (with `suppressed` only when a comment accepted it)."""
        out = {
            "text": self.quotation.text,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "attribution": self.attribution.to_json() if self.attribution else None,
            "verdict": self.verdict,
            "severity": self.severity,
            "speaker": self.speaker,
            "source": self.source.to_json() if self.source else None,
            "original": self.original,
            "score": round(self.score),
            "drift": [c.to_json() for c in self.changes],
            "notes": list(self.notes),
        }
        if self.suppressed:
            out["suppressed"] = dict(self.suppressed)
        return out
