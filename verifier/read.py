"""Read a draft or article from disk into text plus a map back to the file.

Plain text is read as is. Positions reported to the user are 1-based line and
column in the file as given, so every Document can turn an offset in its
`text` into (line, column) in the original file.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES_DEFAULT = 10 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ""}
KINDS = ("txt", "md", "html", "docx")
ZIP_MAGIC = b"PK\x03\x04"


class InputError(Exception):
    """A draft or article that cannot be read; the message is one line for the user."""


@dataclass
class Document:
    """A text to check, and how its offsets map back to the file the user has.

    `source` is the file's full decoded text; `text` is what the finder reads
    (the same for plain text; markup removed for Markdown/HTML). `offsets[i]`
    is the position in `source` of `text[i]` (None means identity).
    """

    path: str
    text: str
    source: str
    kind: str = "txt"
    offsets: list[int] | None = None
    suppressions: list = field(default_factory=list)  # markup.Suppression: inline `quoteproof: ignore` comments
    warnings: list[str] = field(default_factory=list)  # one line each, e.g. a suppression without a reason
    places: dict[int, str] = field(default_factory=dict)  # line -> where it is, when not the body ("footnote 2")
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def source_offset(self, index: int) -> int:
        """Return the offset in `source` of position `index` in `text`."""
        if self.offsets is None:
            return index
        if index >= len(self.offsets):
            return len(self.source) if not self.offsets else self.offsets[-1] + 1
        return self.offsets[index]

    def line_column(self, index: int) -> tuple[int, int]:
        """Return the 1-based (line, column) in the file of `text[index]`."""
        if not self._line_starts:
            starts = [0]
            starts.extend(i + 1 for i, ch in enumerate(self.source) if ch == "\n")
            self._line_starts = starts
        pos = self.source_offset(index)
        line = bisect.bisect_right(self._line_starts, pos) - 1
        return line + 1, pos - self._line_starts[line] + 1


_HTML_START = re.compile(rb"\s*(?:<!doctype html|<html|<head|<body|<article|<p[\s>]|<div|<h[1-6][\s>]|<!--)", re.I)
_MARKDOWN_SIGNS = re.compile(rb"^(?:---\s*$|#{1,6} \S|```|~~~|> \S|[*-] \S)|\]\(https?://", re.M)


def sniff_kind(data: bytes) -> str:
    """Return the kind of a draft that came without a file name (standard input): a Word document by its zip
    signature, HTML when it opens with a tag, Markdown when it has headings, fences, front matter or links,
    else plain text."""
    if data.startswith(ZIP_MAGIC):
        return "docx"
    head = data[:65536]
    if _HTML_START.match(head):
        return "html"
    if _MARKDOWN_SIGNS.search(head):
        return "md"
    return "txt"


def kind_for(path: str) -> str:
    """Return "md", "html", "docx" or "txt" for a file name."""
    suffix = Path(path).suffix.lower()
    if suffix == ".docx":
        return "docx"
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix in (".html", ".htm"):
        return "html"
    return "txt"


def decode(data: bytes, path: str) -> str:
    """Return `data` decoded as UTF-8 (BOM allowed), or raise InputError naming the byte."""
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary file (NUL byte), not a text draft")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: empty file, nothing to check")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_bytes(path: str, max_bytes: int = MAX_BYTES_DEFAULT) -> bytes:
    """Return the bytes of a file, refusing directories, missing files and huge files."""
    if path == "-":
        import sys

        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file")
        if os.path.isdir(path):
            raise InputError(f"{path}: is a folder, not a file")
        try:
            size = os.path.getsize(path)
            if size > max_bytes:
                raise InputError(f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit")
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(f"{path}: over the {max_bytes:,}-byte limit")
    return data


def document_from_text(text: str, path: str = "<text>", kind: str = "txt") -> Document:
    """Return a Document for text already in memory."""
    from .markup import extract

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = extract(text, kind, path)
    return Document(path=path, text=found.text, source=text, kind=kind, offsets=found.offsets,
                    suppressions=found.suppressions, warnings=found.warnings)


def document_from_bytes(data: bytes, path: str, kind: str) -> Document:
    """Return the Document for a file's bytes: a Word document for kind "docx", else UTF-8 text."""
    if kind == "docx":
        from .word import read_docx

        return read_docx(data, path)
    return document_from_text(decode(data, path), path, kind)


def document_from_upload(text: str, path: str, kind: str) -> Document:
    """Return the Document for a draft sent as a string: the text itself, or for "docx" the file in base64."""
    if kind != "docx":
        return document_from_text(text, path, kind)
    import base64
    import binascii

    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{path}: a Word document is sent as base64, and this is not base64") from None
    return document_from_bytes(data, path, "docx")


def read_document(path: str, max_bytes: int = MAX_BYTES_DEFAULT, kind: str | None = None) -> Document:
    """Return the Document for a file path ("-" is standard input; a Word document there is recognised)."""
    data = read_bytes(path, max_bytes)
    if path == "-":  # errors name "<stdin>"; the report names "-", as the user typed it
        document = document_from_bytes(data, "<stdin>", kind or sniff_kind(data))
        document.path = "-"
        return document
    return document_from_bytes(data, path, kind or kind_for(path))
