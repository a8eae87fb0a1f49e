"""Words with positions, and the normalised keys used to compare and index them.

A word's `key` is what matching and the full-text index compare: lower case,
accents folded, apostrophes and digit separators dropped ("We’re" -> "were",
"410,000" -> "410000"), so quote-mark style, case and punctuation never count
as differences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WORD_RE = re.compile(r"\d+(?:[.,:]\d+)*%?|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
ELLIPSIS_RE = re.compile(r"…|\.\s?\.\s?\.(?:\s?\.)?")
BRACKET_RE = re.compile(r"\[[^\[\]\n]{0,200}\]")


@dataclass(frozen=True)
class Word:
    """A word of a text: its key for comparing, and where it stands."""

    key: str
    start: int
    end: int


def fold(text: str) -> str:
    """Return `text` lower-cased with accents removed and apostrophes unified."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")


def word_key(token: str) -> str:
    """Return the comparison key of one token: folded, apostrophes and separators dropped."""
    return re.sub(r"['.,:%]", "", fold(token))


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """Return the words of `text[start:end]` with their positions in `text`."""
    out = []
    for match in WORD_RE.finditer(text, start, len(text) if end is None else end):
        key = word_key(match.group())
        if key:
            out.append(Word(key, match.start(), match.end()))
    return out


def keys(text: str) -> list[str]:
    """Return just the keys of the words of `text`."""
    return [w.key for w in words(text)]


def index_text(text: str) -> str:
    """Return the text the full-text index stores for a quote: its keys joined by spaces."""
    return " ".join(keys(text))
