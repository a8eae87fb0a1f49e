"""Read a Word (.docx) draft into the text the finder reads, one line per paragraph.

python-docx opens the package (zip, content types, relationships) and gives the
document's XML through its public element access (`Document.element`,
`Part.part_related_by`, `Document.comments`); the walk below reads that XML
because python-docx's own `Paragraph.text` leaves out tracked insertions.

What is read, in reading order: body paragraphs and table cells (nested tables
too, content controls opened), then footnotes, then endnotes. The document is
read as it currently stands: text in `w:ins`/`w:moveTo` is in, text in
`w:del`/`w:moveFrom` is out, and a paragraph whose mark was deleted runs on into
the next one. Headers, footers, text boxes, field instructions, hidden text and
comment text are left out. Quote marks are kept as typed.

Positions: the Document's `source` has one line per paragraph that holds text,
so a finding's `line` is the paragraph number as Word's Word Count counts
paragraphs (empty ones are not counted) and `column` the character within it.

A Word comment whose text is `quoteproof: ignore drift -- reason` is an inline
suppression of the paragraph(s) it is anchored on.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field

from .markup import Suppression, parse_directive
from .read import Document, InputError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # python-docx loads every part into memory: refuse zip bombs first

_CONTAINERS = frozenset(W + t for t in ("tbl", "tr", "tc", "customXml", "ins", "moveTo", "txbxContent"))
_INLINE_CONTAINERS = frozenset(W + t for t in ("hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple",
                                                "dir", "bdo"))
_REMOVED = frozenset(W + t for t in ("del", "moveFrom"))
_RUN_TEXT = {W + "tab": "\t", W + "ptab": "\t", W + "br": " ", W + "cr": " ",
             W + "noBreakHyphen": "-"}
_NOTE_SKIP_TYPES = {"separator", "continuationSeparator", "continuationNotice"}
# what a damaged zip or part raises while python-docx reads it (XML errors are lxml's, SyntaxError subclasses)
_DAMAGED = (SyntaxError, zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError)


@dataclass
class Paragraph:
    """One paragraph as the document stands, and where it is (`place`, e.g. "footnote 2")."""

    text: str
    place: str | None = None


@dataclass
class WordText:
    """The paragraphs of a Word document that hold text, and the comments anchored on them.

    `anchors` maps a comment id to the (first, last) 0-based paragraph index its range covers.
    """

    paragraphs: list[Paragraph] = field(default_factory=list)
    anchors: dict[str, tuple[int, int]] = field(default_factory=dict)


class _Walker:
    """Collects paragraph text from WordprocessingML, tracking comment ranges."""

    def __init__(self) -> None:
        self.out = WordText()
        self.chars: list[str] = []  # the paragraph being read (and any whose mark was deleted before it)
        self.opened: dict[str, int] = {}  # comment id -> paragraph index where its range starts
        self.place: str | None = None

    def _index(self) -> int:
        """Return the index the paragraph being read will have."""
        return len(self.out.paragraphs)

    def _anchor(self, element) -> None:
        cid = element.get(W + "id")
        if cid is None:
            return
        here = self._index()
        if element.tag == W + "commentRangeStart":
            self.opened[cid] = here
        elif element.tag == W + "commentRangeEnd":
            self.out.anchors[cid] = (self.opened.pop(cid, here), here)
        elif cid not in self.out.anchors:  # a commentReference with no range: the paragraph holding it
            self.out.anchors[cid] = (self.opened.pop(cid, here), here)

    def blocks(self, container) -> None:
        """Read the block-level children of a body, cell, note or content control."""
        for child in container:
            tag = child.tag
            if tag == W + "p":
                self.paragraph(child)
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.blocks(content)
            elif tag == W + "tr" and _marked(child, W + "trPr", W + "del"):
                continue  # a deleted table row
            elif tag in _CONTAINERS:
                self.blocks(child)
                if tag == W + "tc":
                    self.end_paragraph()  # a paragraph never runs on out of its cell
            elif tag in (W + "commentRangeStart", W + "commentRangeEnd"):
                self._anchor(child)

    def paragraph(self, p) -> None:
        """Read one w:p; it ends here unless its paragraph mark was deleted."""
        self.inline(p)
        if not _marked(p, W + "pPr", W + "rPr", W + "del"):
            self.end_paragraph()

    def end_paragraph(self) -> None:
        text = "".join(self.chars)
        self.chars = []
        if text.strip():
            self.out.paragraphs.append(Paragraph(text, self.place))

    def inline(self, element) -> None:
        """Read the runs inside a paragraph (or a hyperlink, insertion, field... inside one)."""
        for child in element:
            tag = child.tag
            if tag == W + "r":
                self.run(child)
            elif tag in _INLINE_CONTAINERS:
                self.inline(child)
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.inline(content)
            elif tag in (W + "commentRangeStart", W + "commentRangeEnd"):
                self._anchor(child)
            # w:del, w:moveFrom (removed text), w:pPr, bookmarks, math and the rest are not read

    def run(self, r) -> None:
        if _marked(r, W + "rPr", W + "vanish") and _on(r.find(W + "rPr").find(W + "vanish")):
            return  # hidden text
        for child in r:
            tag = child.tag
            if tag == W + "t":
                self.chars.append(child.text or "")
            elif tag in _RUN_TEXT:
                self.chars.append(_RUN_TEXT[tag])
            elif tag == W + "commentReference":
                self._anchor(child)
            # w:delText, w:instrText, footnote references, drawings (text boxes) are not the story's text


def _marked(element, *path: str) -> bool:
    """Return whether `element` has the child path given (e.g. w:pPr/w:rPr/w:del)."""
    for tag in path:
        element = element.find(tag)
        if element is None:
            return False
    return True


def _on(toggle) -> bool:
    return toggle.get(W + "val", "true").lower() not in ("0", "false", "off")


def _refuse_early(data: bytes, path: str) -> zipfile.ZipFile:
    """Return the zip file, or raise InputError for what python-docx would fail on less clearly."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise InputError(f"{path}: an encrypted (password-protected) Word document: "
                             "save a copy without a password to check it")
        raise InputError(f"{path}: an old-format Word (.doc) or other OLE file, not a .docx: save it as .docx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(f"{path}: not a Word document (not a zip file)") from None
    except NotImplementedError as exc:  # a zip version or feature zipfile does not read: a damaged header
        raise InputError(_damaged(path, exc)) from None
    names = set(archive.namelist())
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        raise InputError(f"{path}: not a Word document (a zip file with no word/document.xml)")
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(f"{path}: unpacks to {unpacked:,} bytes, over the {MAX_UNPACKED_BYTES:,}-byte limit")
    return archive


def _damaged(path: str, exc: BaseException) -> str:
    """Return the line for a .docx whose XML or zip data is broken."""
    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
    return f"{path}: damaged Word document ({detail})"


def word_text(data: bytes, path: str) -> tuple[WordText, dict[str, str]]:
    """Return the paragraphs of a .docx file and the text of each comment anchored in them (by id).

    Raises InputError with one line for a file that is not a readable .docx.
    """
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml import parse_xml

    _refuse_early(data, path)
    no_document = f"{path}: not a Word document (a zip file with no word/document.xml)"
    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError:
        raise InputError(no_document) from None
    except KeyError as exc:  # no officeDocument relationship, or a part the package names is missing
        detail = str(exc).strip("'\"")
        missing = detail and "officeDocument" not in detail  # no main document at all: not a Word document
        raise InputError(f"{path}: damaged Word document (a part it names is missing: {detail})" if missing
                         else no_document) from None
    except (AttributeError, TypeError) as exc:  # python-docx on a malformed [Content_Types].xml
        raise InputError(_damaged(path, exc)) from None
    except ValueError as exc:  # python-docx: "file '...' is not a Word file, content type is ..."
        raise InputError(f"{path}: not a Word document ({' '.join(str(exc).split())[:200]})") from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required for extraction"
        raise InputError(_damaged(path, exc)) from None
    except _DAMAGED as exc:
        raise InputError(_damaged(path, exc)) from None
    try:
        walker = _Walker()
        walker.blocks(document.element.body)
        for relation, name in ((RT.FOOTNOTES, "footnote"), (RT.ENDNOTES, "endnote")):
            try:
                part = document.part.part_related_by(relation)
            except KeyError:
                continue
            number = 0
            for note in parse_xml(part.blob).iterchildren(W + name):
                if note.get(W + "type") in _NOTE_SKIP_TYPES:
                    continue
                number += 1
                walker.place = f"{name} {number}"
                walker.blocks(note)
        comments = {}
        for cid in walker.out.anchors:
            found = document.comments.get(int(cid)) if cid.lstrip("-").isdigit() else None
            if found is not None:
                comments[cid] = found.text
    except _DAMAGED as exc:
        raise InputError(_damaged(path, exc)) from None
    return walker.out, comments


def read_docx(data: bytes, path: str) -> Document:
    """Return the Document for a .docx file's bytes: one source line per paragraph (see the module doc)."""
    found, comments = word_text(data, path)
    if not found.paragraphs:
        raise InputError(f"{path}: no text in the Word document, nothing to check")
    texts = [p.text for p in found.paragraphs]
    source = "\n".join(texts)
    starts = []  # where each paragraph starts in `text` (paragraphs separated by blank lines)
    offsets: list[int] = []
    at = 0
    for i, para in enumerate(texts):
        if i:
            offsets.extend((at - 1, at - 1))  # the blank line points at the line break before the paragraph
        starts.append(len(offsets))
        offsets.extend(range(at, at + len(para)))
        at += len(para) + 1
    document = Document(path=path, text="\n\n".join(texts), source=source, kind="docx", offsets=offsets)
    document.places = {i: p.place for i, p in enumerate(found.paragraphs, 1) if p.place}
    for cid, (first, last) in sorted(found.anchors.items(), key=lambda item: item[1]):
        body = comments.get(cid, "").strip()
        if not body.lower().startswith("quoteproof:") or first >= len(texts):
            continue
        verdicts, reason, problem = parse_directive(body[len("quoteproof:"):])
        if problem:
            document.warnings.append(f"{path}: paragraph {first + 1}: {problem}")
        if verdicts:
            last = min(last, len(texts) - 1)
            end = starts[last] + len(texts[last])
            document.suppressions.append(Suppression(verdicts, reason, first + 1, starts[first], end))
    return document
