"""The editor's page in a real browser: Debian's chromium driven by Playwright, against the real server.

Skipped only when /usr/bin/chromium is absent (`.ci/run` installs it with apt-get).
Saves docs/screenshot.png (the page with a quotation selected) for the README.
The page's wording of each change is compared with the text report's (verifier.report.describe_change).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium; "
                              ".ci/run installs it); Playwright cannot download a browser here"),
]

from live_server import start_server, stop_server  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from verifier.check import check_document  # noqa: E402
from verifier.read import document_from_text  # noqa: E402
from verifier.report import describe_change  # noqa: E402
from verifier.store.sqlite import Corpus  # noqa: E402

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.png"
# Chromium flags that keep it off the network (closed here) and quiet, as root in a container
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--mute-audio"]

# A draft written from the seed articles: one quotation for each verdict, and one full of markup.
DRAFT = (
    'The White House stood by the raids on Friday. They are "consistent with the need to respect due process," '
    "the spokesman said.\n\n"
    'Johnson said the teams included "female agents and medical personnel".\n\n'
    '"We\'re of course aware of these concerns," Reid said.\n\n'
    "\"<script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'> is not a real quote,\" Smith said.\n"
)
VERDICTS = ["drift", "verified", "misattributed", "unverified"]

# Markdown: drift at each severity, and a drift an editor accepted with an inline comment on line 7.
REWORDED = 'The raids are "consistent with the need to respect due process," Earnest said.'
NEGATION_DROPPED = ('"The enforcement strategy and priorities that the administration has articulated are going to '
                    'change," Earnest said.')
NEGATION_ADDED = '"We\'re of course not aware of these concerns," Earnest said.'
SPELLING = 'Obama said there may be "some gaps in implementation of the policies," according to the advocate.'
ACCEPTED = ("<!-- quoteproof: ignore drift -- the press office confirmed this wording -->\n"
            '"They are desperately trying to escape violence in their home towns," Pelosi said.')
MISATTRIBUTED_LINE = '"We\'re of course aware of these concerns," Reid said.'
SEVERITIES = "\n\n".join([REWORDED, NEGATION_DROPPED, SPELLING, ACCEPTED]) + "\n"


@pytest.fixture(scope="module")
def server(seed_db) -> Iterator[str]:
    process, base = start_server(seed_db, "--no-access-log")
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    opened.problems = []  # type: ignore[attr-defined]
    opened.on("console", lambda m: m.type == "error" and opened.problems.append(m.text))  # type: ignore[attr-defined]
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))  # type: ignore[attr-defined]
    opened.requested = []  # type: ignore[attr-defined]
    opened.on("request", lambda r: opened.requested.append(r.url))  # type: ignore[attr-defined]
    opened.goto(server + "/")
    yield opened
    context.close()


def check_draft(page: Page, text: str, with_keys: bool = True) -> None:
    page.fill("#draft", text)
    if with_keys:
        page.press("#draft", "Control+Enter")
    else:
        page.click("#check")
    expect(page.locator("#results")).to_be_visible()


def test_quotations_are_marked_by_verdict_with_a_summary(page: Page, server: str):
    check_draft(page, DRAFT)
    marks = page.locator("#marked mark.q")
    expect(marks).to_have_count(4)
    assert [marks.nth(i).get_attribute("data-verdict") for i in range(4)] == VERDICTS
    assert "consistent with the need to respect due process," in marks.nth(0).inner_text()
    expect(marks.nth(1)).to_have_text("female agents and medical personnel")
    expect(page.locator("#summary")).to_contain_text(
        "4 quotations: 1 verified, 1 drift, 1 misattributed, 1 unverified")
    expect(page.locator("#decision")).to_have_text("block")
    # the draft around the quotations is shown as written
    expect(page.locator("#marked")).to_contain_text("the spokesman said.")
    assert all(url.startswith(server) or url.startswith("data:") for url in page.requested)  # type: ignore[attr-defined]
    assert page.problems == []  # type: ignore[attr-defined]


def test_selected_quotation_shows_draft_and_original_side_by_side(page: Page):
    check_draft(page, DRAFT, with_keys=False)
    page.locator("#marked mark.q").nth(0).click()
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    expect(page.locator("#detail-verdict")).to_have_text("drift (warning)")
    expect(page.locator("#detail-speaker")).to_have_text("Josh Earnest")
    expect(page.locator("#detail-source")).to_contain_text("The Hill")
    expect(page.locator("#side-draft")).to_contain_text("consistent with the need to respect due process")
    expect(page.locator("#side-original")).to_contain_text("consistent with the need to follow due process")
    expect(page.locator("#side-draft mark.changed")).to_have_text("respect")
    expect(page.locator("#side-original mark.changed")).to_have_text("follow")
    # the misattributed quotation: the words are Earnest's, the draft credits Reid
    page.locator("#marked mark.q").nth(2).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-verdict")).to_have_text("misattributed (error)")
    expect(page.locator("#detail-speaker")).to_have_text("Josh Earnest")
    expect(detail).to_contain_text("Reid")
    expect(page.locator("#marked mark.q.selected")).to_have_count(1)


def test_quoted_markup_is_shown_as_text_never_run(page: Page):
    check_draft(page, DRAFT)
    unverified = page.locator("#marked mark.q").nth(3)
    expect(unverified).to_contain_text("<script>window.pwned = 1</script><img src=x")
    unverified.click()
    expect(page.locator("#side-draft")).to_contain_text("<script>window.pwned = 1</script>")
    expect(page.locator("#detail-speaker")).to_have_text("not in the corpus")
    assert page.locator("#results script, #results img").count() == 0
    assert page.evaluate("window.pwned") is None
    assert page.problems == []  # type: ignore[attr-defined]


def test_empty_draft_and_api_errors_are_shown(page: Page):
    page.fill("#draft", "   ")
    page.click("#check")
    expect(page.locator("#summary")).to_have_text("Paste a draft first.")
    expect(page.locator("#results")).to_be_hidden()


def test_page_asks_for_the_token_when_the_api_wants_one(browser: Browser, seed_db):
    process, base = start_server(seed_db, "--no-access-log", "--token", "page-token")
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/")
        expect(page.locator("#token-row")).to_be_hidden()
        page.fill("#draft", DRAFT)
        page.click("#check")
        expect(page.locator("#summary")).to_contain_text("type the access token you were given")
        expect(page.locator("#token-row")).to_be_visible()
        page.fill("#token", "page-token")
        page.click("#check")
        expect(page.locator("#marked mark.q")).to_have_count(4)
        context.close()
    finally:
        stop_server(process)


def check_markdown(page: Page, text: str) -> None:
    page.select_option("#format", "md")
    check_draft(page, text)


def style_of(page: Page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"(e) => getComputedStyle(e).{prop}")


def test_drift_is_coloured_and_underlined_by_severity(page: Page):
    check_markdown(page, SEVERITIES)
    marks = page.locator("#marked mark.q")
    assert [marks.nth(i).get_attribute("data-severity") for i in range(4)] == ["warning", "error", "info", "warning"]
    severities = ["error", "warning", "info"]
    selectors = [f"#marked mark.drift.sev-{s}:not(.suppressed)" for s in severities]
    backgrounds = [style_of(page, s, "backgroundColor") for s in selectors]
    underlines = [style_of(page, s, "borderBottomStyle") for s in selectors]
    assert len(set(backgrounds)) == 3  # three colours
    assert len(set(underlines)) == 3  # and three underlines, for readers who cannot tell the colours apart
    for selector, severity in zip(selectors, severities, strict=True):
        assert page.locator(selector).get_attribute("title") == f"drift ({severity})"
    # the key shows the same three
    for severity in severities:
        assert style_of(page, f".legend mark.drift.sev-{severity}", "backgroundColor") == \
            style_of(page, f"#marked mark.drift.sev-{severity}:not(.suppressed)", "backgroundColor")
    assert page.problems == []  # type: ignore[attr-defined]


def test_suppressed_quotation_is_counted_marked_and_explained(page: Page):
    check_markdown(page, SEVERITIES)
    expect(page.locator("#summary")).to_contain_text("4 quotations: 0 verified, 4 drift, 0 misattributed, "
                                                     "0 unverified, 1 suppressed")
    accepted = page.locator("#marked mark.q.suppressed")
    expect(accepted).to_have_count(1)
    expect(accepted).to_have_attribute("title", "drift (warning), accepted inline")
    accepted.click()
    expect(page.locator("#detail-suppressed")).to_have_text(
        "accepted by the comment on line 7 — the press office confirmed this wording")
    page.locator("#marked mark.q").nth(0).click()
    expect(page.locator("#detail-suppressed")).to_have_count(0)  # only an accepted finding says so


@pytest.mark.parametrize(("draft", "decision"), [
    (ACCEPTED + "\n", "pass"),  # the accepted drift neither blocks nor warns
    (REWORDED + "\n", "warn"),
    (SEVERITIES, "block"),  # the dropped "not" is not accepted
])
def test_decision_leaves_out_accepted_findings_and_names_the_threshold(page: Page, draft: str, decision: str):
    check_markdown(page, draft)
    expect(page.locator("#decision")).to_have_text(decision)
    expect(page.locator("#threshold")).to_have_text(" at --fail-on misattributed")


@pytest.mark.parametrize(("draft", "wording"), [
    (NEGATION_DROPPED, ["negation: “not” left out"]),
    (NEGATION_ADDED, ["negation: “not” added"]),
    (REWORDED, ["replaced: “respect” where the original says “follow”"]),
    (SPELLING, ["spelling: “policies” where the original says “polices”"]),
    ('"The goal is getting reform passed, and that solves the problem," the advocate said.',
     ["deleted: “immigration” left out, with no ellipsis"]),
    ('"We have made contact with the entire Department of Homeland Security," Reid said.',
     ["spelling: “We have” where the original says “We’ve”", "inserted: “entire” is not in the original"]),
    ('"The enforcement strategy and priorities that the administration has articulated are not going to change.'
     ' We’re of course aware of these concerns," Earnest said.',
     ["moved: “We’re of course aware of these concerns” is in the original, in another place"]),
])
def test_each_change_is_worded_as_the_text_report_words_it(page: Page, seed_db, draft: str, wording: list[str]):
    check_draft(page, draft + "\n")
    page.locator("#marked mark.q").first.click()
    shown = page.locator("#detail li.change").all_inner_texts()
    assert shown == wording
    with Corpus.open(seed_db, readonly=True) as corpus:
        [finding] = check_document(document_from_text(draft + "\n", "<text>"), corpus).findings
    assert shown == [": ".join(describe_change(change)) for change in finding.changes]


@pytest.mark.parametrize(("draft", "pane", "selector", "word"), [
    (NEGATION_DROPPED, "#side-original", "del.dropped", "not"),  # left out by the draft: struck in the original
    (NEGATION_ADDED, "#side-draft", "ins.added", "not"),  # added by the draft: underlined in the draft
    (REWORDED, "#side-draft", "mark.changed", "respect"),
    (REWORDED, "#side-original", "mark.changed", "follow"),
])
def test_marked_words_say_whether_they_were_changed_added_or_left_out(page: Page, draft, pane, selector, word):
    check_draft(page, draft + "\n")
    page.locator("#marked mark.q").first.click()
    marked_words = page.locator(f"{pane} :is(mark, ins, del)")
    expect(marked_words).to_have_count(1)
    expect(page.locator(f"{pane} {selector}")).to_have_text(word)
    assert page.locator(f"{pane} {selector}").get_attribute("title").startswith(
        page.locator("#detail li.change").first.inner_text())


def test_a_dropped_word_is_never_shown_as_added(page: Page):
    check_draft(page, NEGATION_DROPPED + "\n")
    page.locator("#marked mark.q").first.click()
    expect(page.locator("#side-original ins, #side-original mark")).to_have_count(0)
    expect(page.locator("#side-draft ins, #side-draft mark, #side-draft del")).to_have_count(0)
    assert style_of(page, "#side-original del.dropped", "textDecorationLine") == "line-through"


def test_score_is_explained_where_it_is_shown(page: Page):
    check_draft(page, REWORDED + "\n")
    page.locator("#marked mark.q").first.click()
    score = page.locator("#detail-score")
    expect(score).to_contain_text("/ 100")
    expect(score).to_contain_text("100 is word for word")
    assert "how closely the words match the original" in page.locator("#detail dt abbr").get_attribute("title")


@pytest.mark.parametrize(("typed", "message"), [
    ("", "This checker is only for your newsroom: type the access token you were given in the Token box, "
         "then press Check again."),
    ("not-the-token", "That access token was not accepted. Check it for typing mistakes, or ask whoever runs the "
                      "checker for the current one, then press Check again."),
])
def test_a_missing_or_wrong_token_gets_a_plain_message(browser: Browser, seed_db, typed: str, message: str):
    process, base = start_server(seed_db, "--no-access-log", "--token", "page-token")
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/")
        if typed:
            page.evaluate("document.getElementById('token-row').hidden = false")
            page.fill("#token", typed)
        page.fill("#draft", REWORDED)
        page.click("#check")
        expect(page.locator("#summary")).to_have_text(message)
        expect(page.locator("#token")).to_be_focused()
        assert not any(word in page.locator("#summary").inner_text() for word in ("401", "Unauthorized", "Bearer"))
        context.close()
    finally:
        stop_server(process)


def test_screenshot_of_the_page_with_a_dropped_negation_selected(page: Page):
    """docs/screenshot.png for the README: every drift severity, an accepted drift, the dropped "not" selected."""
    check_markdown(page, SEVERITIES + "\n" + MISATTRIBUTED_LINE + "\n")
    page.locator("#marked mark.q").nth(1).click()
    expect(page.locator("#side-original del.dropped")).to_have_text("not")
    page.evaluate("document.getElementById('draft').scrollTop = 0")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


WORD_PARAGRAPHS = ["WASHINGTON \u2014 The White House stood by its deportation raids on Friday.",
                   "Democrats in Congress pressed the administration all week.",
                   "Pelosi said the administration should \u201cback off\u201d the raids."]


def expect_word_finding(page: Page) -> None:
    mark = page.locator("#marked mark.q")
    expect(mark).to_have_count(1)
    expect(mark).to_have_attribute("data-verdict", "misattributed")
    expect(mark).to_have_text("back off")
    expect(page.locator("#marked")).to_contain_text("paragraph 3:")
    expect(page.locator("#decision")).to_have_text("block")
    mark.click()
    expect(page.locator("#detail-speaker")).to_have_text("Harry Reid")
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_word_document_dropped_on_the_page_shows_its_finding(page: Page):
    import base64

    from wordmaker import make_docx

    dropped = page.evaluate_handle(
        """(b64) => {
             const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
             const transfer = new DataTransfer();
             transfer.items.add(new File([bytes], "story.docx"));
             return transfer;
           }""", base64.b64encode(make_docx(WORD_PARAGRAPHS)).decode())
    page.dispatch_event("#draft", "drop", {"dataTransfer": dropped})
    expect_word_finding(page)


def test_a_word_document_picked_with_the_file_picker_shows_its_finding(page: Page, tmp_path):
    from wordmaker import write_docx

    page.set_input_files("#file", str(write_docx(tmp_path / "story.docx", WORD_PARAGRAPHS)))
    expect_word_finding(page)


def test_a_markdown_file_picked_goes_into_the_box_as_markdown(page: Page, tmp_path):
    draft = tmp_path / "story.md"
    draft.write_text("# Raids\n\n" + WORD_PARAGRAPHS[2] + "\n")
    page.set_input_files("#file", str(draft))
    expect(page.locator("#marked mark.q")).to_have_count(1)
    expect(page.locator("#draft")).to_have_value(draft.read_text())
    expect(page.locator("#format")).to_have_value("md")


def test_the_page_shows_when_a_transcript_said_the_words(browser: Browser, seed_db, tmp_path):
    import shutil

    from verifier.sources import ingest_transcript, read_source, source_for

    db = tmp_path / "with-transcript.db"
    shutil.copy(seed_db, db)
    example = Path(__file__).resolve().parent.parent / "examples" / "transcripts" / "water-board.vtt"
    _, turns = read_source(str(example))
    with Corpus.open(db) as corpus:
        ingest_transcript(corpus, turns, source_for(str(example), "Riverton TV", "Water board meeting",
                                                    url="https://video.example/water-board"))
    process, base = start_server(db, "--no-access-log")
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/")
        check_draft(page, 'Commissioner Delia Marsh said the crews "found 24 leaks in a single block."')
        page.locator("#marked mark.q").nth(0).click()
        expect(page.locator("#detail-speaker")).to_have_text("Delia Marsh")
        expect(page.locator("#detail-at")).to_have_text("00:12:35")
        expect(page.locator("#detail-source a")).to_have_attribute("href", "https://video.example/water-board#t=755")
        context.close()
    finally:
        stop_server(process)
