"""Render check results: text for people, JSON for other tools (the DESIGN.md contract)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable

from .check import FileReport, summary
from .drift import is_drift
from .gate import fails, verdict_line
from .models import Change, Finding, clock

MARKS = {"verified": "✓", "drift": "~", "misattributed": "✗", "unverified": "?"}
COLOURS = {"verified": "green", "drift": "yellow", "misattributed": "red", "unverified": "cyan"}
Style = Callable[..., str]


def to_json(reports: list[FileReport], errors: list[str] | None = None) -> str:
    """Return the `check --format json` document (`errors`: files that could not be read, only when any)."""
    doc: dict = {"version": 1, "files": [r.to_json() for r in reports], "summary": summary(reports)}
    if errors:
        doc["errors"] = list(errors)
    return json.dumps(doc, ensure_ascii=False, indent=1)


def wants_colour(stream, environ=None) -> bool:
    """Return True when output to `stream` should be coloured: a terminal, and NO_COLOR not set (no-color.org)."""
    environ = os.environ if environ is None else environ
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not environ.get("NO_COLOR")


def plain(text: str, **_: object) -> str:
    """Return `text` unstyled: the Style for output that is not a colour terminal."""
    return text


def _source_line(finding: Finding) -> str:
    source = finding.source
    if source is None:
        return ""
    date = source.date or "undated"
    return f"{source.publisher}, “{source.title}” ({date})"


def _mark(text: str, parts: list[str], style: Style, colour: str) -> str:
    """Return `text` with each changed part highlighted (bold colour on a terminal, *stars* otherwise)."""
    out: list[str] = []
    pos = 0
    for part in parts:  # in the order the changes come, each a whole word or words (not the "a" of "and")
        if not part:
            continue
        word = re.compile(rf"(?<!\w){re.escape(part)}(?!\w)")
        found = word.search(text, pos) or word.search(text)
        if found is None or found.start() < pos:
            continue
        styled = style(part, fg=colour, bold=True)
        out += [text[pos:found.start()], styled if styled != part else f"*{part}*"]
        pos = found.end()
    out.append(text[pos:])
    return "".join(out)


def describe_change(change: Change) -> tuple[str, str]:
    """Return how the report names one change and says what it is: ("negation", "“not” left out").

    static/page.js words changes the same way (tests/test_page_browser.py compares the two).
    """
    if change.kind == "elided":
        return "elided", f"… stands for “{change.original}”"
    if change.kind == "bracketed":
        was = f"“{change.original}”" if change.original else "nothing (a clarification)"
        return "bracketed", f"{change.draft} stands for {was}"
    if change.kind == "inserted":
        return change.kind, f"“{change.draft}” is not in the original"
    if change.kind == "deleted":
        return change.kind, f"“{change.original}” left out, with no ellipsis"
    if change.kind == "moved":
        return change.kind, f"“{change.draft}” is in the original, in another place"
    if not change.draft:
        return change.kind, f"“{change.original}” left out"
    if not change.original:
        return change.kind, f"“{change.draft}” added"
    return change.kind, f"“{change.draft}” where the original says “{change.original}”"


def suppression_phrase(suppressed: dict, report: FileReport | None = None) -> str:
    """Return what the report says of a finding accepted by an inline comment (a Word comment in a .docx)."""
    reason = suppressed.get("reason") or "no reason given"
    comment = f"comment on line {suppressed.get('line')}"
    if report is not None and report.unit != "line":
        comment = f"Word comment on {report.where(suppressed.get('line', 0))}"
    return f"accepted by the {comment} — {reason}"


def finding_lines(finding: Finding, style: Style = plain, report: FileReport | None = None) -> list[str]:
    """Return the text lines that describe one finding (positions named as `report` names them, if given)."""
    verdict = finding.verdict
    head = style(f"{MARKS[verdict]} {verdict}", fg=COLOURS[verdict], bold=True)
    if verdict == "drift":
        head += f" ({finding.severity})"
    where = f"{finding.line}:{finding.column}"
    if report is not None and report.unit != "line":
        where = f"{report.where(finding.line)}, character {finding.column}"
    lines = [f"  {where}  {head}  “{' '.join(finding.quotation.text.split())}”"]
    att = finding.attribution
    credited = "no one"
    if att:
        credited = att.name or att.mention
        if att.name and att.mention and att.mention != att.name:
            credited += f" (“{att.mention}”)"
    lines.append(f"      credited to: {credited}")
    said_at = f", at {clock(finding.at)}" if finding.at is not None else ""
    if finding.speaker:
        lines.append(f"      said by:     {finding.speaker} — {_source_line(finding)}{said_at}")
    elif finding.source:  # words a transcript's unnamed speaker said
        lines.append(f"      source:      {_source_line(finding)}{said_at}")
    drift = [c for c in finding.changes if is_drift(c)]
    if drift:
        draft = " ".join(finding.quotation.text.split())
        original = " ".join((finding.original or "").split())
        lines.append("      draft:       " + _mark(draft, [c.draft for c in drift], style, "red"))
        lines.append("      original:    " + _mark(original, [c.original for c in drift], style, "green"))
    for change in finding.changes:
        label, phrase = describe_change(change)
        lines.append(f"      {label + ':':<12} {phrase}")
    for note in finding.notes:
        lines.append(f"      note:        {note}")
    if finding.suppressed:
        lines.append(f"      suppressed:  {suppression_phrase(finding.suppressed, report)}")
    return lines


def to_text(reports: list[FileReport], style: Style = plain, fail_on: str | None = None, unreadable: int = 0) -> str:
    """Return the human-readable report, grouped by file, ending with a summary line and, given `fail_on`, the
    gate's decision at that threshold (`unreadable`: files that could not be read, which leave it undecided)."""
    lines: list[str] = []
    for report in reports:
        lines.append(style(report.path, bold=True))
        if not report.findings:
            lines.append("  no quotations to check")
        for finding in report.findings:
            lines.extend(finding_lines(finding, style, report))
        for warning in report.warnings:
            lines.append(f"  warning: {warning}")
        lines.append("")
    counts = summary(reports)
    lines.append(
        f"{counts['quotes']} quotation(s) in {counts['files']} file(s): {counts['verified']} verified, "
        f"{counts['drift']} drift, {counts['misattributed']} misattributed, "
        f"{counts['unverified']} unverified"
        + (f" ({counts['suppressed']} suppressed)" if counts.get("suppressed") else "")
    )
    if fail_on is not None:
        colour = "yellow" if unreadable else "red" if fails(reports, fail_on) else "green"
        lines.append(style(verdict_line(reports, fail_on, unreadable), fg=colour, bold=True))
    return "\n".join(lines)
