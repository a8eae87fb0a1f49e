"""Markdown and HTML drafts: what is read, what is not, and positions in the file as the user has it."""

from __future__ import annotations

import pytest

from verifier.check import check_document, quotations_in
from verifier.markup import extract, parse_directive
from verifier.read import document_from_text


def quotes(source: str, kind: str) -> list[tuple[str, int, int, int, int]]:
    document = document_from_text(source, f"draft.{kind}", kind)
    return [(" ".join(q.quotation.text.split()), q.line, q.column, q.end_line, q.end_column)
            for q in quotations_in(document)]


@pytest.mark.parametrize(
    "kind, source, expected",
    [
        # markup before the quote on the same line: the column counts the markup
        ("md", '**Reid** [said](http://x.org/a) "back off" now.\n', ("back off", 1, 34, 1, 42)),
        ("md", '# Title\n\n> *Reid* said "back off" now.\n', ("back off", 3, 16, 3, 24)),
        ("md", '---\ntitle: "Raids"\n---\n\n- Reid said `x` and "back off".\n', ("back off", 5, 22, 5, 30)),
        ("md", 'Reid &amp; co said\n"back off" now.\n', ("back off", 2, 2, 2, 10)),
        ("md", 'Reid said \\*\\* "back off" now.\n', ("back off", 1, 17, 1, 25)),
        ("md", '| who | said |\n|---|---|\n| Reid | "back off" |\n', ("back off", 3, 11, 3, 19)),
        ("html", '<p class="lede">Reid <b>said</b> &ldquo;back off&rdquo; now.</p>', ("back off", 1, 41, 1, 49)),
        ("html", '<html>\n<head><title>x</title></head>\n<body>\n  <p>Reid said\n     "back off" now.</p>',
         ("back off", 5, 7, 5, 15)),
        ("html", "<p>Reid said <q>back off</q> now.</p>", ("back off", 1, 17, 1, 25)),
        ("html", "<p>Reid said <a href='http://e.org/\"x\"'>&#8220;back off&#8221;</a></p>",
         ("back off", 1, 48, 1, 56)),
        ("txt", 'Intro.\n\nReid said "back off" now.\n', ("back off", 3, 12, 3, 20)),
    ],
)
def test_positions_point_into_the_file_as_written(kind, source, expected):
    assert quotes(source, kind) == [expected]


@pytest.mark.parametrize(
    "kind, source",
    [
        ("md", 'Run `grep "back off"` first.\n'),
        ("md", '```\nprint("back off")\n```\n'),
        ("md", '    indented "back off" code\n'),
        ("md", 'See [the story](http://e.org/?q="back%20off") here.\n'),
        ("md", 'See <http://e.org/"back%20off"> here.\n'),
        ("md", '<!-- "back off" said Reid -->\n\nNothing here.\n'),
        ("md", '---\nsummary: "back off now"\n---\n\nNothing here.\n'),
        ("md", '![a "back off" picture](x.png) here.\n'),
        ("html", '<script>var s = "back off";</script><style>q:before{content:"x"}</style><p>Nothing.</p>'),
        ("html", '<p>Nothing <!-- "back off" --> here <code>"back off"</code>.</p><pre>"back off"</pre>'),
        ("html", '<p title="&quot;back off&quot;">Nothing here.</p>'),
    ],
)
def test_code_links_comments_and_front_matter_are_not_read(kind, source):
    assert quotes(source, kind) == []


@pytest.mark.parametrize(
    "source, text",
    [
        ("<blockquote><p>We are not going to change.</p></blockquote>", "“We are not going to change.”"),
        ("<blockquote><p>We are not going to change.</p><footer>— Josh Earnest</footer></blockquote>",
         "“We are not going to change.”\n\n— Josh Earnest"),
        ("<blockquote><p>“We are not,” he said.</p></blockquote>", "“We are not,” he said."),
        ("<p>He said <q>we <q>will</q> stay</q>.</p>", "He said “we ‘will’ stay”."),
        ("<p>Fish &amp; chips &mdash; &#x201C;yes&#x201D;</p>", "Fish & chips — “yes”"),
    ],
)
def test_html_quotations_without_marks_get_marks(source, text):
    assert extract(source, "html").text == text


def test_markdown_blockquote_without_marks_is_a_quotation():
    document = document_from_text("Intro.\n\n> We are aware of these concerns.\n", "a.md", "md")
    [found] = quotations_in(document)
    assert found.quotation.text == "We are aware of these concerns."
    assert (found.line, found.column) == (3, 3)


def test_every_extracted_character_points_at_itself_or_its_markup():
    source = '# Raids\n\nThe *White House* said "it\'s [not](u) over" &amp; more.\n\n> quoted\n'
    found = extract(source, "md")
    for ch, pos in zip(found.text, found.offsets, strict=True):
        assert ch in " \n“”&" or source[pos] == ch


@pytest.mark.parametrize(
    "body, verdicts, reason, problem",
    [
        ("ignore drift -- translated from Spanish", ("drift",), "translated from Spanish", None),
        ("ignore drift, misattributed -- house style", ("drift", "misattributed"), "house style", None),
        ("ignore all -- x", ("drift", "misattributed", "unverified"), "x", None),
        ("ignore drift", ("drift",), None, "suppression without a reason"),
        ("ignore verified -- x", (), "x", "cannot ignore “verified”"),
        ("skip drift", (), None, "unknown quoteproof directive"),
    ],
)
def test_suppression_directives(body, verdicts, reason, problem):
    got_verdicts, got_reason, got_problem = parse_directive(body)
    assert (got_verdicts, got_reason) == (verdicts, reason)
    assert (got_problem is None) if problem is None else (problem in got_problem)


REWORDED = 'The raids are "consistent with the need to respect due process," Earnest said.'
ACCEPT = "<!-- quoteproof: ignore drift -- the editor confirmed the wording by phone -->"


@pytest.mark.parametrize(
    "kind, source",
    [
        ("md", f"{ACCEPT}\n{REWORDED}\n"),
        ("md", f"Intro.\n\n{ACCEPT}\n\n{REWORDED}\n"),
        ("html", f"<p>Intro.</p>{ACCEPT}<p>{REWORDED}</p>"),
        ("txt", f"Intro.\n\n{ACCEPT}\n{REWORDED}\n"),
    ],
)
def test_a_suppressed_finding_is_reported_as_suppressed(corpus, kind, source):
    report = check_document(document_from_text(source, f"a.{kind}", kind), corpus)
    [finding] = report.findings
    assert finding.verdict == "drift"
    assert finding.suppressed == {"verdicts": ["drift"], "reason": "the editor confirmed the wording by phone",
                                  "line": finding.suppressed["line"]}
    assert report.warnings == []


@pytest.mark.parametrize(
    "source",
    [
        f"{ACCEPT}\n\nAn unrelated paragraph.\n\n{REWORDED}\n",  # covers only the next paragraph
        f"<!-- quoteproof: ignore misattributed -- x -->\n{REWORDED}\n",  # another verdict
    ],
)
def test_suppression_applies_to_its_paragraph_and_verdict_only(corpus, source):
    [finding] = check_document(document_from_text(source, "a.md", "md"), corpus).findings
    assert finding.verdict == "drift" and finding.suppressed is None


def test_suppression_without_reason_is_a_warning(corpus):
    report = check_document(document_from_text(f"<!-- quoteproof: ignore drift -->\n{REWORDED}\n", "a.md", "md"),
                            corpus)
    assert report.findings[0].suppressed["reason"] is None
    assert report.warnings == ["a.md:1: suppression without a reason (write: ignore drift -- why it is accepted)"]
