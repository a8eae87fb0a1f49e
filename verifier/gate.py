"""The publishing gate: does a set of findings reach the --fail-on threshold?"""

from __future__ import annotations

from .check import FileReport


def fails(reports: list[FileReport], fail_on: str) -> bool:
    """Return True when any finding is at or above the threshold.

    misattributed: misattributed quotes and error-severity drift (negation,
    number); drift: any drift too; unverified: anything not verified; never: nothing.
    """
    for report in reports:
        for finding in report.findings:
            if finding.suppressed:
                continue  # an editor accepted it inline, with (or warned for lacking) a reason
            verdict = finding.verdict
            if fail_on == "never":
                return False
            if verdict == "misattributed" or (verdict == "drift" and finding.severity == "error"):
                return True
            if fail_on in ("drift", "unverified") and verdict == "drift":
                return True
            if fail_on == "unverified" and verdict == "unverified":
                return True
    return False
