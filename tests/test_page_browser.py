"""The editor's page in a real browser: Debian's chromium driven by Playwright, against the real server.

Skipped only when /usr/bin/chromium is absent (`.ci/run` installs it with apt-get).
Saves docs/screenshot.png (the page with a quotation selected) for the README.
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
    expect(page.locator("#side-draft del")).to_have_text("respect")
    expect(page.locator("#side-original ins")).to_have_text("follow")
    # the misattributed quotation: the words are Earnest's, the draft credits Reid
    page.locator("#marked mark.q").nth(2).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#detail-verdict")).to_have_text("misattributed (error)")
    expect(page.locator("#detail-speaker")).to_have_text("Josh Earnest")
    expect(detail).to_contain_text("Reid")
    expect(page.locator("#marked mark.q.selected")).to_have_count(1)
    page.locator("#marked mark.q").nth(0).click()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


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
        expect(page.locator("#summary")).to_contain_text("Unauthorized")
        expect(page.locator("#token-row")).to_be_visible()
        page.fill("#token", "page-token")
        page.click("#check")
        expect(page.locator("#marked mark.q")).to_have_count(4)
        context.close()
    finally:
        stop_server(process)


def test_the_page_shows_when_a_transcript_said_the_words(browser: Browser, seed_db, tmp_path):
    import shutil

    from verifier.corpus import Corpus
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
