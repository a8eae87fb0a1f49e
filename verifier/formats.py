"""Machine formats for CI: SARIF 2.1.0 (code scanning) and GitHub Actions workflow commands.

Text and JSON live in report.py. Both formats here report every finding that
is not `verified`; a finding accepted by an inline comment is kept and marked
(SARIF `suppressions`, a GitHub notice), never dropped.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from . import __version__
from .check import FileReport, summary
from .drift import is_drift
from .models import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://pypi.org/project/quoteproof/"
LEVELS = {"error": "error", "warning": "warning", "info": "note", "ok": "note"}
GITHUB_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}
MAX_ANNOTATIONS = 10  # per level, as GitHub shows at most 10 of each for a step

RULES = [
    {
        "id": "misattributed",
        "name": "Misattributed",
        "shortDescription": {"text": "The words match a corpus quote, but the draft credits someone else."},
        "fullDescription": {"text": "The quoted words belong to a different speaker than the one the draft "
                                    "credits (after resolving pronouns, surnames, titles and aliases)."},
        "defaultConfiguration": {"level": "error"},
    },
    {
        "id": "drift",
        "name": "Drift",
        "shortDescription": {"text": "The quoted words differ from the original."},
        "fullDescription": {"text": "Words were replaced, inserted or deleted without an ellipsis; negation "
                                    "and number changes are errors, a fixed typo is a note."},
        "defaultConfiguration": {"level": "warning"},
    },
    {
        "id": "unverified",
        "name": "Unverified",
        "shortDescription": {"text": "No corpus quote is close enough to these words."},
        "fullDescription": {"text": "The quotation could not be found in the corpus: check it against the "
                                    "recording or the original publication."},
        "defaultConfiguration": {"level": "warning"},
    },
]
RULE_INDEX = {rule["id"]: i for i, rule in enumerate(RULES)}


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def describe(finding: Finding) -> str:
    """Return a one-paragraph explanation of a finding: the draft, the original, who and where."""
    draft = _words(finding.quotation.text)
    att = finding.attribution
    credited = (att.name or att.mention) if att else None
    source = finding.source
    where = ""
    if source:
        where = f"{source.publisher}, “{source.title}”" + (f" ({source.date})" if source.date else "")
    if finding.verdict == "misattributed":
        text = f"“{draft}” is credited to {credited or 'someone'}, but the corpus has these words from " \
               f"{finding.speaker}"
    elif finding.verdict == "drift":
        kinds = ", ".join(dict.fromkeys(c.kind for c in finding.changes if is_drift(c)))
        text = f"“{draft}” differs from what {finding.speaker} said ({kinds})"
    else:
        text = f"“{draft}” was not found in the corpus" + (f" (credited to {credited})" if credited else "")
    if where:
        text += f" — source: {where}"
    if finding.original and finding.verdict != "unverified":
        text += f". Original: “{_words(finding.original)}”"
    if finding.suppressed:
        text += f". Accepted inline: {finding.suppressed.get('reason') or 'no reason given'}"
    return text + ("" if text.endswith(".") else ".")


def _level(finding: Finding) -> str:
    return LEVELS.get(finding.severity, "warning")


def _uri(path: str) -> str:
    if path in ("-", "<text>"):
        return "stdin"
    return url_quote(path.replace(os.sep, "/"))


# Where a file's warning points, as its text says it: "line 3, column 5: ...", "draft.md:3: ...",
# "story.docx: paragraph 4: ..."
_WARNING_PLACE = re.compile(r"\bline (\d+), column (\d+)|:(\d+): |: paragraph (\d+): ")


def _warning_region(warning: str) -> tuple[int, int | None] | None:
    """Return (line, column or None) a warning names, or None when it names no place."""
    m = _WARNING_PLACE.search(warning)
    if not m:
        return None
    if m.group(1):
        return int(m.group(1)), int(m.group(2))
    return int(m.group(3) or m.group(4)), None


def _warning_notification(report: FileReport, warning: str) -> dict:
    """Return a SARIF notification for a file's warning, located in the file (and at its line) when it can be."""
    location: dict = {"physicalLocation": {"artifactLocation": {"uri": _uri(report.path)}}}
    region = _warning_region(warning)
    if region:
        location["physicalLocation"]["region"] = {"startLine": region[0]} | (
            {"startColumn": region[1]} if region[1] else {})
    return {"level": "warning", "message": {"text": warning}, "locations": [location]}


def _github_warning(report: FileReport, warning: str) -> str:
    """Return a GitHub workflow command for a file's warning, at its line when it names one."""
    region = _warning_region(warning)
    place = f",line={region[0]}" + (f",col={region[1]}" if region[1] else "") if region else ""
    return f"::warning file={_escape_property(report.path)}{place},title=quoteproof::{_escape_data(warning)}"


def _reportable(reports: list[FileReport]) -> list[tuple[FileReport, Finding]]:
    return [(r, f) for r in reports for f in r.findings if f.verdict != "verified"]


def to_sarif(reports: list[FileReport], errors: list[str] | None = None) -> dict:
    """Return a SARIF 2.1.0 log: one rule per verdict kind, one result per finding not verified."""
    results = []
    for report, finding in _reportable(reports):
        message = describe(finding)
        if report.unit != "line":  # a Word document: line and column are a paragraph and a character in it
            message = f"{report.where(finding.line)}: {message}"
        result: dict = {
            "ruleId": finding.verdict,
            "ruleIndex": RULE_INDEX[finding.verdict],
            "level": _level(finding),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(report.path)},
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.end_line,
                        "endColumn": finding.end_column,
                        "snippet": {"text": finding.quotation.text},
                    },
                }
            }],
            "properties": {
                "severity": finding.severity,
                "speaker": finding.speaker,
                "original": finding.original,
                "source": finding.source.to_json() if finding.source else None,
                "score": round(finding.score),
                "drift": [c.to_json() for c in finding.changes],
            },
        }
        if finding.suppressed:
            suppression: dict = {"kind": "inSource", "status": "accepted"}
            if finding.suppressed.get("reason"):
                suppression["justification"] = finding.suppressed["reason"]
            result["suppressions"] = [suppression]
        results.append(result)
    notifications = [{"level": "error", "message": {"text": error}} for error in errors or []]
    notifications += [_warning_notification(r, warning) for r in reports for warning in r.warnings]
    invocation: dict = {"executionSuccessful": not errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "quoteproof", "version": __version__, "informationUri": INFO_URI,
                                "rules": RULES}},
            "invocations": [invocation],
            "results": results,
            "properties": {"summary": summary(reports)},
        }],
    }


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass
class GitHubOutput:
    """What the github format produces: workflow-command lines and a step-summary table."""

    lines: list[str]
    step_summary: str


def to_github(reports: list[FileReport], errors: list[str] | None = None) -> GitHubOutput:
    """Return workflow commands (at most 10 per level, the rest counted) and a Markdown summary."""
    shown = {"error": 0, "warning": 0, "notice": 0}
    hidden = {"error": 0, "warning": 0, "notice": 0}
    lines = []
    for error in errors or []:
        lines.append(f"::error title=quoteproof: unreadable::{_escape_data(error)}")
    for report, finding in _reportable(reports):
        level = "notice" if finding.suppressed else GITHUB_LEVELS[_level(finding)]
        if shown[level] >= MAX_ANNOTATIONS:
            hidden[level] += 1
            continue
        shown[level] += 1
        title = f"quoteproof: {finding.verdict}" + (" (suppressed)" if finding.suppressed else "")
        props = (f"file={_escape_property(report.path)},line={finding.line},col={finding.column},"
                 f"endLine={finding.end_line},endColumn={finding.end_column},title={_escape_property(title)}")
        lines.append(f"::{level} {props}::{_escape_data(describe(finding))}")
    for report in reports:
        for warning in report.warnings:
            lines.append(_github_warning(report, warning))
    counts = summary(reports)
    more = ", ".join(f"{n} more {level}(s)" for level, n in hidden.items() if n)
    lines.append(_summary_line(counts) + (f" ({more} not shown as annotations)" if more else ""))
    return GitHubOutput(lines, step_summary(reports, counts))


def _summary_line(counts: dict[str, int]) -> str:
    line = (f"quoteproof: {counts['quotes']} quotation(s) in {counts['files']} file(s): "
            f"{counts['verified']} verified, {counts['drift']} drift, {counts['misattributed']} misattributed, "
            f"{counts['unverified']} unverified")
    if counts.get("suppressed"):
        line += f", {counts['suppressed']} suppressed"
    return line


def _cell(text: str) -> str:
    return _words(text).replace("|", "\\|")


def step_summary(reports: list[FileReport], counts: dict[str, int] | None = None) -> str:
    """Return the Markdown appended to $GITHUB_STEP_SUMMARY: a count line and a table of findings."""
    counts = counts or summary(reports)
    out = ["### quoteproof", "", _summary_line(counts).removeprefix("quoteproof: ").capitalize(), ""]
    rows = _reportable(reports)
    if rows:
        out += ["| File | Line | Verdict | Draft | Original | Said by |", "|---|---|---|---|---|---|"]
        for report, f in rows:
            verdict = f.verdict + (f" ({f.severity})" if f.verdict == "drift" else "")
            if f.suppressed:
                verdict += f" — suppressed: {f.suppressed.get('reason') or 'no reason'}"
            said = f.speaker or ""
            if f.source:
                said += f", {f.source.publisher}"
            out.append(f"| {_cell(report.path)} | {f.line}:{f.column} | {_cell(verdict)} | {_cell(f.quotation.text)} "
                       f"| {_cell(f.original or '')} | {_cell(said)} |")
    return "\n".join(out) + "\n"
