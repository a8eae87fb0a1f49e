"""Word documents sent to the HTTP service: `"format": "docx"` with the file in base64."""

from __future__ import annotations

import base64
import json
import urllib.request

import pytest
from fastapi.testclient import TestClient
from live_server import start_server, stop_server
from wordmaker import make_docx

from verifier.service import Settings, create_app

LEDE = "WASHINGTON \u2014 The White House stood by its deportation raids on Friday."
SECOND = "Democrats in Congress pressed the administration all week."
MISATTRIBUTED = "Pelosi said the administration should \u201cback off\u201d the raids."
VERIFIED = "\u201cWe\u2019re of course aware of these concerns,\u201d Earnest said."


def encoded(*paragraphs: str) -> str:
    return base64.b64encode(make_docx(list(paragraphs))).decode()


@pytest.fixture(scope="module")
def client(seed_db):
    with TestClient(create_app(Settings(corpus=str(seed_db)))) as opened:
        yield opened


def test_a_docx_posted_to_the_real_server_is_blocked_with_its_paragraph(seed_db):
    process, base = start_server(seed_db, "--no-access-log")
    try:
        body = json.dumps({"text": encoded(LEDE, SECOND, MISATTRIBUTED), "format": "docx", "path": "story.docx"})
        request = urllib.request.Request(base + "/v1/check", body.encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            doc = json.load(response)
    finally:
        stop_server(process)
    assert doc["decision"] == "block"
    [quote] = doc["files"][0]["quotes"]
    assert (doc["files"][0]["path"], quote["line"], quote["verdict"], quote["speaker"]) == (
        "story.docx", 3, "misattributed", "Harry Reid")


def test_a_batch_mixes_word_documents_and_text(client):
    response = client.post("/v1/check", json={"documents": [
        {"text": encoded(LEDE, VERIFIED), "format": "docx", "path": "a.docx"},
        {"text": MISATTRIBUTED, "format": "txt"}]})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert [(f["path"], [(q["line"], q["verdict"]) for q in f["quotes"]]) for f in doc["files"]] == [
        ("a.docx", [(2, "verified")]), ("<document 2>", [(1, "misattributed")])]


@pytest.mark.parametrize("text, detail", [
    ("this is not base64!", "body: <text>: a Word document is sent as base64, and this is not base64"),
    (base64.b64encode(b"plain words, not a zip").decode(), "body: <text>: not a Word document (not a zip file)"),
    (encoded("", " "), "body: <text>: no text in the Word document, nothing to check"),
])
def test_a_bad_word_document_is_a_problem_document(client, text, detail):
    response = client.post("/v1/check", json={"text": text, "format": "docx"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == detail
