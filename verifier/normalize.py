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

# Characters that are never part of a word, so they may as well be spaces: everything ASCII but letters,
# digits, [.,:] (which join digits) and the apostrophe; "%" too (it only ever ends a number, and keys
# drop it); and common non-ASCII punctuation and spaces. The curly apostrophe becomes a straight one,
# which changes no word (WORD_RE takes either) and no key (`fold` turns one into the other).
_ASCII_SPACES = bytes(c if chr(c).isalnum() or chr(c) in ".,:'" else 32 for c in range(128)) + b" " * 128
_SPACES = "\u2014\u2013\u2012\u2015\u201c\u201d\u201e\u2018\u00ab\u00bb\u2026\u2022\u00a0\u2009\u202f\u00b7"
_DIGIT_LETTER = re.compile(r"\d[a-z]")


def _pieces(text: str) -> tuple[list[str], bool]:
    """Return the whitespace-separated pieces of `text` whose words are the words of `text` in order (with
    as little else in them as is cheap to remove, so that few distinct pieces recur), and whether each
    piece is a word that is its own key.

    No word spans whitespace (WORD_RE matches none of the characters `str.split`
    splits at), so the words of the text are the words of its pieces in order.
    """
    if not text.isascii():
        for ch in _SPACES:
            if ch in text:
                text = text.replace(ch, " ")
        text = text.replace("\u2019", "'")
        if not text.isascii():
            return text.split(), False
    # lower-casing ASCII changes no word boundary; [.,:] join digits only when a digit follows
    text = text.lower().encode().translate(_ASCII_SPACES).decode().rstrip(".,:")
    text = text.replace(", ", " ").replace(". ", " ").replace(": ", " ")
    # left with letters and digits only, each piece is one word and its own key, unless it is "cannot"
    # or a number runs into letters ("3rd" is "3" and "rd")
    plain = not ("'" in text or "." in text or "," in text or ":" in text or "cannot" in text
                 or _DIGIT_LETTER.search(text))
    return text.split(), plain


def index_words(text: str) -> list[str]:
    """Return the keys of `text` in order, exactly `keys(text)`, from the cached keys of its pieces."""
    pieces, plain = _pieces(text)
    return pieces if plain else list(chain.from_iterable(map(_CHUNK_KEYS.__getitem__, pieces)))


def index_text(text: str) -> str:
    """Return the text the full-text index stores for a quote: its keys joined by spaces."""
    return " ".join(index_words(text))
