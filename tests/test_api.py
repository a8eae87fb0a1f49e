"""The public Python API, called as a newsroom's code calls it: only names exported from `verifier`."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from wordmaker import make_docx, write_docx

import verifier

ROOT = Path(__file__).resolve().parents[1]
MISATTRIBUTED = 'Pelosi said the administration should "back off" the raids.'
VERIFIED = '"We\'re of course aware of these concerns," Earnest said.'
DRIFT = 'The raids are "consistent with the need to respect due process," Earnest said.'
NEGATED = ('"The enforcement strategy and priorities that the administration has articulated are going to change,"'
           " Earnest said.")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120)


def test_the_one_liner_from_the_issue_prints_the_verdict_and_the_speaker():
    code = ("import verifier; r = verifier.check('Pelosi said the administration should \"back off\" the raids.'); "
            "print(r.findings[0].verdict, r.findings[0].speaker)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout == "misattributed Harry Reid\n", result.stderr


def test_a_finding_is_a_typed_record_with_its_original_changes_and_position():
    report = verifier.check(DRIFT)
    [finding] = report.findings
    assert isinstance(finding, verifier.Finding) and dataclasses.is_dataclass(finding)
    assert (finding.verdict, finding.severity, finding.speaker) == ("drift", "warning", "Josh Earnest")
    assert finding.text == "consistent with the need to respect due process,"
    assert finding.original == "consistent with the need to follow due process"
    assert finding.changes == (verifier.Change("replaced", "respect", "follow"),)
    assert finding.position == verifier.Position(1, DRIFT.index("consistent") + 1, 1, DRIFT.index(',"') + 2, "line")
    assert isinstance(finding.source, verifier.Source) and finding.source.publisher == "The Hill"
    assert finding.attribution == verifier.Attribution(mention="Earnest", name="Earnest", cue="said")
    assert finding.path == "<text>" and 0 <= finding.score <= 100


def test_findings_cannot_be_changed_by_the_caller():
    [finding] = verifier.check(VERIFIED).findings
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.verdict = "misattributed"  # type: ignore[misc]


@pytest.mark.parametrize("draft, fail_on, failed, decision", [
    (MISATTRIBUTED, "misattributed", True, "block"),
    (MISATTRIBUTED, "never", False, "warn"),
    (NEGATED, "misattributed", True, "block"),
    (DRIFT, "misattributed", False, "warn"),
    (DRIFT, "drift", True, "block"),
    (VERIFIED, "unverified", False, "pass"),
    ('"Nobody has ever said this sentence anywhere," Earnest said.', "unverified", True, "block"),
])
def test_fail_on_decides_as_the_command_line_does(draft, fail_on, failed, decision):
    report = verifier.check(draft, fail_on=fail_on)
    assert (report.failed, report.decision) == (failed, decision)
    assert [f for f in report.findings if f.blocks] == list(report.blocking)
    assert cli("check", "--text", draft, "--fail-on", fail_on).returncode == (1 if failed else 0)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples" / "drafts").iterdir()))
def test_to_json_is_what_the_command_line_prints(name):
    path = str(ROOT / "examples" / "drafts" / name)
    assert verifier.check_file(path).to_json() + "\n" == cli("check", path, "--format", "json").stdout


def test_a_paragraph_checked_from_memory_gives_the_same_json_as_check_text():
    assert verifier.check(MISATTRIBUTED).to_json() + "\n" == cli("check", "--text", MISATTRIBUTED,
                                                                  "--format", "json").stdout


@pytest.mark.parametrize("format, draft", [
    ("md", "# Raids\n\n" + MISATTRIBUTED),
    ("html", f"<h1>Raids</h1><p>{MISATTRIBUTED}</p>"),
    ("txt", MISATTRIBUTED.encode()),
])
def test_formats_are_read_from_memory(format, draft):
    [finding] = verifier.check(draft, format=format).findings
    assert (finding.verdict, finding.text) == ("misattributed", "back off")


def test_a_word_document_is_checked_from_its_bytes_with_paragraph_positions():
    report = verifier.check(make_docx(["First paragraph.", "Second one.", MISATTRIBUTED]), format="docx")
    [finding] = report.findings
    assert (finding.verdict, finding.position.line, finding.position.unit) == ("misattributed", 3, "paragraph")


def test_a_word_comment_suppression_is_reported_on_the_finding(tmp_path):
    path = write_docx(tmp_path / "story.docx", ["Lede.", DRIFT],
                      comments={1: "quoteproof: ignore drift -- confirmed with the speaker"})
    [finding] = verifier.check_file(path, fail_on="drift").findings
    assert finding.suppressed == verifier.Suppressed(("drift",), "confirmed with the speaker", 2)
    assert not finding.blocks


def test_the_report_summary_counts_verdicts():
    report = verifier.check(f"{MISATTRIBUTED}\n\n{VERIFIED}")
    assert report.summary == {"files": 1, "quotes": 2, "verified": 1, "drift": 0, "misattributed": 1,
                              "unverified": 0}
    assert [f.path for f in report.files] == ["<text>"]


@pytest.mark.parametrize("name", ["missing", "not-docx"])
def test_a_bad_draft_raises_the_line_the_command_line_prints(tmp_path, name):
    path = {"missing": tmp_path / "nowhere.md", "not-docx": tmp_path / "story.docx"}[name]
    if name == "not-docx":
        path.write_text("a text file named .docx")
    with pytest.raises(verifier.QuoteproofError) as raised:
        verifier.check_file(path)
    printed = cli("quotes", str(path))
    assert printed.returncode == 2 and printed.stderr == f"quoteproof: {raised.value}\n"


def test_a_folder_is_no_draft_file(tmp_path):
    with pytest.raises(verifier.QuoteproofError, match="is a folder, not a file"):
        verifier.check_file(tmp_path)
    printed = cli("quotes", str(tmp_path))  # the command line walks folders; this one holds no draft
    assert printed.returncode == 2 and printed.stderr == f"quoteproof: no drafts to read in {tmp_path}\n"


@pytest.mark.parametrize("call, message", [
    (lambda: verifier.check(VERIFIED, fail_on="sometimes"),
     "fail_on 'sometimes': use one of misattributed, drift, unverified, never"),
    (lambda: verifier.check(VERIFIED, format="rtf"), "format 'rtf': use one of txt, md, html, docx"),
    (lambda: verifier.check(VERIFIED, format="docx"),
     "<text>: a Word document is given as bytes (the .docx file's contents), not str"),
    (lambda: verifier.check(b"\xff\xfe not UTF-8"), "<text>: not valid UTF-8 (byte 0xff at offset 0)"),
    (lambda: verifier.check(VERIFIED, sources=["hearing.vtt"]), "hearing.vtt: no such file"),
    (lambda: verifier.open_corpus("mysql://db.example/quotes"),
     "mysql:// corpora are not supported by this version of quoteproof: give a corpus file's path"),
    (lambda: verifier.open_corpus("postgresql://nobody@127.0.0.1:1/quotes"),
     "postgresql://nobody@127.0.0.1:1/quotes: cannot use the PostgreSQL corpus (connection failed: connection to "
     "server at \"127.0.0.1\", port 1 failed: Connection refused Is the server running on that host and accepting"
     " TCP/IP connections?)"),
    (lambda: verifier.open_corpus("/nonexistent/newsroom.db"), "/nonexistent/newsroom.db: no such corpus file"),
], ids=["fail-on", "format", "docx-as-str", "bad-utf8", "sources", "other-scheme", "postgres-down", "no-corpus"])
def test_bad_arguments_raise_one_exception_type_with_one_line(call, message):
    with pytest.raises(verifier.QuoteproofError) as raised:
        call()
    assert str(raised.value) == message


def test_a_file_that_is_not_a_corpus_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database")
    with pytest.raises(verifier.QuoteproofError, match="not a quoteproof corpus"):
        verifier.check(VERIFIED, corpus=path)


@pytest.mark.parametrize("as_url", [False, True])
def test_an_opened_corpus_is_used_by_path_or_file_url(seed_db, as_url):
    with verifier.open_corpus(seed_db.as_uri() if as_url else seed_db) as corpus:
        assert corpus.path == str(seed_db)
        [finding] = verifier.check(MISATTRIBUTED, corpus=corpus).findings
    assert finding.speaker == "Harry Reid"


def test_one_opened_corpus_is_safe_to_share_between_threads(seed_db, tmp_path):
    drafts = [MISATTRIBUTED, VERIFIED, DRIFT, NEGATED, f"{DRIFT}\n\n{VERIFIED}"]
    docx = write_docx(tmp_path / "story.docx", ["Lede.", MISATTRIBUTED])
    with verifier.open_corpus(seed_db) as corpus:
        expected = [verifier.check(d, corpus=corpus).to_json() for d in drafts]
        expected_docx = verifier.check_file(docx, corpus=corpus).to_json()
        results: list[tuple[int, str]] = []
        failures: list[BaseException] = []
        start = threading.Barrier(8)

        def work(worker: int) -> None:
            start.wait()
            try:
                for round_ in range(6):
                    i = (worker + round_) % (len(drafts) + 1)
                    if i == len(drafts):
                        results.append((i, verifier.check_file(docx, corpus=corpus).to_json()))
                    else:
                        results.append((i, verifier.check(drafts[i], corpus=corpus).to_json()))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert len(results) == 48
    assert all(out == (expected_docx if i == len(drafts) else expected[i]) for i, out in results)


def test_the_public_names_are_exported():
    assert set(verifier.__all__) == {"Attribution", "Change", "Corpus", "FileResult", "Finding", "Position",
                                     "QuoteproofError", "Report", "Source", "Suppressed", "check", "check_file",
                                     "open_corpus", "__version__"}
    assert all(hasattr(verifier, name) for name in verifier.__all__)
    assert callable(verifier.check)
    assert json.loads(verifier.check(VERIFIED).to_json())["version"] == 1


def test_sources_are_checked_with_the_corpus_as_check_source_does():
    from pathlib import Path

    transcript = Path(__file__).resolve().parent.parent / "examples" / "transcripts" / "water-board.vtt"
    report = verifier.check('Commissioner Delia Marsh said the crews "found 24 leaks in a single block."',
                            sources=[transcript])
    [finding] = report.findings
    assert (finding.verdict, finding.speaker) == ("drift", "Delia Marsh")
    assert [c.kind for c in finding.changes] == ["number"]
