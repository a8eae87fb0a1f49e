"""The whole check for one document: find, attribute, match, judge.

This is the library API the CLI, the service and the tests call.
"""

from __future__ import annotations

from dataclasses import dataclass

from .attribute import attribute_quotations
from .find import find_quotations
from .models import Attribution, Finding, Quotation
from .read import Document


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


def quotations_in(document: Document) -> list[AttributedQuotation]:
    """Return every quotation in the document with its attribution and file positions."""
    quotations = find_quotations(document.text)
    attributions = attribute_quotations(document.text, quotations)
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
