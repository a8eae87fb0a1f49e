"""Words with positions, and the normalised keys used to compare and index them.

A word's `key` is what matching and the full-text index compare: lower case,
accents folded, one apostrophe style, digit separators dropped ("We’re" ->
"we're", "410,000" -> "410000"), so quote-mark style, case and punctuation
never count as differences. (The FTS5 tokenizer splits keys at apostrophes
for the index and for queries alike, so the two stay consistent.)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

WORD_RE = re.compile(r"\d+(?:[.,:]\d+)*%?|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
ELLIPSIS_RE = re.compile(r"…|\.\s?\.\s?\.(?:\s?\.)?")
BRACKET_RE = re.compile(r"\[[^\[\]\n]{0,200}\]")


@dataclass(frozen=True)
class Word:
    """A word of a text: its key for comparing, and where it stands.

    A contraction is split into the words it stands for ("we're" -> "we",
    "are"), each part keeping the contraction's span and its key in `form`, so
    "we are" aligns with "we're" and the difference can still be reported.
    """

    key: str
    start: int
    end: int
    form: str = ""


_NOT_STEMS = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}
_ENDINGS = {"'re": "are", "'m": "am", "'ve": "have", "'ll": "will", "'d": "would"}
_IS_PRONOUNS = frozenset("it he she that there here what who where how".split())


@lru_cache(maxsize=200_000)
def expand(key: str) -> tuple[str, ...]:
    """Return the words a contraction stands for ("don't" -> ["do", "not"]), or [key]."""
    if key == "cannot":
        return ("can", "not")
    if "'" not in key:
        return (key,)
    if key.endswith("n't") and len(key) > 3:
        stem = key[:-3]
        return (_NOT_STEMS.get(stem, stem), "not")
    for ending, word in _ENDINGS.items():
        if key.endswith(ending) and len(key) > len(ending):
            return (key[: -len(ending)], word)
    if key.endswith("'s") and key[:-2] in _IS_PRONOUNS:
        return (key[:-2], "is")
    if key == "let's":
        return ("let", "us")
    return (key,)


def fold(text: str) -> str:
    """Return `text` lower-cased with accents removed and apostrophes unified."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")


@lru_cache(maxsize=200_000)
def word_key(token: str) -> str:
    """Return the comparison key of one token: folded, digit separators dropped, apostrophes kept."""
    return re.sub(r"[.,:%]", "", fold(token))


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """Return the words of `text[start:end]` with their positions in `text`."""
    out = []
    for match in WORD_RE.finditer(text, start, len(text) if end is None else end):
        key = word_key(match.group())
        if not key:
            continue
        parts = expand(key)
        if len(parts) == 1:
            out.append(Word(key, match.start(), match.end()))
        else:
            out.extend(Word(part, match.start(), match.end(), key) for part in parts)
    return out


def keys(text: str) -> list[str]:
    """Return just the keys of the words of `text`."""
    return [w.key for w in words(text)]


class _ChunkKeys(dict):
    """The keys of each whitespace-free piece of text ("Don't," -> ("do", "not")), computed once per
    distinct piece and kept until `limit` pieces are known (then forgotten all at once)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        if len(self) >= self.limit:
            self.clear()
        found = self[chunk] = tuple(part for token in WORD_RE.findall(chunk) if (key := word_key(token))
                                    for part in expand(key))
        return found


_CHUNK_KEYS = _ChunkKeys(200_000)


def index_words(text: str) -> list[str]:
    """Return the keys of `text` in order, exactly `keys(text)`, computed a whitespace-separated piece at a time.

    No word spans whitespace (WORD_RE matches none of the characters `str.split`
    splits at), so the words of the text are the words of its pieces in order;
    a piece's keys are cached (most pieces recur). Lower-casing pure ASCII
    first changes no word boundary, and makes fewer distinct pieces.
    """
    if text.isascii():
        text = text.lower()
    return list(chain.from_iterable(map(_CHUNK_KEYS.__getitem__, text.split())))


def index_text(text: str) -> str:
    """Return the text the full-text index stores for a quote: its keys joined by spaces."""
    if text.isascii():
        text = text.lower()
    return " ".join(chain.from_iterable(map(_CHUNK_KEYS.__getitem__, text.split())))
