"""Input hardening, by property tests (hypothesis) and a table of hostile inputs, through the real CLI.

Every run of `check`, `quotes`, `corpus ingest` and `corpus import` must end
with a report (exit 0/1) or one clear `quoteproof: ...` line and exit 2 --
never a traceback. Invariants checked on every report:

* every quotation's span lies inside the input, and the text at its
  line/column positions (1-based, end exclusive, in the file as given) is the
  quotation's text;
* a draft's verdicts do not change when unrelated paragraphs are put before it;
* a corpus written by ingest/import passes `corpus check`, and running the
  same ingest again adds nothing.

Example counts are small (the suite runs on 2 cores); no test asserts a time
(bench/linear.py measures growth).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from verifier.check import quotations_in
from verifier.cli import cli
from verifier.read import document_from_text, read_document
from verifier.records import records_dir
from verifier.store.sqlite_integrity import check_corpus

COMMON = settings(deadline=None, database=None, max_examples=100,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large])

MARKS = "\"'\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u201b\u2039\u203a"
WORDS = ("the raids are going to change we will not back off said told according to she he "
         "aware of these concerns Obama Pelosi Earnest Reid Johnson the spokesman 6 12 don't "
         "rock 'n' roll students' '90s — - : ; , . ? ! ( ) [ ] … \t").split(" ")
NAMES = ["Josh Earnest", "Earnest", "Nancy Pelosi", "Pelosi", "Harry Reid", "Barack Obama", "the president",
         "Jeh Johnson", "the spokesman", "she", "he", "they", "a senator"]


def _records(name: str) -> list[dict]:
    return [json.loads(line) for line in (records_dir() / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


CORPUS_QUOTES = [r["text"] for r in _records("quotes.jsonl")]

# -- strategies ------------------------------------------------------------------------------

quote_heavy = st.text(alphabet=st.sampled_from(list(MARKS) + list("ab .,:\n")), max_size=160)
wordy = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(list(MARKS)), st.just("\n\n"), st.just("\n")),
                 max_size=80).map(lambda parts: "".join(p + (" " if i % 3 else "") for i, p in enumerate(parts)))
controls = st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn"]),
                   max_size=80)
any_unicode = st.text(max_size=200)
texts = st.one_of(quote_heavy, wordy, controls, any_unicode,
                  st.tuples(wordy, any_unicode, quote_heavy).map("".join))


@st.composite
def file_bytes(draw) -> bytes:
    """Bytes a draft file might hold: text in any newline style and BOM, broken UTF-8, or noise."""
    kind = draw(st.sampled_from(["text", "text", "text", "broken", "binary"]))
    if kind == "binary":
        return draw(st.binary(max_size=300))
    text = draw(texts)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    data = text.replace("\n", newline).encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if kind == "broken":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\x00"])) + data[at:]
    return data


def decoded(data: bytes) -> str:
    """Return a file's text as a user's editor shows it: UTF-8 (BOM dropped), any newline style."""
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def text_at(text: str, q: dict) -> str:
    """Return the text between a reported quotation's (line, column) and (end_line, end_column)."""
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    lines = len(starts) - 1
    assert 1 <= q["line"] <= q["end_line"] <= lines, q
    start = starts[q["line"] - 1] + q["column"] - 1
    end = starts[q["end_line"] - 1] + q["end_column"] - 1
    assert starts[q["line"] - 1] <= start < starts[q["line"]] or start == end, q
    assert 0 <= start <= end <= len(text), (start, end, len(text))
    return text[start:end]


def assert_clean_exit(result, allowed: tuple[int, ...]) -> None:
    """Assert a CliRunner result is a report or one `quoteproof:` line with exit 2, never an exception."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in allowed, (result.exit_code, result.output)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("quoteproof: "), result.stderr


def run_cli(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


# -- spans -----------------------------------------------------------------------------------


@settings(COMMON, max_examples=150)
@given(texts)
def test_library_spans_lie_inside_the_text_and_equal_it(text):
    document = document_from_text(text)
    for found in quotations_in(document):
        q = found.quotation
        assert 0 <= q.start <= q.end <= len(document.text)
        assert document.text[q.start:q.end] == q.text
        assert text_at(document.text, found.to_json()) == q.text


@COMMON
@given(file_bytes())
def test_quotes_command_on_any_file(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "draft.txt"
        path.write_bytes(data)
        result = run_cli("quotes", "--format", "json", str(path))
    assert_clean_exit(result, (0, 2))
    if result.exit_code == 0:
        text = decoded(data)
        for q in json.loads(result.stdout)["files"][0]["quotes"]:
            assert text_at(text, q) == q["text"]


@settings(COMMON, max_examples=100)
@given(file_bytes())
def test_check_command_on_any_file(seed_db, data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "draft.txt"
        path.write_bytes(data)
        result = run_cli("check", "--no-config", "-j", "1", "--format", "json", "--fail-on", "never",
                         "--corpus", str(seed_db), str(path))
    assert_clean_exit(result, (0, 2))
    if result.exit_code == 0:
        text = decoded(data)
        report = json.loads(result.stdout)
        for q in report["files"][0]["quotes"]:
            assert text_at(text, q) == q["text"]
            assert q["verdict"] in ("verified", "drift", "misattributed", "unverified")
            assert 0 <= q["score"] <= 100


@settings(COMMON, max_examples=50)
@given(st.binary(max_size=200) | texts.map(lambda t: t.encode("utf-8")))
def test_check_reads_any_stdin(seed_db, data):
    result = run_cli("check", "--no-config", "-j", "1", "--format", "json", "--fail-on", "never",
                     "--corpus", str(seed_db), "-", input=data)
    assert_clean_exit(result, (0, 2))


# -- verdicts do not depend on what comes before ------------------------------------------------

unrelated = st.lists(
    st.lists(st.sampled_from("the a weather was mild on tuesday and council met again 12 % , ; . "
                             "budget roads school closed opened".split(" ")), min_size=1, max_size=25)
    .map(lambda ws: " ".join(ws).strip() + "."),
    min_size=1, max_size=4,
).map("\n\n".join)


@st.composite
def drafts(draw) -> str:
    """A draft paragraph quoting the corpus (maybe reworded, maybe credited to the wrong person)."""
    words = draw(st.sampled_from(CORPUS_QUOTES)).split()
    if len(words) > 3 and draw(st.booleans()):
        start = draw(st.integers(0, len(words) - 3))
        words = words[start : start + draw(st.integers(3, len(words) - start))]
    if len(words) > 4 and draw(st.booleans()):
        del words[draw(st.integers(0, len(words) - 1))]
    quote = " ".join(words)
    opening, closing = draw(st.sampled_from([('"', '"'), ("\u201c", "\u201d"), ("\u00ab", "\u00bb")]))
    name = draw(st.sampled_from(NAMES[:9]))
    form = draw(st.sampled_from(["{n} said, {o}{q}{c}", "{o}{q}{c} {n} said.", "{o}{q}{c}",
                                 "{n} told reporters: {o}{q}{c}"]))
    return form.format(n=name, o=opening, q=quote, c=closing)


def verdicts(seed_db: Path, text: str) -> list[tuple]:
    result = run_cli("check", "--no-config", "-j", "1", "--format", "json", "--fail-on", "never",
                     "--corpus", str(seed_db), "--text", text)
    assert_clean_exit(result, (0,))
    return [(q["text"], q["verdict"], q["speaker"], q["attribution"], q["score"],
             [(c["kind"], c["draft"], c["original"]) for c in q["drift"]])
            for q in json.loads(result.stdout)["files"][0]["quotes"]]


@settings(COMMON, max_examples=100)
@given(drafts(), unrelated)
def test_verdicts_do_not_change_when_unrelated_paragraphs_come_first(seed_db, draft, before):
    alone = verdicts(seed_db, draft)
    assume(alone)
    assert verdicts(seed_db, before + "\n\n" + draft) == alone


# -- corpus writers -----------------------------------------------------------------------------


@settings(COMMON, max_examples=40)
@given(file_bytes())
def test_ingest_any_article_then_the_corpus_checks_clean_and_reingest_adds_nothing(data):
    with tempfile.TemporaryDirectory() as folder:
        article, db = Path(folder) / "article.txt", Path(folder) / "c.db"
        article.write_bytes(data)
        args = ["corpus", "ingest", str(article), "--publisher", "P", "--title", "T", "--corpus", str(db)]
        first = run_cli(*args)
        assert_clean_exit(first, (0, 2))
        if first.exit_code == 0:
            second = run_cli(*args)
            assert_clean_exit(second, (0,))
            assert second.stdout.startswith("added 0 quote(s)"), second.stdout
            import sqlite3

            with sqlite3.connect(db) as conn:
                report = check_corpus(conn, str(db))
            assert report.ok, report.problems


import_lines = st.one_of(
    st.fixed_dictionaries({"quotation": texts, "speaker": st.one_of(st.none(), texts, st.integers())},
                          optional={"qids": st.lists(st.text(max_size=5), max_size=2),
                                    "urls": st.lists(texts, max_size=2), "date": texts}).map(json.dumps),
    st.fixed_dictionaries({"type": st.sampled_from(["speaker", "source", "quote", "nonsense"])},
                          optional={"id": texts, "name": texts, "text": texts, "speaker": texts,
                                    "source": texts, "publisher": texts, "title": texts}).map(json.dumps),
    texts,
)


@settings(COMMON, max_examples=40)
@given(st.sampled_from(["jsonl", "csv"]), st.lists(import_lines, max_size=8), st.booleans())
def test_import_any_lines_then_the_corpus_checks_clean(suffix, lines, strict):
    if suffix == "csv":
        body = "text,speaker,url\n" + "\n".join(lines)
    else:
        body = "\n".join(lines)
    with tempfile.TemporaryDirectory() as folder:
        source, db = Path(folder) / f"in.{suffix}", Path(folder) / "c.db"
        source.write_text(body, encoding="utf-8", errors="surrogatepass")
        args = ["corpus", "import", str(source), "--corpus", str(db)] + (["--strict"] if strict else [])
        result = run_cli(*args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in (0, 2), result.output
        for line in result.stderr.strip().splitlines():
            assert line.startswith("quoteproof: "), result.stderr
        if db.exists() and db.stat().st_size:
            again = run_cli("corpus", "import", str(source), "--corpus", str(db))
            if result.exit_code == 0:
                assert ", added 0 (" in again.stdout, again.stdout
            import sqlite3

            with sqlite3.connect(db) as conn:
                report = check_corpus(conn, str(db))
            assert report.ok, report.problems


# -- a table of hostile inputs, each through quotes and check ----------------------------------

HOSTILE: dict[str, bytes] = {
    "empty": b"",
    "whitespace only": b"  \n\t\n \r\n   ",
    "BOM only": b"\xef\xbb\xbf",
    "control characters": bytes(range(1, 32)) * 20,
    "NUL byte": b'Obama said "hi\x00 there".',
    "invalid UTF-8": b'He said "caf\xe9 au lait" today.',
    "UTF-8 surrogate (CESU)": 'He said "\ud800 hi".'.encode("utf-8", "surrogatepass"),
    "UTF-16 with BOM": '"We\'re of course aware of these concerns," Earnest said.'.encode("utf-16"),
    "PNG header": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "zero-width and bidi controls": '\u202e"\u200bWe\u2019re of course aware\u200d," Earnest said.\u2066'.encode(),
    "line and paragraph separators": 'Earnest said:\u2028"We\u2019re of course aware\u2029of these concerns."'.encode(),
    "unbalanced marks": ('He said "this is "nested" and \u201ccurly\u201d and \u2018single\' and \u00abguill\u00bb "'
                         * 20).encode(),
    "nested four deep": ('Obama said "a \u2018b \u201cc \u2018d\u2019 e\u201d f\u2019 g" and left. ' * 50).encode(),
    "opened never closed": ('\u201c' + "word " * 2000).encode(),
    "closing marks only": ("\u201d\u2019\u00bb" * 1000).encode(),
    '100,000 x "': b'"' * 100_000,
    "100,000 x \u201c": "\u201c".encode() * 100_000,
    "50,000 x \u00ab\u00bb": "\u00ab\u00bb".encode() * 50_000,
    "100,000 x '": b"'" * 100_000,
    "100,000 x word": b"word " * 100_000,
    "100,000 x word, quoted and credited": b'"' + b"word " * 100_000 + b'" Obama said.',
    "one 5 MB line of words": b"words " * 900_000,
    "one 1 MB line, a quotation every 1 KB": (b"x" * 1000 + b' Obama said "back off" ') * 1000,
}


@pytest.mark.slow
@pytest.mark.parametrize("data", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_inputs_give_a_report_or_one_line(seed_db, tmp_path, data):
    path = tmp_path / "draft.txt"
    path.write_bytes(data)
    quotes = run_cli("quotes", "--format", "json", str(path))
    assert_clean_exit(quotes, (0, 2))
    checked = run_cli("check", "--no-config", "-j", "1", "--format", "json", "--corpus", str(seed_db), str(path))
    assert_clean_exit(checked, (0, 1, 2))
    assert (quotes.exit_code == 2) == (checked.exit_code == 2)
    if quotes.exit_code == 0:
        text = decoded(data)
        for q in json.loads(quotes.stdout)["files"][0]["quotes"]:
            assert text_at(text, q) == q["text"]
        for q in json.loads(checked.stdout)["files"][0]["quotes"]:
            assert text_at(text, q) == q["text"]


def run_process(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verifier", *args], input=stdin, capture_output=True,
                          timeout=300)


@pytest.mark.slow
def test_over_the_size_limit_is_one_line_exit_2(tmp_path, seed_db):
    """A 50 MB file, the same on stdin, and one 20 MB line: refused before reading, in one line."""
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.write(b'Obama said "back off." ' * (50 * 1024 * 1024 // 23 + 1))
    line = tmp_path / "line.txt"
    line.write_bytes(b"x" * (20 * 1024 * 1024))
    for args, stdin in ((["quotes", str(big)], None), (["check", "--corpus", str(seed_db), str(big)], None),
                        (["check", "--corpus", str(seed_db), "-"], big.read_bytes()),
                        (["quotes", "-"], big.read_bytes()),
                        (["quotes", str(line)], None),
                        (["corpus", "ingest", str(big), "--publisher", "P", "--title", "T",
                          "--corpus", str(tmp_path / "c.db")], None)):
        proc = run_process(*args, stdin=stdin)
        assert proc.returncode == 2, (args, proc.stderr)
        err = proc.stderr.decode().strip().splitlines()
        assert len(err) == 1 and "limit" in err[0] and "Traceback" not in err[0], err
    assert not (tmp_path / "c.db").exists()


@pytest.mark.slow
def test_one_20_mb_line_is_read_when_the_limit_allows_it(tmp_path, seed_db):
    """Over the default limit, a 20 MB line is checked when --max-bytes allows it; the library reads it too."""
    line = tmp_path / "line.txt"
    line.write_bytes(b"x" * (20 * 1024 * 1024 - 40) + b' Obama said "I\'m not backing off."')
    proc = run_process("check", "--no-config", "--format", "json", "--max-bytes", str(30 * 1024 * 1024),
                       "--corpus", str(seed_db), str(line))
    assert proc.returncode in (0, 1), proc.stderr
    [q] = json.loads(proc.stdout)["files"][0]["quotes"]
    assert q["line"] == 1 and q["text"] == "I'm not backing off."
    document = read_document(str(line), max_bytes=30 * 1024 * 1024)
    [found] = quotations_in(document)
    assert document.text[found.quotation.start:found.quotation.end] == "I'm not backing off."
