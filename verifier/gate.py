"""The publishing gate: does a set of findings reach the --fail-on threshold?"""

from __future__ import annotations

from .check import FileReport


def fails(reports: list[FileReport], fail_on: str) -> bool:
    """Return True when any finding is at or above the threshold.

    misattributed: misattributed quotes and drift at error severity (a credit
    stated beside the quotation; a negation or number change); drift: any
    misattribution or drift, including credits the tool inferred; unverified: anything not verified; never: nothing.
    """
    for report in reports:
        for finding in report.findings:
            if finding.suppressed:
                continue  # an editor accepted it inline, with (or warned for lacking) a reason
            verdict = finding.verdict
            if fail_on == "never":
                return False
            if verdict in ("misattributed", "drift") and finding.severity == "error":
                return True
            if fail_on in ("drift", "unverified") and verdict in ("misattributed", "drift"):
                return True
            if fail_on == "unverified" and verdict == "unverified":
                return True
    return False
