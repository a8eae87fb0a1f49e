"""Work out who a text credits each quotation to. (Placeholder: no attribution yet.)"""

from __future__ import annotations

from .models import Attribution, Quotation


def attribute_quotations(text: str, quotations: list[Quotation]) -> list[Attribution | None]:
    """Return, for each quotation, who the text credits it to (None if no one)."""
    return [None for _ in quotations]
