"""Word (.docx) drafts, made by the tests with python-docx, checked with the real `quoteproof` command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wordmaker import deleted, inserted, make_docx, raw, run, write_docx

import verifier

MISATTRIBUTED = "Pelosi said the administration should \u201cback off\u201d the raids."
VERIFIED = "\u201cWe\u2019re of course aware of these concerns,\u201d Earnest said."
DRIFT = "The raids are \u201cconsistent with the need to respect due process,\u201d Earnest said."
LEDE = "WASHINGTON \u2014 The White House stood by its deportation raids on Friday."
SECOND = "Democrats in Congress pressed the administration all week."


def quoteproof(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the installed command line as a user does; stdout and stderr decoded."""
    result = subprocess.run([sys.executable, "-m", "verifier", *args], input=stdin, capture_output=True,
                            env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(),
                                       result.stderr.decode())


def checked(path: Path, *args: str) -> tuple[int, list[dict]]:
    """Return the exit status and the quotes of `check --format json` for one file."""
    result = quoteproof("check", str(path), "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["files"][0]["quotes"]


def test_a_misattribution_in_the_third_paragraph_fails_with_line_3(tmp_path):
    status, [quote] = checked(write_docx(tmp_path / "story.docx", [LEDE, SECOND, MISATTRIBUTED]))
    assert status == 1
    assert (quote["verdict"], quote["speaker"], quote["line"], quote["column"]) == (
        "misattributed", "Harry Reid", 3, MISATTRIBUTED.index("back") + 1)
    assert quote["end_line"] == 3 and quote["end_column"] == MISATTRIBUTED.index("\u201d the") + 1


def test_the_text_report_names_paragraphs(tmp_path):
    result = quoteproof("check", str(write_docx(tmp_path / "story.docx", [LEDE, SECOND, MISATTRIBUTED])))
    assert result.returncode == 1
    assert f"  paragraph 3, character {MISATTRIBUTED.index('back') + 1}  \u2717 misattributed" in result.stdout


def test_sarif_messages_name_the_paragraph(tmp_path):
    result = quoteproof("check", str(write_docx(tmp_path / "story.docx", [LEDE, SECOND, MISATTRIBUTED])),
                        "--format", "sarif")
    [found] = json.loads(result.stdout)["runs"][0]["results"]
    assert found["message"]["text"].startswith("paragraph 3: \u201cback off\u201d is credited to Pelosi")
    assert found["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_empty_paragraphs_are_not_counted_as_word_count_does_not(tmp_path):
    _, [quote] = checked(write_docx(tmp_path / "story.docx", [LEDE, "", "   ", SECOND, "", MISATTRIBUTED]))
    assert quote["line"] == 3


def test_table_cells_are_read_in_reading_order_after_the_paragraphs_before_them(tmp_path):
    blocks = [LEDE, [["Who", "What they said"], ["Earnest", VERIFIED]], MISATTRIBUTED]
    _, quotes = checked(write_docx(tmp_path / "story.docx", blocks))
    assert [(q["verdict"], q["line"]) for q in quotes] == [("verified", 5), ("misattributed", 6)]


@pytest.mark.parametrize("where", ["header", "footer"])
def test_headers_and_footers_are_left_out(tmp_path, where):
    path = write_docx(tmp_path / "story.docx", [LEDE, VERIFIED], **{where: MISATTRIBUTED})
    status, quotes = checked(path)
    assert status == 0 and [q["verdict"] for q in quotes] == ["verified"]


def test_footnotes_are_read_after_the_body_and_named_in_the_report(tmp_path):
    path = write_docx(tmp_path / "story.docx", [LEDE, VERIFIED], footnotes=[MISATTRIBUTED])
    status, quotes = checked(path)
    assert status == 1 and [(q["verdict"], q["line"]) for q in quotes] == [("verified", 2), ("misattributed", 3)]
    assert "  paragraph 3 (footnote 1), character" in quoteproof("check", str(path)).stdout


def test_smart_quotes_are_kept_as_typed(tmp_path):
    paragraph = "Reid said the agency should \u2018back off\u2019 \u2014 \u201cback off\u201d, he said."
    result = quoteproof("quotes", str(write_docx(tmp_path / "story.docx", [paragraph])), "--format", "json")
    quotes = json.loads(result.stdout)["files"][0]["quotes"]
    assert "back off" in [q["text"] for q in quotes]
    assert all(paragraph[q["column"] - 2] in "\u2018\u201c" for q in quotes)


@pytest.mark.parametrize("paragraph, verdict, credited", [
    (run("\u201cWe\u2019re of course aware of these concerns,\u201d ") + deleted("Reid") + inserted("Earnest")
     + run(" said."), "verified", "Earnest"),
    (run("\u201cWe\u2019re of course aware of these concerns,\u201d ") + deleted("Earnest") + inserted("Reid")
     + run(" said."), "misattributed", "Reid"),
    (run("Reid said the agency should ") + inserted("\u201cback off\u201d") + run(" the raids."),
     "verified", "Reid"),
], ids=["credit-corrected", "credit-broken", "inserted-quotation"])
def test_tracked_changes_are_read_as_the_document_stands(tmp_path, paragraph, verdict, credited):
    _, [quote] = checked(write_docx(tmp_path / "story.docx", [LEDE, raw(paragraph)]))
    assert (quote["verdict"], quote["attribution"]["name"], quote["line"]) == (verdict, credited, 2)


def test_deleted_text_is_not_read(tmp_path):
    paragraph = run("Pelosi spoke. ") + deleted("She called them \u201cpolitical refugees.\u201d")
    result = quoteproof("quotes", str(write_docx(tmp_path / "story.docx", [raw(paragraph)])), "--format", "json")
    assert json.loads(result.stdout)["files"][0]["quotes"] == []


def test_a_deleted_paragraph_mark_joins_the_paragraph_to_the_next(tmp_path):
    joined = raw('<w:pPr><w:rPr><w:del w:id="7" w:author="Desk"/></w:rPr></w:pPr>' + run("Pelosi said the "))
    blocks = [LEDE, joined, "administration should \u201cback off\u201d the raids."]
    _, [quote] = checked(write_docx(tmp_path / "story.docx", blocks))
    assert (quote["verdict"], quote["line"], quote["attribution"]["name"]) == ("misattributed", 2, "Pelosi")


def test_comment_text_is_not_checked(tmp_path):
    path = write_docx(tmp_path / "story.docx", [LEDE, VERIFIED], comments={1: MISATTRIBUTED})
    status, quotes = checked(path)
    assert status == 0 and [q["verdict"] for q in quotes] == ["verified"]


def test_a_quoteproof_word_comment_suppresses_drift_on_its_paragraph_only(tmp_path):
    comment = "quoteproof: ignore drift -- the spokesman confirmed this wording by phone"
    path = write_docx(tmp_path / "story.docx", [LEDE, DRIFT, DRIFT], comments={1: comment})
    _, quotes = checked(path, "--fail-on", "drift")
    assert [(q["line"], q.get("suppressed")) for q in quotes] == [
        (2, {"verdicts": ["drift"], "reason": "the spokesman confirmed this wording by phone", "line": 2}),
        (3, None)]
    text = quoteproof("check", str(path)).stdout
    assert "accepted by the Word comment on paragraph 2 \u2014 the spokesman confirmed" in text


def test_a_quoteproof_comment_without_a_reason_warns(tmp_path):
    path = write_docx(tmp_path / "story.docx", [LEDE, DRIFT], comments={1: "quoteproof: ignore drift"})
    result = quoteproof("check", str(path), "--format", "json")
    assert json.loads(result.stdout)["files"][0]["warnings"] == [
        f"{path}: paragraph 2: suppression without a reason (write: ignore drift -- why it is accepted)"]


def _zip(**members: bytes) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("__", "/"), data)
    return out.getvalue()


def _damaged() -> bytes:
    import io

    good = zipfile.ZipFile(io.BytesIO(make_docx([VERIFIED])))
    members = {info.filename: good.read(info) for info in good.infolist()}
    members["word/document.xml"] = b"<w:document>not closed"
    return _zip(**{name.replace("/", "__"): data for name, data in members.items()})


def _claims_to_unpack_huge() -> bytes:
    """A .docx whose zip directory says a member unpacks to 3 GB (a zip bomb's claim)."""
    data = bytearray(make_docx([VERIFIED]))
    directory = data.index(b"PK\x01\x02")
    data[directory + 24:directory + 28] = (3 * 1024**3).to_bytes(4, "little")
    return bytes(data)


def _without(member: str = "", content_types: bytes | None = None) -> bytes:
    """A good .docx with one member removed, or with its [Content_Types].xml replaced."""
    good = zipfile.ZipFile(io.BytesIO(make_docx([VERIFIED], footnotes=[VERIFIED])))
    members = {info.filename: good.read(info) for info in good.infolist() if info.filename != member}
    if content_types is not None:
        members["[Content_Types].xml"] = content_types
    return _zip(**{name.replace("/", "__"): data for name, data in members.items()})


GOOD = make_docx([LEDE, [["Who", "Said"], ["Earnest", VERIFIED]], MISATTRIBUTED], footnotes=[VERIFIED],
                 comments={0: "quoteproof: ignore drift -- checked"})
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
BAD = {
    "not-a-zip": (b"Just some text someone named .docx\n", "not a Word document (not a zip file)"),
    "zip-without-document": (_zip(notes__txt=b"hello"), "not a Word document (a zip file with no word/document.xml)"),
    "zip-without-main-part": (_zip(**{"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
                                                             b'openxmlformats.org/package/2006/content-types"/>'}),
                              "not a Word document (a zip file with no word/document.xml)"),
    "encrypted": (OLE + "EncryptedPackage".encode("utf-16-le") + bytes(64), "an encrypted (password-protected) Word"),
    "old-doc": (OLE + "WordDocument".encode("utf-16-le") + bytes(64), "an old-format Word (.doc)"),
    "damaged-xml": (_damaged(), "damaged Word document"),
    "no-text": (make_docx(["", "  "]), "no text in the Word document"),
    "zip-bomb": (_claims_to_unpack_huge(), "unpacks to 3,2"),
    "footnotes-missing": (_without("word/footnotes.xml"), "damaged Word document (a part it names is missing"),
    "content-types-malformed": (_without(content_types=b'<?xml version="1.0"?><Types xmlns="http://schemas.'
                                                       b'openxmlformats.org/package/2006/content-types"><Nonsense/>'
                                                       b'</Types>'), "damaged Word document"),
}


@pytest.mark.parametrize("name", list(BAD))
@pytest.mark.parametrize("command", ["check", "quotes"])
def test_a_bad_docx_is_one_line_and_exit_2(tmp_path, name, command):
    data, message = BAD[name]
    path = tmp_path / f"{name}.docx"
    path.write_bytes(data)
    result = quoteproof(command, str(path))
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith(f"quoteproof: {path}: {message}"), line


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255)), min_size=1, max_size=24))
def test_a_damaged_docx_is_read_or_refused_with_one_line(tmp_path, flips):
    data = bytearray(GOOD)
    for where, value in flips:
        data[where % len(data)] = value
    path = tmp_path / "damaged.docx"
    path.write_bytes(bytes(data))
    try:
        verifier.check_file(path, fail_on="never")
    except verifier.QuoteproofError as exc:  # anything else escapes and fails the test
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)


def test_a_folder_checks_its_word_documents_and_passes_over_word_lock_files(tmp_path):
    write_docx(tmp_path / "story.docx", [LEDE, MISATTRIBUTED])
    (tmp_path / "~$story.docx").write_bytes(b"\x05Desk  " + bytes(150))  # Word's owner file while it is open
    (tmp_path / "notes.md").write_text(VERIFIED + "\n")
    result = quoteproof("check", str(tmp_path), "--format", "json")
    assert result.returncode == 1, result.stderr
    files = json.loads(result.stdout)["files"]
    assert [(Path(f["path"]).name, [q["verdict"] for q in f["quotes"]]) for f in files] == [
        ("notes.md", ["verified"]), ("story.docx", ["misattributed"])]


def test_a_word_document_on_standard_input_is_recognised(tmp_path):
    result = quoteproof("check", "-", "--format", "json", stdin=make_docx([LEDE, SECOND, MISATTRIBUTED]))
    assert result.returncode == 1
    [quote] = json.loads(result.stdout)["files"][0]["quotes"]
    assert (quote["line"], quote["verdict"]) == (3, "misattributed")


def test_a_quoteproof_comment_over_two_paragraphs_covers_both(tmp_path):
    import docx

    document = docx.Document()
    for text in (LEDE, DRIFT, DRIFT, DRIFT):
        document.add_paragraph(text)
    second, third = document.paragraphs[1], document.paragraphs[2]
    document.add_comment([second.runs[0], third.runs[0]], text="quoteproof: ignore drift -- both read back to him")
    path = tmp_path / "story.docx"
    document.save(str(path))
    _, quotes = checked(path, "--fail-on", "drift")
    assert [(q["line"], bool(q.get("suppressed"))) for q in quotes] == [(2, True), (3, True), (4, False)]
