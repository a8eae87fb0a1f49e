"""Word documents made by the tests themselves, with python-docx (and raw WordprocessingML where it has no API:
tracked changes, footnotes)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def raw(xml: str) -> str:
    """Return one w:p of raw WordprocessingML (the `w:` prefix declared) to put in a document."""
    return f"<w:p {nsdecls('w')}>{xml}</w:p>"


def run(text: str) -> str:
    """Return a w:r holding `text` (spaces kept)."""
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def inserted(text: str) -> str:
    """Return `text` as a tracked insertion."""
    return f'<w:ins w:id="{abs(hash(text)) % 10_000}" w:author="Desk">{run(text)}</w:ins>'


def deleted(text: str) -> str:
    """Return `text` as a tracked deletion."""
    return (f'<w:del w:id="{abs(hash(text)) % 10_000 + 10_000}" w:author="Desk"><w:r>'
            f'<w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>')


def make_docx(blocks: Sequence[str | list[list[str]]], *, header: str | None = None, footer: str | None = None,
              footnotes: Sequence[str] = (), comments: dict[int, str] | None = None) -> bytes:
    """Return the bytes of a .docx with `blocks` in its body, in order.

    A block is a paragraph's text, a `raw(...)` paragraph, or a table (rows of cell texts). `comments` maps a
    block's index to the text of a Word comment anchored on that paragraph.
    """
    document = docx.Document()
    body = document.element.body
    for index, block in enumerate(blocks):
        if isinstance(block, list):
            table = document.add_table(rows=len(block), cols=len(block[0]))
            for row, texts in zip(table.rows, block, strict=True):
                for cell, text in zip(row.cells, texts, strict=True):
                    cell.text = text
        elif block.startswith("<w:p "):
            body.find(qn("w:sectPr")).addprevious(parse_xml(block))
        else:
            paragraph = document.add_paragraph(block)
            if comments and index in comments:
                document.add_comment(paragraph.runs, text=comments[index], author="Desk", initials="D")
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    if footnotes:
        notes = "".join(f'<w:footnote w:id="{i}"><w:p>{run(text)}</w:p></w:footnote>'
                        for i, text in enumerate(footnotes, 1))
        xml = (f"<w:footnotes {nsdecls('w')}><w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/>"
               f"</w:r></w:p></w:footnote>{notes}</w:footnotes>")
        part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_TYPE, xml.encode(), document.part.package)
        document.part.relate_to(part, RT.FOOTNOTES)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_docx(path: Path, blocks: Sequence[str | list[list[str]]], **kwargs) -> Path:
    """Write `make_docx(blocks, **kwargs)` to `path` and return the path."""
    path.write_bytes(make_docx(blocks, **kwargs))
    return path
