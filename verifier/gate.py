"""The publishing gate: does a set of findings reach the --fail-on threshold?"""

from __future__ import annotations

from .check import FileReport
from .models import Finding

FAIL_ON = ("misattributed", "drift", "unverified", "never")


def blocks(finding: Finding, fail_on: str) -> bool:
    """Return True when this one finding is at or above the threshold.

    misattributed: misattributed quotes and drift at error severity (a credit
    stated beside the quotation; a negation or number change); drift: any
    misattribution or drift, including credits the tool inferred; unverified:
    anything not verified; never: nothing.
    A finding an editor accepted inline (suppressed) never blocks.
    """
    if finding.suppressed or fail_on == "never":
        return False
    verdict = finding.verdict
    if verdict in ("misattributed", "drift") and finding.severity == "error":
        return True
    if fail_on in ("drift", "unverified") and verdict in ("misattributed", "drift"):
        return True
    return fail_on == "unverified" and verdict == "unverified"


def blocking(reports: list[FileReport], fail_on: str) -> list[Finding]:
    """Return the findings at or above the threshold, in report order."""
    return [finding for report in reports for finding in report.findings if blocks(finding, fail_on)]


def fails(reports: list[FileReport], fail_on: str) -> bool:
    """Return True when any finding is at or above the threshold (see `blocks`)."""
    return any(blocks(finding, fail_on) for report in reports for finding in report.findings)


def verdict_line(reports: list[FileReport], fail_on: str, unreadable: int = 0) -> str:
    """Return the gate's decision in one line: passed or blocked, at which threshold, and why."""
    threshold = f"--fail-on {fail_on}"
    if unreadable:
        return f"gate: not decided at {threshold}: {unreadable} file(s) could not be read"
    found = blocking(reports, fail_on)
    if found:
        return f"gate: blocked at {threshold}: {len(found)} finding(s) at or above it"
    return f"gate: passed at {threshold}"
