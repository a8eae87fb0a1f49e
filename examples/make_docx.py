"""Build examples/drafts/council-briefing.docx, a fictional wire story filed as a Word document.

    python examples/make_docx.py            # writes the file next to the other example drafts

It shows what quoteproof reads in a .docx: body paragraphs, a table, a footnote, a tracked change (the desk
corrected a credit; the story is checked as it now stands), a Word comment accepting a reworded quotation
(`quoteproof: ignore drift -- reason`), and a header that is not part of the story. The output is the same
bytes on every run (fixed zip timestamps), so the committed file changes only when this script does.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

OUT = Path(__file__).resolve().parent / "drafts" / "council-briefing.docx"
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def text_run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def build() -> bytes:
    """Return the .docx bytes."""
    document = docx.Document()
    document.core_properties.author = "Metro desk"
    document.sections[0].header.paragraphs[0].text = "EMBARGOED — “not for publication,” the desk said."
    document.add_heading("Immigration advocates press White House on raids", level=1)
    document.add_paragraph("WASHINGTON — Democratic leaders and immigration advocates kept up pressure on the "
                           "White House on Friday over a wave of deportation raids.")
    document.add_paragraph("House Minority Leader Nancy Pelosi said the families were “political refugees” "
                           "who deserved a hearing.")
    # a tracked change: the reporter credited Reid, the desk put Earnest (the words are the spokesman's)
    corrected = (text_run("“We’re of course aware of these concerns,” ")
                 + '<w:del w:id="101" w:author="Desk"><w:r><w:delText>Reid</w:delText></w:r></w:del>'
                 + f'<w:ins w:id="102" w:author="Desk">{text_run("Earnest")}</w:ins>'
                 + text_run(" told reporters at the daily briefing."))
    document.element.body.find(qn("w:sectPr")).addprevious(parse_xml(f"<w:p {nsdecls('w')}>{corrected}</w:p>"))
    reworded = document.add_paragraph("The spokesman said the raids were “consistent with the need to respect "
                                      "due process,” and would go on.")
    document.add_comment(reworded.runs, author="Desk", initials="D",
                         text="quoteproof: ignore drift -- checked against the briefing video")
    table = document.add_table(rows=3, cols=2)
    for row, (who, said) in zip(table.rows, [
        ("Who", "What they said"),
        ("Jeh Johnson", "Teams would include “female agents and medical personnel,” Johnson said."),
        ("Harry Reid", "Reid said the agency should “back off” until a better way was found."),
    ], strict=True):
        row.cells[0].text, row.cells[1].text = who, said
    document.add_paragraph("Advocates said they would return to the White House next week.")
    notes = (f"<w:footnotes {nsdecls('w')}>"
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="1"><w:p>'
             + text_run("Pelosi also said the administration should “back off,” according to an aide.")
             + "</w:p></w:footnote></w:footnotes>")
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES, notes.encode(), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    saved = io.BytesIO()
    document.save(saved)
    return _fixed_timestamps(saved.getvalue())


def _fixed_timestamps(data: bytes) -> bytes:
    """Return the zip with every member and the comment dated 2026-01-01, so that rebuilding gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = source.read(info)
            if info.filename == "word/comments.xml":  # python-docx dates a new comment now
                member = re.sub(rb'w:date="[^"]*"', b'w:date="2026-01-01T00:00:00Z"', member)
            target.writestr(zipfile.ZipInfo(info.filename, (2026, 1, 1, 0, 0, 0)), member, zipfile.ZIP_DEFLATED)
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT}")
