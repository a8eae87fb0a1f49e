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
    # a paragraph of a quotation that goes on in the next paragraph (which opens with a mark again and
    # holds the next Quotation): its own words, with no closing mark of its own by convention
    continues: bool = False


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

    @property
    def named(self) -> bool:
        """Return False for the stand-in under which a transcript's unnamed speakers are stored (id "~...")."""
        return not self.id.startswith("~")


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
    context: str | None = None  # the sentence the quote came from (a transcript turn: the speaker's label)
    relayed_by: Speaker | None = None  # for second-hand quotes: who reported them
    cues: tuple[tuple[int, float], ...] = ()  # a transcript turn's (offset in text, start in seconds)

    def said_at(self, offset: int) -> float | None:
        """Return when the words starting at `offset` of the text began to be said: the start, in
        seconds, of the cue they fall in (None for a quote without times)."""
        started = [start for at, start in self.cues if at <= offset]
        return started[-1] if started else (self.cues[0][1] if self.cues else None)


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
    start: int = 0  # where `original` begins in the corpus quote's text

    @property
    def said_at(self) -> float | None:
        """Return the second at which the original's first word began to be said (None without times)."""
        return self.quote.said_at(self.start)


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
    at: float | None = None  # for a timed transcript: the second the matched words began to be said

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
            "source": self.source_json(),
            "original": self.original,
            "score": round(self.score),
            "drift": [c.to_json() for c in self.changes],
            "notes": list(self.notes),
        }
        if self.suppressed:
            out["suppressed"] = dict(self.suppressed)
        return out

    def source_json(self) -> dict | None:
        """Return the DESIGN.md `source` object with `at` ("HH:MM:SS" or None), and `url` pointing at
        that second (#t=SECONDS) when both are known; None when no source was found."""
        if self.source is None:
            return None
        out = self.source.to_json()
        out["at"] = clock(self.at) if self.at is not None else None
        if self.at is not None and out["url"]:
            out["url"] = f"{out['url'].split('#', 1)[0]}#t={int(self.at)}"
        return out


def clock(seconds: float) -> str:
    """Return seconds as "HH:MM:SS", whole seconds rounded down."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
