"""Render check results: text for people, JSON for other tools (the DESIGN.md contract)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from .check import FileReport, summary
from .drift import is_drift
from .models import Finding, clock

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


def _plain(text: str, **_: object) -> str:
    return text


def _source_line(finding: Finding) -> str:
    source = finding.source
    if source is None:
        return ""
    date = source.date or "undated"
    return f"{source.publisher}, “{source.title}” ({date})"


def _mark(text: str, parts: list[str], style: Style, colour: str) -> str:
    """Return `text` with each changed part highlighted (bold colour on a terminal, *stars* otherwise)."""
    out = text
    for part in parts:
        if part and part in out:
            styled = style(part, fg=colour, bold=True)
            if styled == part:
                styled = f"*{part}*"
            out = out.replace(part, styled, 1)
    return out


def finding_lines(finding: Finding, style: Style = _plain) -> list[str]:
    """Return the text lines that describe one finding."""
    verdict = finding.verdict
    head = style(f"{MARKS[verdict]} {verdict}", fg=COLOURS[verdict], bold=True)
    if verdict == "drift":
        head += f" ({finding.severity})"
    lines = [f"  {finding.line}:{finding.column}  {head}  “{' '.join(finding.quotation.text.split())}”"]
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
        if change.kind == "elided":
            lines.append(f"      elided:      … stands for “{change.original}”")
        elif change.kind == "bracketed":
            was = f"“{change.original}”" if change.original else "nothing (a clarification)"
            lines.append(f"      bracketed:   {change.draft} stands for {was}")
        elif change.kind in ("inserted",):
            lines.append(f"      {change.kind + ':':<12} “{change.draft}” is not in the original")
        elif change.kind == "deleted":
            lines.append(f"      {change.kind + ':':<12} “{change.original}” left out, with no ellipsis")
        elif not change.draft:
            lines.append(f"      {change.kind + ':':<12} “{change.original}” left out")
        elif not change.original:
            lines.append(f"      {change.kind + ':':<12} “{change.draft}” added")
        else:
            lines.append(f"      {change.kind + ':':<12} “{change.draft}” where the original says "
                         f"“{change.original}”")
    for note in finding.notes:
        lines.append(f"      note:        {note}")
    if finding.suppressed:
        reason = finding.suppressed.get("reason") or "no reason given"
        lines.append(f"      suppressed:  accepted by the comment on line {finding.suppressed.get('line')} — {reason}")
    return lines


def to_text(reports: list[FileReport], style: Style = _plain) -> str:
    """Return the human-readable report, grouped by file, ending with a summary line."""
    lines: list[str] = []
    for report in reports:
        lines.append(style(report.path, bold=True))
        if not report.findings:
            lines.append("  no quotations to check")
        for finding in report.findings:
            lines.extend(finding_lines(finding, style))
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
    return "\n".join(lines)
