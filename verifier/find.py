"""Find quotations in text: every mark style, nesting, split and multi-paragraph quotes.

The finder works in three linear passes over the quote marks only (located with
one regex, so long runs of plain text cost almost nothing):

1. outer quotations in double marks (straight, curly, „ “) and guillemets;
   a quotation left open at a paragraph end continues when the next paragraph
   opens with a mark, otherwise it is reported unclosed (`close_mark == ""`);
2. quotations nested inside those (single marks inside doubles, doubles inside
   guillemets);
3. outer quotations in single marks (British style, headlines) in the text
   the first pass left outside quotations; doubles they enclose become nested.

Apostrophes (don't, '90s, students', rock 'n' roll) and measurements (6'2",
a 12" pizza) are told apart from quote marks by the characters around them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .models import Quotation

_MARKS = re.compile("[\"'\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u201b\n]")

_DOUBLE = frozenset('"\u201c\u201d\u201e\u201f')
_SINGLE = frozenset("'\u2018\u2019\u201a\u201b")
_OPEN_GLYPH = frozenset("\u201c\u201e\u201f\u00ab\u2018\u201a\u201b")
_CLOSE_GLYPH = frozenset("\u201d\u00bb\u2019")
_BRACKET_OPEN = frozenset("([{<")
# Zero-width and direction marks pasted in from web pages and social posts: as blank as a space next to a mark.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060"
                       "\u2066\u2067\u2068\u2069\ufeff")
_BRACKET_CLOSE = frozenset(")]}>")
_DASHES = frozenset("-\u2013\u2014/")
_ALL_MARKS = _DOUBLE | _SINGLE | {"\u00ab", "\u00bb"}
_AFTER_CLOSE = frozenset(".,;:!?") | _DASHES | _ALL_MARKS
_OUTER = _DOUBLE | {"\u00ab", "\u00bb"}
_INNER_DOUBLE = _DOUBLE - {"\u201e"}

# Words that start with an apostrophe standing for dropped letters ('em, 'til, rock 'n' roll).
_ELISIONS = frozenset(
    "em til cause cos coz bout n nuff tis twas cept kay sup neath scuse gainst fraid".split()
)
_WORD = re.compile(r"[A-Za-z]+")

# Longest stretch a single-quoted (British/headline) quotation may span; beyond
# that a pair of stray apostrophes is far likelier than a quotation.
_MAX_SINGLE_SPAN = 2000
# A single newline inside an open quotation is a hard wrap (not a paragraph end)
# only after a line this short; one-paragraph-per-line text has longer lines.
_WRAP_WIDTH = 120


@dataclass
class _Span:
    """A quotation under construction; `kids` are spans nested inside it."""

    start: int
    end: int
    open_mark: str
    close_mark: str
    depth: int = 0
    kids: list[_Span] | None = None
    continues: bool = False  # its paragraph ends and the next one reopens the quotation


def _is_apostrophe(text: str, i: int) -> bool:
    """Return True when the single mark at `i` is an apostrophe, not a quote mark."""
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if prev.isalnum() and nxt.isalnum():
        return True  # don't, O'Brien, 6'2"
    if prev == "n" and i >= 2 and text[i - 2] in _SINGLE:
        return True  # the second mark of rock 'n' roll
    if prev.isalnum():
        return False
    if nxt.isdigit():
        # '90s, the '16 race: exactly two digits
        j = i + 1
        while j < len(text) and j < i + 4 and text[j].isdigit():
            j += 1
        return j - i - 1 == 2
    if nxt.isalpha():
        m = _WORD.match(text, i + 1, min(len(text), i + 12))
        return bool(m) and m.group().lower() in _ELISIONS
    return False


def _paragraph_breaks(text: str, lo: int, hi: int) -> bool:
    """Return True when text[lo:hi] holds a blank line (a paragraph break)."""
    return text.count("\n", lo, hi) >= 2 or (hi >= len(text))


def _next_line_start(text: str, nl: int) -> int:
    """Return the index of the first non-blank character after the newline at `nl`."""
    j = nl + 1
    n = len(text)
    while j < n and text[j].isspace():
        j += 1
    return j


def _rstrip_end(text: str, lo: int, hi: int) -> int:
    """Return `hi` moved left past trailing whitespace, not before `lo`."""
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return hi


class _Scanner:
    """Pairs quote marks of one level in a list of mark positions."""

    def __init__(self, text: str, positions: list[int]) -> None:
        self.text = text
        self.positions = positions

    def pair(self, family: frozenset[str]) -> list[_Span]:
        """Return the closed (or paragraph-unclosed) quotations made of marks in `family`."""
        text = self.text
        positions = self.positions
        out: list[_Span] = []
        open_at = -1  # index into text of the opening mark
        open_mark = ""
        skip_to = -1
        k = 0
        n_pos = len(positions)
        while k < n_pos:
            i = positions[k]
            k += 1
            if i < skip_to:
                continue
            ch = text[i]
            if ch == "\n":
                if open_at < 0:
                    continue
                j = _next_line_start(text, i)
                if j < len(text) and self._opens_family(j, family, open_mark):
                    # a quotation running on into the next paragraph, which opens with a mark again: each
                    # paragraph is a quotation of its own, checked on its own, marked as going on
                    end = _rstrip_end(text, open_at + 1, i)
                    if end > open_at + 1 and text[open_at + 1:end].strip():
                        out.append(_Span(open_at + 1, end, open_mark, "", continues=True))
                    open_at, open_mark = j, text[j]
                    skip_to = j + 1
                    continue
                if (not _paragraph_breaks(text, i, j) and i - text.rfind("\n", 0, i) <= _WRAP_WIDTH
                        and self._line_has_closer(j, family, open_mark)):
                    continue  # a hard-wrapped line inside one paragraph
                end = _rstrip_end(text, open_at + 1, i)
                if end > open_at + 1:
                    out.append(_Span(open_at + 1, end, open_mark, ""))
                open_at = -1
                continue
            if ch not in family:
                continue
            role = self._role(i, ch, open_at >= 0, open_mark)
            if role == "open":
                if open_at >= 0:
                    end = _rstrip_end(text, open_at + 1, i)
                    if end > open_at + 1:
                        out.append(_Span(open_at + 1, end, open_mark, ""))
                open_at, open_mark = i, ch
            elif role == "close":
                if open_at + 1 < i and text[open_at + 1:i].strip():
                    out.append(_Span(open_at + 1, i, open_mark, ch))
                open_at = -1
        if open_at >= 0:
            end = _rstrip_end(text, open_at + 1, len(text))
            if end > open_at + 1:
                out.append(_Span(open_at + 1, end, open_mark, ""))
        return out

    def _role(self, i: int, ch: str, is_open: bool, open_mark: str) -> str:
        """Return "open", "close" or "" (not a quote mark here) for the mark at `i`."""
        text = self.text
        prev = text[i - 1] if i > 0 else ""
        if ch == "\u2033" or (ch == '"' and prev.isdigit() and not is_open):
            return ""  # inch mark: 6'2", a 12" pizza
        if ch in _SINGLE and _is_apostrophe(text, i):
            return ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        prev_blank = prev == "" or prev.isspace() or prev in _BRACKET_OPEN or prev in _INVISIBLE
        next_blank = nxt == "" or nxt.isspace() or nxt in _BRACKET_CLOSE or nxt in _INVISIBLE
        can_open = (prev_blank or prev in _DASHES or prev in _ALL_MARKS) and not next_blank
        can_close = not prev_blank and (next_blank or nxt in _AFTER_CLOSE)
        if ch == "\u00bb":
            return "close" if is_open and open_mark == "\u00ab" else ""
        if ch == "\u00ab":
            return "open" if not is_open else ""
        if is_open:
            if open_mark in "\u201e\u201a" and ch in "\u201c\u2018\u201d\u2019\"'":
                return "close"  # „German“ closes with the high mark
            if can_open and not can_close and ch in _OPEN_GLYPH and ch not in "\u201c\u2018":
                return "open"
            if can_open and not can_close and ch in "\u201c\u2018":
                return "open"  # the previous quotation was never closed
            if ch in _SINGLE and not can_close:
                return ""  # an inner apostrophe-like mark, not the end
            return "close"
        if can_close and not can_open:
            return ""  # a stray closing mark
        if ch in _CLOSE_GLYPH and not can_open:
            return ""
        if ch in _SINGLE and not can_open:
            return ""
        return "open"

    def _opens_family(self, j: int, family: frozenset[str], open_mark: str) -> bool:
        """Return True when the mark at `j` can reopen a quotation opened with `open_mark`."""
        ch = self.text[j]
        if ch not in family or (ch in _SINGLE and _is_apostrophe(self.text, j)):
            return False
        return ch in _OPEN_GLYPH or ch in "\"'" or ch == open_mark

    def _line_has_closer(self, j: int, family: frozenset[str], open_mark: str) -> bool:
        """Return True when the line starting at `j` holds a mark that could close the quotation."""
        text = self.text
        end = text.find("\n", j)
        if end < 0:
            end = len(text)
        lo = bisect.bisect_left(self.positions, j)
        hi = bisect.bisect_left(self.positions, end)
        for k in range(lo, hi):
            i = self.positions[k]
            if text[i] in family and self._role(i, text[i], True, open_mark) == "close":
                return True
        return False


def find_quotations(text: str) -> list[Quotation]:
    """Return the quotations in `text`, ordered by start.

    Each Quotation's `text` equals `text[start:end]` (the words inside the
    marks). Nested quotations have depth 1 and `parent` set to the index of
    the enclosing quotation in the returned list.
    """
    if not text:
        return []
    positions = [m.start() for m in _MARKS.finditer(text)]
    if not positions:
        return []
    outer = _Scanner(text, positions).pair(_OUTER)
    single_pos = [p for p in positions if text[p] in _SINGLE]

    # Pass 2: nested quotations inside each outer one.
    if outer:
        double_pos = [p for p in positions if text[p] in _DOUBLE]
        for span in outer:
            guillemet = span.open_mark == "\u00ab"
            pool = double_pos if guillemet else single_pos
            lo = bisect.bisect_left(pool, span.start)
            hi = bisect.bisect_left(pool, span.end)
            if hi - lo < 2:
                continue
            family = _INNER_DOUBLE if guillemet else _SINGLE
            kids = [s for s in _Scanner(text, pool[lo:hi]).pair(family) if s.close_mark]
            for kid in kids:
                kid.depth = 1
            span.kids = kids

    # Pass 3: single-mark outer quotations in the stretches outside the double ones.
    singles: list[_Span] = []
    if len(single_pos) >= 2:
        outside: list[int] = []
        k = 0
        n_outer = len(outer)
        for p in positions:
            ch = text[p]
            if ch != "\n" and ch not in _SINGLE:
                continue
            while k < n_outer and outer[k].end < p:
                k += 1
            if k < n_outer and outer[k].start - 1 <= p:
                continue  # inside (or on the marks of) a double quotation
            outside.append(p)
        singles = [s for s in _Scanner(text, outside).pair(_SINGLE)
                   if s.close_mark and s.end - s.start <= _MAX_SINGLE_SPAN]
    return _flatten(text, _merge(outer, singles))


def _merge(outer: list[_Span], singles: list[_Span]) -> list[_Span]:
    """Return top-level spans: doubles, and singles that adopt the doubles inside them."""
    if not singles:
        return outer
    result: list[_Span] = []
    oi = 0
    for single in singles:
        inside: list[_Span] = []
        while oi < len(outer) and outer[oi].start < single.start:
            result.append(outer[oi])
            oi += 1
        j = oi
        while j < len(outer) and outer[j].end <= single.end:
            inside.append(outer[j])
            j += 1
        if any(s.kids for s in inside) or any(s.start < single.end < s.end for s in outer[j:j + 1]):
            continue  # would nest three deep or cross a double quotation: not a quotation
        for s in inside:
            s.depth = 1
        single.kids = inside
        result.append(single)
        oi = j
    result.extend(outer[oi:])
    return result


def _flatten(text: str, spans: list[_Span]) -> list[Quotation]:
    """Return Quotations in start order with parent indexes for nested ones."""
    out: list[Quotation] = []
    for span in spans:
        parent_index = len(out)
        out.append(_quotation(text, span, None))
        for kid in span.kids or ():
            out.append(_quotation(text, kid, parent_index))
    return out


def _quotation(text: str, span: _Span, parent: int | None) -> Quotation:
    """Return the Quotation for one span, without blank space just inside the marks."""
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    end = _rstrip_end(text, start, end)
    return Quotation(text=text[start:end], start=start, end=end,
                     open_mark=span.open_mark, close_mark=span.close_mark,
                     depth=0 if parent is None else 1, parent=parent, continues=span.continues)
