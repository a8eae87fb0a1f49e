"""The `quoteproof` command line, run as a user runs it (CliRunner and the installed script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from verifier.cli import cli

MISATTRIBUTED = '"We\'re of course aware of these concerns," Reid said.\n'
VERIFIED = '"We\'re of course aware of these concerns," Earnest said.\n'
NEGATED = (
    '"The enforcement strategy and priorities that the administration has articulated are going to change,"'
    " Earnest said.\n"
)
REWORDED = 'The raids are "consistent with the need to respect due process," Earnest said.\n'


def invoke(runner, *args, input=None):
    return runner.invoke(cli, list(args), input=input)


def test_text_report_shows_words_credit_speaker_source_and_changes(runner):
    result = invoke(runner, "check", "--text", REWORDED)
    out = result.output
    assert "drift" in out and "consistent with the need to respect due process" in out
    assert "credited to: Earnest" in out
    assert "said by:     Josh Earnest — The Hill, “White House: Deportation raids won't stop”" in out
    assert "original:    consistent with the need to *follow* due process" in out
    assert "replaced:    “respect” where the original says “follow”" in out


def test_json_has_exactly_the_contract_keys(runner):
    result = invoke(runner, "check", "--format", "json", "--text", MISATTRIBUTED)
    doc = json.loads(result.output)
    assert set(doc) == {"version", "files", "summary"}
    [quote] = doc["files"][0]["quotes"]
    assert set(quote) == {"text", "line", "column", "end_line", "end_column", "attribution", "verdict",
                          "severity", "speaker", "source", "original", "score", "drift", "notes"}
    assert set(quote["attribution"]) >= {"name", "mention", "cue"}
    assert set(quote["source"]) == {"publisher", "title", "date", "url", "at"}
    assert (quote["verdict"], quote["severity"], quote["speaker"]) == ("misattributed", "error", "Josh Earnest")
    assert doc["summary"] == {"files": 1, "quotes": 1, "verified": 0, "drift": 0, "misattributed": 1,
                              "unverified": 0}


def test_stdin_is_read_with_a_dash(runner):
    result = invoke(runner, "check", "-", "--format", "json", input=VERIFIED)
    doc = json.loads(result.output)
    assert doc["files"][0]["path"] == "-"
    assert doc["files"][0]["quotes"][0]["verdict"] == "verified"


@pytest.mark.parametrize(
    "draft, fail_on, status",
    [
        (VERIFIED, "misattributed", 0),
        (MISATTRIBUTED, "misattributed", 1),
        (NEGATED, "misattributed", 1),  # error-severity drift fails the default gate
        (REWORDED, "misattributed", 0),
        (REWORDED, "drift", 1),
        (MISATTRIBUTED, "never", 0),
        ('"These raids will stop next week and all families will be home," Earnest said.', "drift", 0),
        ('"These raids will stop next week and all families will be home," Earnest said.', "unverified", 1),
    ],
)
def test_exit_status_follows_fail_on(runner, draft, fail_on, status):
    assert invoke(runner, "check", "--fail-on", fail_on, "--text", draft).exit_code == status


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x01\x02binary", "binary file"),
        (b'caf\xe9 "hello there"', "not valid UTF-8 (byte 0xe9 at offset 3)"),
        (b"", "empty file"),
        (b"  \n\n ", "empty file"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(runner, tmp_path, content, message):
    path = tmp_path / "draft.txt"
    path.write_bytes(content)
    result = invoke(runner, "check", str(path))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["check", "missing.md"], ["check", "--bogus"], ["check"],
                                  ["check", "--corpus", "nope.db", "--text", "x"], ["quotes"]])
def test_usage_errors_exit_2(runner, args):
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_text_file_is_not_a_corpus(runner, tmp_path):
    fake = tmp_path / "corpus.db"
    fake.write_text("not a database")
    result = invoke(runner, "check", "--corpus", str(fake), "--text", VERIFIED)
    assert result.exit_code == 2
    assert "not a quoteproof corpus" in result.output


def test_unbalanced_quote_marks_are_checked_not_refused(runner):
    result = invoke(runner, "check", "--format", "json", "--text", 'He said "back off and then “ never closed')
    assert result.exit_code in (0, 1)
    json.loads(result.output)


def test_hard_wrapped_markdown_keeps_its_attribution(runner, tmp_path):
    draft = tmp_path / "wrapped.md"
    draft.write_text('Intro.\n\n"We\'re of course aware of these concerns," Senate\nMinority Leader Harry Reid said.\n')
    doc = json.loads(invoke(runner, "check", "--format", "json", str(draft)).output)
    [quote] = doc["files"][0]["quotes"]
    assert quote["verdict"] == "misattributed"
    assert "Reid" in quote["attribution"]["name"]


def test_quotes_lists_quotations_and_credit_without_a_corpus(runner):
    result = invoke(runner, "quotes", "--format", "json", "--text", MISATTRIBUTED)
    [quote] = json.loads(result.output)["files"][0]["quotes"]
    assert set(quote) == {"text", "line", "column", "end_line", "end_column", "attribution"}
    assert quote["attribution"]["name"] == "Reid"


def test_corpus_speakers_lists_the_seed_speakers_with_aliases(runner):
    out = invoke(runner, "corpus", "speakers").output
    for name in ("Josh Earnest", "Nancy Pelosi", "Harry Reid", "Jeh Johnson", "Barack Obama",
                 "Anonymous immigration advocate"):
        assert name in out
    assert "the spokesman" in out


def test_corpus_search_finds_a_drifted_quote(runner):
    out = invoke(runner, "corpus", "search", "consistent with the need to respect due process").output
    assert out.splitlines()[0].split(None, 1)[1].startswith("Josh Earnest")


def test_corpus_ingest_builds_records_with_the_checkers_extraction(runner, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(
        "Governor Jane Example said Tuesday that the bridge \"will be rebuilt before the winter storms arrive.\"\n\n"
        '"We are not going to wait for Washington," she added.\n'
    )
    db = str(tmp_path / "c.db")
    args = ["corpus", "ingest", str(article), "--publisher", "Example Times", "--title", "Bridge",
            "--date", "2016-01-12", "--corpus", db]
    first = invoke(runner, *args)
    assert first.exit_code == 0, first.output
    assert "added 2 quote(s)" in first.output
    assert "added 0 quote(s), 2 already stored" in invoke(runner, *args).output  # idempotent
    doc = json.loads(invoke(runner, "check", "--corpus", db, "--format", "json", "--text",
                            '"We are going to wait for Washington," Example said.').output)
    [quote] = doc["files"][0]["quotes"]
    assert (quote["verdict"], quote["speaker"], quote["source"]["date"]) == ("drift", "Jane Example", "2016-01-12")
    assert [d["kind"] for d in quote["drift"]] == ["negation"]


def test_installed_console_script_checks_the_example_draft():
    exe = shutil.which("quoteproof")
    command = [exe] if exe else [sys.executable, "-m", "verifier"]
    result = subprocess.run([*command, "check", "--format", "json", "examples/drafts/raids.md"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr  # the example holds a misattribution and a negation flip
    verdicts = [q["verdict"] for q in json.loads(result.stdout)["files"][0]["quotes"]]
    assert "misattributed" in verdicts and "verified" in verdicts and "drift" in verdicts


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "verifier", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "quoteproof" in result.stdout


@pytest.mark.parametrize("date, problem", [("2016-13-45", "is no such day"), ("2016-02-30", "is no such day"),
                                           ("08/01/2016", "is not YYYY-MM-DD")])
def test_ingest_refuses_an_impossible_date_in_one_line(runner, tmp_path, date, problem):
    article = tmp_path / "a.txt"
    article.write_text('"We will win," Reid said.\n', encoding="utf-8")
    result = runner.invoke(cli, ["corpus", "ingest", str(article), "--publisher", "P", "--title", "T",
                                 "--date", date, "--corpus", str(tmp_path / "c.db")])
    assert result.exit_code == 2
    assert problem in result.output and "Traceback" not in result.output
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize("args, message", [
    (["check", "--bogus", "x"], "No such option '--bogus'"),
    (["nosuch"], "No such command 'nosuch'"),
    (["check", "--fail-on", "sometimes", "x.md"], "Invalid value for '--fail-on'"),
])
def test_a_usage_mistake_is_one_line_naming_the_help(args, message):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("quoteproof: ") and message in result.stderr and "--help" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
