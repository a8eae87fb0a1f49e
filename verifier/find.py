"""Find quotations in text. (Naive first version: straight and curly double quotes.)"""

from __future__ import annotations

import re

from .models import Quotation

_DOUBLE = re.compile(r'["“]([^"”\n]+)["”]')


def find_quotations(text: str) -> list[Quotation]:
    """Return the quotations in `text`, in order of their opening marks."""
    out = []
    for m in _DOUBLE.finditer(text):
        out.append(Quotation(text=m.group(1), start=m.start(1), end=m.end(1),
                             open_mark=text[m.start()], close_mark=text[m.end() - 1]))
    return out
