"""Turn Markdown and HTML into the plain text the finder reads, keeping every position.

`extract(source, kind)` returns an `Extract`: the prose of the file (what a
reader sees), `offsets[i]` = the index in `source` of `text[i]`, the inline
suppressions found (`<!-- quoteproof: ignore drift -- reason -->`) and warnings.

What is left out: Markdown code spans and blocks, link destinations, images,
HTML comments and front matter; HTML script/style/code/pre/title, tags and
attributes. Entities and backslash escapes are decoded (the decoded character
points at the `&` or the escaped character). Block boundaries become blank
lines, so the finder sees paragraphs.

A `<blockquote>` (or a Markdown `>` block) and a `<q>` are quotations even
without marks: the extracted text gets “ ” (‘ ’ for a `<q>` inside a `<q>`)
around their words, and those synthetic marks point at the tags. A blockquote
that already contains double quote marks is left as written (the marks in it
say which words are quoted). A `<footer>`/`<cite>` inside a blockquote is the
credit, not part of the quotation.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

SUPPRESS_VERDICTS = ("drift", "misattributed", "unverified")
_DIRECTIVE = re.compile(r"<!--\s*quoteproof:\s*(?P<body>.*?)\s*-->", re.S)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};?)")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_DOUBLE_MARKS = frozenset('"\u201c\u201d\u201e\u201f\u00ab\u00bb')


@dataclass
class Suppression:
    """An editor's inline acceptance of findings in one paragraph.

    `start`/`end` are offsets in the extracted text of the paragraph it covers;
    `line` is the 1-based line of the comment in the file.
    """

    verdicts: tuple[str, ...]
    reason: str | None
    line: int
    start: int
    end: int = -1

    def covers(self, index: int, verdict: str) -> bool:
        """Return True when a finding of `verdict` starting at text offset `index` is suppressed."""
        return verdict in self.verdicts and self.start <= index < (self.end if self.end >= 0 else 1 << 62)

    def to_json(self) -> dict:
        """Return the `suppressed` object reported on a quote."""
        return {"verdicts": list(self.verdicts), "reason": self.reason, "line": self.line}


@dataclass
class Extract:
    """The readable text of a file, where each character came from, and inline directives."""

    text: str
    offsets: list[int] | None
    suppressions: list[Suppression] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_directive(body: str) -> tuple[tuple[str, ...], str | None, str | None]:
    """Return (verdicts, reason, problem) for the words after `quoteproof:` in a comment.

    `problem` is a warning for the user (unknown word, missing reason) or None.
    """
    words, _, reason = body.partition("--")
    reason = " ".join(reason.split()) or None
    tokens = [t for t in re.split(r"[\s,]+", words.strip().lower()) if t]
    if not tokens or tokens[0] != "ignore":
        return (), reason, f"unknown quoteproof directive “{' '.join(body.split())}” (use: ignore drift -- reason)"
    wanted = tokens[1:] or ["all"]
    verdicts: list[str] = []
    for token in wanted:
        if token == "all":
            verdicts.extend(SUPPRESS_VERDICTS)
        elif token in SUPPRESS_VERDICTS:
            verdicts.append(token)
        else:
            return (), reason, f"cannot ignore “{token}” (use drift, misattributed, unverified or all)"
    problem = None if reason else "suppression without a reason (write: ignore drift -- why it is accepted)"
    return tuple(dict.fromkeys(verdicts)), reason, problem


class _Builder:
    """Accumulates extracted characters and the source offset of each."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.chars: list[str] = []
        self.offs: list[int] = []
        self.suppressions: list[Suppression] = []
        self.warnings: list[str] = []
        self._open: list[Suppression] = []
        self._line_starts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.chars)

    def line_of(self, pos: int) -> int:
        """Return the 1-based line of a source offset."""
        return self.source.count("\n", 0, pos) + 1

    def add(self, text: str, pos: int) -> None:
        """Append `text`, which stands at `pos` in the source, one character after another."""
        self.chars.extend(text)
        self.offs.extend(range(pos, pos + len(text)))

    def add_at(self, text: str, pos: int) -> None:
        """Append `text` with every character pointing at `pos` (a decoded entity, a synthetic mark)."""
        self.chars.extend(text)
        self.offs.extend([pos] * len(text))

    def next_pos(self) -> int:
        return self.offs[-1] + 1 if self.offs else 0

    def space(self, pos: int) -> None:
        """Append one space unless the text already ends in whitespace."""
        if self.chars and not self.chars[-1].isspace():
            self.add_at(" ", pos)

    def para(self) -> None:
        """End a paragraph: a blank line (once), and close suppressions that covered it."""
        if not self.chars:
            return
        pos = self.next_pos()
        while self.chars and self.chars[-1] in " \t\n":
            self.chars.pop()
            self.offs.pop()
        if self.chars:
            self.add_at("\n\n", pos)
        still_open = []
        for sup in self._open:
            if "".join(self.chars[sup.start:]).strip():
                sup.end = len(self.chars)
            else:
                still_open.append(sup)
        self._open = still_open

    def directive(self, body: str, pos: int, where: str) -> None:
        """Record a `quoteproof:` comment found at source offset `pos`."""
        verdicts, reason, problem = parse_directive(body)
        line = self.line_of(pos)
        if problem:
            self.warnings.append(f"{where}:{line}: {problem}")
        if verdicts:
            self.para()
            sup = Suppression(verdicts, reason, line, len(self.chars))
            self.suppressions.append(sup)
            self._open.append(sup)

    def insert(self, index: int, ch: str, pos: int) -> None:
        """Insert one character at `index` of the text, shifting suppression ranges after it."""
        self.chars.insert(index, ch)
        self.offs.insert(index, pos)
        for sup in self.suppressions:
            if sup.start > index:
                sup.start += 1
            if sup.end > index:
                sup.end += 1

    def wrap_quotation(self, start: int, end: int, open_pos: int, close_pos: int, depth: int = 0) -> None:
        """Put quote marks around text[start:end] unless it already holds double marks."""
        segment = self.chars[start:end]
        if not any(ch.isalnum() for ch in segment) or any(ch in _DOUBLE_MARKS for ch in segment):
            return
        first = start
        while first < end and self.chars[first].isspace():
            first += 1
        last = end
        while last > first and self.chars[last - 1].isspace():
            last -= 1
        opening, closing = ("\u2018", "\u2019") if depth else ("\u201c", "\u201d")
        self.insert(last, closing, close_pos)
        self.insert(first, opening, open_pos)

    def result(self) -> Extract:
        while self.chars and self.chars[-1].isspace():
            self.chars.pop()
            self.offs.pop()
        return Extract("".join(self.chars), self.offs, self.suppressions, self.warnings)


# ---------------------------------------------------------------- HTML

_SKIP_TAGS = frozenset("script style title code pre kbd samp template noscript svg math head".split())
_BLOCK_TAGS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 section article header aside nav main figure figcaption "
    "table thead tbody tr dl dt dd hr address body html form details summary blockquote footer".split()
)


class _HTMLExtractor(HTMLParser):
    def __init__(self, builder: _Builder, fragment: str, base: int, where: str) -> None:
        super().__init__(convert_charrefs=False)
        self.b = builder
        self.base = base
        self.where = where
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", fragment)]
        self.skip: list[str] = []
        self.q_depth = 0
        self.quotes: list[dict] = []  # open blockquotes: text start, tag position, credit start

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.base + self.line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            if tag != "head" or not self.skip:
                self.skip.append(tag)
            return
        if self.skip:
            return
        pos = self._pos()
        if tag in ("footer", "cite", "figcaption") and self.quotes and self.quotes[-1]["credit"] is None:
            self.quotes[-1]["credit"] = len(self.b)
            self.quotes[-1]["credit_pos"] = pos
        if tag in _BLOCK_TAGS:
            self.b.para()
        elif tag == "br":
            self.b.add_at("\n", pos)
        elif tag in ("td", "th", "img"):
            self.b.space(pos)
        if tag == "q":
            self.b.add_at("\u2018" if self.q_depth else "\u201c", pos)
            self.q_depth += 1
        elif tag == "blockquote":
            self.quotes.append({"start": len(self.b), "pos": pos, "credit": None, "credit_pos": pos})

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in ("br", "hr", "img"):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        pos = self._pos()
        if tag == "q" and self.q_depth:
            self.q_depth -= 1
            self.b.add_at("\u2019" if self.q_depth else "\u201d", pos)
        elif tag == "blockquote" and self.quotes:
            quote = self.quotes.pop()
            end = quote["credit"] if quote["credit"] is not None else len(self.b)
            close_pos = quote["credit_pos"] if quote["credit"] is not None else pos
            self.b.wrap_quotation(quote["start"], end, quote["pos"], close_pos, depth=len(self.quotes))
        if tag in _BLOCK_TAGS:
            self.b.para()
        elif tag in ("td", "th"):
            self.b.space(pos)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        pos = self._pos()
        i = 0
        for match in re.finditer(r"\s+", data):
            if match.start() > i:
                self.b.add(data[i:match.start()], pos + i)
            self.b.space(pos + match.start())
            i = match.end()
        if i < len(data):
            self.b.add(data[i:], pos + i)

    def handle_entityref(self, name: str) -> None:
        if not self.skip:
            self.b.add_at(html.unescape(f"&{name};"), self._pos())

    def handle_charref(self, name: str) -> None:
        if not self.skip:
            self.b.add_at(html.unescape(f"&#{name};"), self._pos())

    def handle_comment(self, data: str) -> None:
        match = _DIRECTIVE.fullmatch(f"<!--{data}-->")
        if match:
            self.b.directive(match.group("body"), self._pos(), self.where)


def _html_into(builder: _Builder, fragment: str, base: int, where: str) -> None:
    parser = _HTMLExtractor(builder, fragment, base, where)
    parser.feed(fragment)
    parser.close()
    builder.para()


def html_text(source: str, where: str = "<html>") -> Extract:
    """Return the readable text of an HTML document with its offsets and directives."""
    builder = _Builder(source)
    _html_into(builder, source, 0, where)
    return builder.result()


# ---------------------------------------------------------------- Markdown

_MD = None


def _markdown():
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.front_matter import front_matter_plugin

        _MD = MarkdownIt("commonmark").use(front_matter_plugin).enable("table")
    return _MD


def _units(source: str, start: int, limit: int) -> list[tuple[int, int, str]]:
    """Return (position, end, decoded) for each source character unit in [start, limit)."""
    units = []
    i = start
    while i < limit:
        ch = source[i]
        if ch == "&":
            match = _ENTITY.match(source, i, limit)
            if match:
                decoded = html.unescape(match.group())
                if decoded != match.group():
                    units.append((i, match.end(), decoded))
                    i = match.end()
                    continue
        elif ch == "\\" and i + 1 < limit and source[i + 1] in _ASCII_PUNCT:
            units.append((i + 1, i + 2, source[i + 1]))
            i += 2
            continue
        units.append((i, i + 1, ch))
        i += 1
    return units


def _skip_destination(source: str, i: int, limit: int) -> int:
    """Return the offset after a link's `(destination)` or `[label]` starting at `i` (or `i`)."""
    if i < limit and source[i] == "(":
        depth = 0
        j = i
        while j < limit:
            if source[j] == "\\":
                j += 2
                continue
            if source[j] == "(":
                depth += 1
            elif source[j] == ")":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return i
    if i < limit and source[i] == "[":
        j = source.find("]", i, limit)
        return j + 1 if j >= 0 else i
    return i


class _InlineWalker:
    def __init__(self, builder: _Builder, source: str, start: int, limit: int, where: str) -> None:
        self.b = builder
        self.source = source
        self.cursor = start
        self.limit = limit
        self.where = where

    def place(self, content: str) -> None:
        """Append `content`, finding where each character stands at or after the cursor."""
        source, limit = self.source, self.limit
        found = source.find(content, self.cursor, limit)
        if found >= 0:
            self.b.add(content, found)
            self.cursor = found + len(content)
            return
        units = _units(source, self.cursor, limit)
        k = 0
        i = 0
        while i < len(content):
            matched = False
            while k < len(units):
                pos, end, decoded = units[k]
                k += 1
                if content.startswith(decoded, i):
                    self.b.add_at(decoded, pos) if len(decoded) > 1 else self.b.add(decoded, pos)
                    i += len(decoded)
                    self.cursor = end
                    matched = True
                    break
            if not matched:  # should not happen; keep the text, point at the cursor
                self.b.add_at(content[i:], min(self.cursor, max(len(source) - 1, 0)))
                return

    def walk(self, children: list) -> None:
        source, limit = self.source, self.limit
        skipping = 0
        for child in children:
            kind = child.type
            if kind == "text":
                if not skipping:
                    self.place(child.content)
            elif kind in ("softbreak", "hardbreak"):
                j = source.find("\n", self.cursor, limit)
                if j >= 0:
                    self.b.add("\n", j)
                    self.cursor = j + 1
                else:
                    self.b.add_at("\n", self.cursor)
            elif kind == "code_inline":
                opening = source.find(child.markup, self.cursor, limit)
                if opening >= 0:
                    closing = source.find(child.markup, opening + len(child.markup) + len(child.content.strip()),
                                          limit)
                    self.cursor = closing + len(child.markup) if closing >= 0 else opening + len(child.markup)
                    self.b.space(opening)
            elif kind == "html_inline":
                j = source.find(child.content, self.cursor, limit)
                if j >= 0:
                    match = _DIRECTIVE.fullmatch(child.content)
                    if match:
                        self.b.directive(match.group("body"), j, self.where)
                    self.cursor = j + len(child.content)
            elif kind == "link_open":
                if child.markup == "autolink":
                    skipping += 1
            elif kind == "link_close":
                if child.markup == "autolink":
                    skipping -= 1
                    j = source.find(">", self.cursor, limit)
                    self.cursor = j + 1 if j >= 0 else self.cursor
                else:
                    j = source.find("]", self.cursor, limit)
                    if j >= 0:
                        self.cursor = _skip_destination(source, j + 1, limit)
            elif kind == "image":
                j = source.find("![", self.cursor, limit)
                if j >= 0:
                    k = source.find("]", j + 2 + len(child.content), limit)
                    if k >= 0:
                        self.cursor = _skip_destination(source, k + 1, limit)


def markdown_text(source: str, where: str = "<markdown>") -> Extract:
    """Return the readable text of a Markdown document with its offsets and directives."""
    tokens = _markdown().parse(source)
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def line_offset(line: int) -> int:
        return line_starts[line] if line < len(line_starts) else len(source)

    builder = _Builder(source)
    quotes: list[tuple[int, int]] = []
    for token in tokens:
        kind = token.type
        if kind == "inline" and token.map:
            walker = _InlineWalker(builder, source, line_offset(token.map[0]), line_offset(token.map[1]), where)
            walker.walk(token.children or [])
        elif kind in ("paragraph_close", "heading_close", "tr_close", "hr", "code_block", "fence"):
            builder.para()
        elif kind in ("th_close", "td_close"):
            builder.space(builder.next_pos())
        elif kind == "html_block" and token.map:
            _html_into(builder, token.content, line_offset(token.map[0]), where)
        elif kind == "blockquote_open" and token.map:
            builder.para()
            quotes.append((len(builder), line_offset(token.map[0])))
        elif kind == "blockquote_close" and quotes:
            start, pos = quotes.pop()
            builder.wrap_quotation(start, len(builder), pos, builder.next_pos(), depth=len(quotes))
            builder.para()
    return builder.result()


# ---------------------------------------------------------------- plain text

def plain_text(source: str, where: str = "<text>") -> Extract:
    """Return plain text with `<!-- quoteproof: … -->` directive lines blanked (same length).

    A directive covers the paragraph after it (up to the next blank line).
    """
    if "quoteproof:" not in source:
        return Extract(source, None)
    builder = _Builder(source)
    text = source
    for match in _DIRECTIVE.finditer(source):
        verdicts, reason, problem = parse_directive(match.group("body"))
        line = builder.line_of(match.start())
        if problem:
            builder.warnings.append(f"{where}:{line}: {problem}")
        blank = re.sub(r"[^\n]", " ", match.group())
        text = text[:match.start()] + blank + text[match.end():]
        if verdicts:
            start = match.end()
            while start < len(source) and source[start].isspace():
                start += 1
            end = source.find("\n\n", start)
            builder.suppressions.append(Suppression(verdicts, reason, line, start, len(source) if end < 0 else end))
    return Extract(text, None, builder.suppressions, builder.warnings)


def extract(source: str, kind: str, where: str = "<text>") -> Extract:
    """Return the Extract for a file's decoded text; `kind` is "md", "html" or "txt"."""
    if kind == "md":
        return markdown_text(source, where)
    if kind == "html":
        return html_text(source, where)
    return plain_text(source, where)
