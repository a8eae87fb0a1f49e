"""`quoteproof quotes`: quotations and who the text credits, no corpus needed."""

import json

import pytest
from click.testing import CliRunner

from verifier.cli import cli


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_quotes_json_gives_text_and_positions():
    result = run("quotes", "--format", "json", "--text", 'Reid said the raids should "back off" now.')
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    [quote] = doc["files"][0]["quotes"]
    assert quote["text"] == "back off"
    # the quoted words, 1-based; the end is exclusive
    assert (quote["line"], quote["column"], quote["end_line"], quote["end_column"]) == (1, 29, 1, 37)


def test_quotes_missing_file_is_one_line_and_exit_2(tmp_path):
    result = run("quotes", str(tmp_path / "nope.txt"))
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_quotes_walks_a_folder_and_skips_a_binary_file_in_it_with_a_line(tmp_path):
    (tmp_path / "a.md").write_text('Reid said the raids should "back off" now.\n', encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01 not text")
    (tmp_path / "notes.csv").write_text('not a draft "quoted"\n', encoding="utf-8")
    result = run("quotes", "--format", "json", str(tmp_path))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [f["path"] for f in doc["files"]] == [str(tmp_path / "a.md")]
    assert "b.txt: binary file" in result.stderr


@pytest.mark.parametrize(("draft", "expected"), [
    # HTML on standard input is parsed: a script's string is no quotation, a <q> is one
    ('<p>Reid said: <q>We are aware of these concerns.</q></p>\n<script>var x = "not a quote here";</script>\n',
     ["We are aware of these concerns."]),
    # Markdown on standard input is parsed: a fenced block's string is no quotation
    ('# Raids\n\n```\nx = "code, not a quote"\n```\nReid said "we are aware of these concerns."\n',
     ["we are aware of these concerns."]),
    # anything else is plain text
    ('Reid said "we are aware" and <q> is a tag name.\n', ["we are aware"]),
])
def test_standard_input_is_read_as_the_markup_it_is(draft, expected):
    result = run("quotes", "--format", "json", "-", input=draft)
    assert result.exit_code == 0, result.output
    assert [q["text"] for q in json.loads(result.stdout)["files"][0]["quotes"]] == expected
