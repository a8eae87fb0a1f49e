"""The publishing gate: does a set of findings reach the --fail-on threshold?"""

from __future__ import annotations

from .check import FileReport
from .models import Finding

FAIL_ON = ("misattributed", "drift", "unverified", "never")


def blocks(finding: Finding, fail_on: str) -> bool:
    """Return True when this finding alone reaches the threshold.

    misattributed: misattributed quotes and error-severity drift (negation,
    number); drift: any drift too; unverified: anything not verified; never: nothing.
    A finding an editor accepted inline (a suppression comment) never blocks.
    """
    if finding.suppressed or fail_on == "never":
        return False
    verdict = finding.verdict
    if verdict == "misattributed" or (verdict == "drift" and finding.severity == "error"):
        return True
    if fail_on in ("drift", "unverified") and verdict == "drift":
        return True
    return fail_on == "unverified" and verdict == "unverified"


def fails(reports: list[FileReport], fail_on: str) -> bool:
    """Return True when any finding is at or above the threshold (see `blocks`)."""
    return any(blocks(finding, fail_on) for report in reports for finding in report.findings)
