"""The whole check for one document: find, attribute, match, judge.

This is the library API the CLI, the service and the tests call.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field, replace

from .align import draft_tokens
from .attribute import attribute_quotations
from .find import find_quotations
from .judge import judge, matches, speakers_for
from .match import best_alignments, best_first, speaker_fragment_alignments
from .models import Attribution, Finding, Quotation
from .read import Document
from .store import CorpusReader as Corpus
from .together import Together


@dataclass(frozen=True)
class AttributedQuotation:
    """A quotation found in a document with who the document credits it to."""

    quotation: Quotation
    attribution: Attribution | None
    line: int
    column: int
    end_line: int
    end_column: int

    def to_json(self) -> dict:
        """Return the `quotes --format json` object for this quotation."""
        return {
            "text": self.quotation.text,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "attribution": self.attribution.to_json() if self.attribution else None,
        }


def reading_text(text: str) -> str:
    """Return `text` with hard-wrapped lines joined, offsets unchanged.

    Where paragraphs are separated by blank lines, a lone line break inside a
    paragraph is only wrapping: it becomes a space (same length, so every
    offset still points at the same character).
    """
    if "\n\n" not in text.strip():
        return text
    return re.sub(r"(?<=[^\n])\n(?=[^\n])", " ", text)


def quotations_in(document: Document) -> list[AttributedQuotation]:
    """Return every quotation in the document with its attribution and file positions."""
    unwrapped = reading_text(document.text)
    quotations = [
        replace(q, text=document.text[q.start:q.end]) for q in find_quotations(unwrapped)
    ]
    attributions = attribute_quotations(unwrapped, quotations)
    out = []
    for quotation, attribution in zip(quotations, attributions, strict=True):
        line, column = document.line_column(quotation.start)
        end_line, end_column = document.line_column(max(quotation.end - 1, quotation.start))
        if quotation.end > quotation.start:
            end_column += 1  # end_column points just past the last character
        out.append(AttributedQuotation(quotation, attribution, line, column, end_line, end_column))
    return out


def summary_counts(findings: list[Finding]) -> dict[str, int]:
    """Return the count of findings for each verdict."""
    counts = {"verified": 0, "drift": 0, "misattributed": 0, "unverified": 0}
    for finding in findings:
        counts[finding.verdict] = counts.get(finding.verdict, 0) + 1
    return counts


@dataclass
class FileReport:
    """The findings for one document."""

    path: str
    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)
    unit: str = "line"  # what `line` counts: "paragraph" in a Word document
    places: dict[int, str] = field(default_factory=dict)  # line -> where it is outside the body ("footnote 2")

    def where(self, line: int) -> str:
        """Return how the report names a line to a person: "paragraph 3", "paragraph 14 (footnote 1)" or "line 3"."""
        place = self.places.get(line)
        return f"{self.unit} {line}" + (f" ({place})" if place else "")

    def to_json(self) -> dict:
        """Return the DESIGN.md `files[]` object (`warnings` added only when there are some)."""
        out: dict = {"path": self.path, "quotes": [f.to_json() for f in self.findings]}
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


MEMO_LIMIT = 50_000


def check_document(document: Document, corpus: Corpus, memo: dict | None = None,
                   sources: Corpus | None = None) -> FileReport:
    """Return the findings for every quotation in a document, checked against the corpus (and against
    `sources`, the transcripts and articles given with `check --source`, searched together with it).

    `memo` (optional, for batches over one unchanging corpus) remembers the
    finding for each quotation wording and credit, so a quotation repeated
    across drafts is matched once.
    """
    corpus.refresh()  # another process may have added quotes since the last document
    findings: list[Finding] = []
    found_all = quotations_in(document)
    warnings = list(document.warnings) + unbalanced_marks(document.text, found_all)
    for found in found_all:
        finding = _memoised(found.quotation, found.attribution, corpus, memo, sources)
        if finding is None:
            continue
        finding.line, finding.column = found.line, found.column
        finding.end_line, finding.end_column = found.end_line, found.end_column
        for suppression in document.suppressions:
            if suppression.covers(found.quotation.start, finding.verdict):
                finding.suppressed = suppression.to_json()
                break
        findings.append(finding)
    unit = "paragraph" if document.kind == "docx" else "line"
    return FileReport(document.path, findings, warnings, unit, dict(document.places))


def unbalanced_marks(text: str, found: list[AttributedQuotation]) -> list[str]:
    """Return a warning for each quotation whose marks do not balance: one never closed (read to
    its paragraph's end), or one "closed" by a mark that opens the next quotation (space before it,
    a word after: `"Back off, Pelosi said. "We will...`)."""
    out = []
    for item in found:
        quotation = item.quotation
        if quotation.depth:
            continue
        where = f"line {item.line}, column {item.column}"
        if not quotation.close_mark and not quotation.continues:
            out.append(f"{where}: a quotation is opened and never closed; it was read to the end of its paragraph")
        elif _mark_opens_next(text, quotation.end, quotation.close_mark):
            out.append(f"{where}: the quotation's closing mark looks like the opening of the next one;"
                       " a closing mark may be missing")
    return out


def _memoised(quotation: Quotation, attribution: Attribution | None, corpus: Corpus,
              memo: dict | None, sources: Corpus | None = None) -> Finding | None:
    if memo is None:
        return check_quotation(quotation, attribution, corpus, sources)
    credit = None if attribution is None else (
        attribution.mention, attribution.name, attribution.cue, attribution.relayed_by, attribution.via)
    key = (quotation.text, quotation.open_mark, quotation.close_mark, quotation.depth, credit)
    if key not in memo:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = check_quotation(quotation, attribution, corpus, sources)
        # Kept pickled: bytes are invisible to the garbage collector, while the finding's objects made a
        # full collection of a service worker's memo take 70 ms (an unpickled copy costs ~15 us a hit).
        memo[key] = None if found is None else pickle.dumps(found, pickle.HIGHEST_PROTOCOL)
    known = memo[key]
    if known is None:
        return None
    finding = pickle.loads(known)
    finding.quotation = quotation
    return finding


def check_quotation(quotation: Quotation, attribution: Attribution | None, corpus: Corpus,
                    sources: Corpus | None = None) -> Finding | None:
    """Return the finding for one quotation (None when it is not speech and matches nothing), against
    the corpus and, when given, the `check --source` files' corpus: the best alignments of both."""
    tokens = draft_tokens(quotation.text)
    if not any(t.kind == "word" for t in tokens):
        return None
    credited = attribution.name if attribution and attribution.name else None
    names = corpus if sources is None else Together(sources, corpus)
    speaker_ids = [s.id for s, _ in speakers_for(names, credited)] if credited else []  # type: ignore[arg-type]
    searched = (corpus,) if sources is None else (sources, corpus)
    alignments = [scored for store in searched
                  for scored in best_alignments(store, tokens, speaker_ids, accept=lambda s: matches(s, tokens))]
    alignments.sort(key=best_first)
    if speaker_ids and not any(matches(scored, tokens) for scored in alignments):
        near = sorted((scored for store in searched
                       for scored in speaker_fragment_alignments(store, tokens, speaker_ids)), key=best_first)
        if near:
            return judge(quotation, attribution, tokens, near, names, accepted=True)  # type: ignore[arg-type]
    return judge(quotation, attribution, tokens, alignments, names)  # type: ignore[arg-type]


def summary(reports: list[FileReport]) -> dict[str, int]:
    """Return the DESIGN.md summary: files, quotes, and a count for each verdict."""
    findings = [f for r in reports for f in r.findings]
    counts = {"files": len(reports), "quotes": len(findings), **summary_counts(findings)}
    suppressed = sum(1 for f in findings if f.suppressed)
    if suppressed:
        counts["suppressed"] = suppressed  # findings still counted under their verdict, but accepted
    return counts


def _mark_opens_next(text: str, end: int, mark: str) -> bool:
    """Return True when the closing mark after `end` has a space before it and a word after it."""
    gap = len(text[end:end + 4]) - len(text[end:end + 4].lstrip(" \u00a0"))
    at = end + gap
    return gap > 0 and text[at:at + 1] == mark and text[at + 1:at + 2].isalnum()
