"""Verdicts an editor can trust: how sure the checker is, said in the verdict and its severity.

Drafts written for these tests, checked against the shipped corpus.
"""

from __future__ import annotations

import pytest

from verifier.check import check_document
from verifier.gate import fails
from verifier.read import document_from_text


def check(corpus, text: str):
    return check_document(document_from_text(text), corpus).findings


@pytest.mark.parametrize("draft, verdict, severity", [
    # a stated credit beside the quotation, to someone else: an error the gate blocks
    ('"We\'re of course aware of these concerns," Reid said.', "misattributed", "error"),
    # a credit the checker inferred from a pronoun: still reported, at warning
    ('Harry Reid spoke first. Nancy Pelosi arrived later. She told reporters: '
     '"A number of us are extremely concerned."', "misattributed", "warning"),
    # words the corpus has from Pelosi, credited to a description that names no one
    ('"They are desperately trying to escape violence in their home countries," a White House spokesman said.',
     "verified", "warning"),
    # the right person under another form of the name
    ('"They are desperately trying to escape violence in their home countries," Ms. Pelosi said.',
     "verified", "ok"),
])
def test_severity_says_how_sure_the_credit_is(corpus, draft, verdict, severity):
    [finding] = check(corpus, draft)
    assert (finding.verdict, finding.severity) == (verdict, severity), finding.notes


@pytest.mark.parametrize("draft, verdict, severity", [
    # a newsletter's label introduces the words; it credits no one
    ('MIGRANTS FLEE THE VIOLENCE “They are desperately trying to escape violence in their home countries.”'
     ' [Courier.]', "verified", "ok"),
    # a group no one can name is shown as written, and can't accuse anyone
    ('Supporters of the families, however, say “they are desperately trying to escape violence in their'
     ' home countries.”', "verified", "warning"),
])
def test_labels_and_groups_are_no_accusation(corpus, draft, verdict, severity):
    [finding] = check(corpus, draft)
    assert (finding.verdict, finding.severity) == (verdict, severity), finding.notes


@pytest.mark.parametrize("credit, verdict", [
    ("Nancy Pelosi and Harry Reid both said", "verified"),
    ("Harry Reid, Chuck Schumer and Nancy Pelosi said", "verified"),
    ("Harry Reid and Chuck Schumer both said", "misattributed"),
])
def test_words_credited_to_several_people_are_right_if_one_of_them_said_them(corpus, credit, verdict):
    [finding] = check(corpus, f'{credit} "they are desperately trying to escape violence in their home'
                              ' countries."')
    assert finding.verdict == verdict, finding.notes


def test_words_of_a_known_speaker_credited_to_a_description_name_the_corpus_speaker(corpus):
    [finding] = check(corpus, '"They are desperately trying to escape violence in their home countries,"'
                              ' a White House spokesman said.')
    assert any("Nancy Pelosi" in note and "could not be identified" in note for note in finding.notes)


def test_an_inferred_misattribution_does_not_block_the_default_gate_but_blocks_at_drift(corpus):
    report = check_document(document_from_text(
        'Harry Reid spoke first. Nancy Pelosi arrived later. She told reporters: '
        '"A number of us are extremely concerned."'), corpus)
    assert not fails([report], "misattributed")
    assert fails([report], "drift")


@pytest.mark.parametrize("draft, verdict", [
    ('"Back off now," Pelosi said.', "unverified"),
    ('"Absolutely not," Earnest said.', "unverified"),
    ('"Back off," Pelosi said.', "misattributed"),
])
def test_a_short_quotation_credited_to_a_named_person_is_speech(corpus, draft, verdict):
    assert [f.verdict for f in check(corpus, draft)] == [verdict]


@pytest.mark.parametrize("draft", [
    'The Hill ran the story "White house says deportation raids will not stop" on Monday.',
    'A column headlined "Raids are the wrong answer" ran on Sunday.',
    'Reid told "Meet the Press" that he was worried.',
])
def test_titles_are_not_speech(corpus, draft):
    assert check(corpus, draft) == []


@pytest.mark.parametrize("draft, kind, severity", [
    ('Earnest said the administration\'s priorities "are going to change."', "negation", "error"),
    ('Reid said officials "can find a better way."', "deleted", "warning"),
])
def test_a_short_fragment_is_compared_with_its_credited_speakers_quotes(corpus, draft, kind, severity):
    [finding] = check(corpus, draft)
    assert (finding.verdict, finding.severity) == ("drift", severity)
    assert kind in [c.kind for c in finding.changes]


def test_a_short_fragment_that_is_none_of_the_speakers_words_stays_unverified(corpus):
    [finding] = check(corpus, 'Earnest said "the raids are working."')
    assert finding.verdict == "unverified"


def test_a_quotation_sharing_only_part_of_someone_elses_words_is_unverified_not_misattributed(corpus):
    [finding] = check(corpus, '"A number of us are extremely concerned. We’ve made contact with the Department'
                              ' over the cost of that wall," Pelosi said.')
    assert finding.verdict == "unverified"
    assert any("Harry Reid" in note for note in finding.notes)


def check_imported(runner, tmp_path, speaker: str, words: str, draft: str) -> dict:
    """Return the JSON finding for a one-quotation draft checked against a CSV-imported corpus of one quote."""
    import json

    from verifier.cli import cli

    csv_path = tmp_path / "q.csv"
    csv_path.write_text(f"text,speaker,publisher,title\n{words},{speaker},Gazette,Story\n", encoding="utf-8")
    db = tmp_path / "c.db"
    assert runner.invoke(cli, ["corpus", "import", str(csv_path), "--corpus", str(db)]).exit_code == 0
    result = runner.invoke(cli, ["check", "--no-config", "--format", "json", "--corpus", str(db), "--text", draft])
    [finding] = json.loads(result.output)["files"][0]["quotes"]
    return finding


def test_a_body_credited_for_a_persons_words_is_not_an_accusation_when_the_corpus_cannot_tell(tmp_path, runner):
    words = "The new levy will fall hardest on the smallest family farms in the county"
    finding = check_imported(runner, tmp_path, "Odile Varga", words, f'"{words}," the Farmers League said.')
    assert (finding["verdict"], finding["severity"]) == ("verified", "warning")
    assert any("Odile Varga" in note for note in finding["notes"])


@pytest.mark.parametrize("draft, warning", [
    ('"Back off now, Pelosi said.\n\nReid said nothing.', "opened and never closed"),
    ('"Back off, Pelosi said. "We will win," Reid said.', "a closing mark may be missing"),
])
def test_unbalanced_quote_marks_are_warned_about(corpus, draft, warning):
    report = check_document(document_from_text(draft), corpus)
    assert any(warning in w and "line 1" in w for w in report.warnings), report.warnings


def test_balanced_marks_give_no_warning(corpus):
    report = check_document(document_from_text('"We will win," Reid said. "And soon," he added.'), corpus)
    assert report.warnings == []


@pytest.mark.parametrize("draft, verdict", [
    # a short phrase in a sentence with no cue of its own is a scare quote, whoever the sentence is about
    ('Pelosi never used the phrase "political refugees" in her remarks.', "verified"),
    # ... but a cue makes it a credit
    ('Pelosi called them "political refugees."', "misattributed"),
])
def test_a_sentences_subject_is_no_credit_for_a_short_phrase(corpus, draft, verdict):
    [finding] = check(corpus, draft)
    assert finding.verdict == verdict


def test_words_quoted_inside_someone_elses_quotation_are_their_claim_not_an_accusation(corpus):
    [outer, inner] = check(corpus, '"Reid told us, \'We\'re of course aware of these concerns,\' and left,"'
                                   ' said Maria Lopez, an organiser.')
    assert (inner.verdict, inner.severity) == ("verified", "warning")
    assert any("Josh Earnest" in note for note in inner.notes)


def test_the_outlet_a_draft_says_relayed_the_words_is_a_right_credit(tmp_path, runner):
    words = "The committee has not received any complaint about the contract this year"
    finding = check_imported(runner, tmp_path, "The Daily Beacon", words,
                             f'"{words}," spokesman Omar Haddad said, according to the Daily Beacon.')
    assert finding["verdict"] == "verified"


def test_words_put_in_another_order_are_one_move_not_an_insertion(corpus):
    [finding] = check(corpus, '"The enforcement strategy and priorities that the administration has articulated'
                              ' are not going to change. We’re of course aware of these concerns," Earnest said.')
    assert (finding.verdict, [c.kind for c in finding.changes]) == ("drift", ["moved"])
    assert finding.changes[0].original == "We’re of course aware of these concerns"


def test_a_sentence_rewritten_in_three_places_is_unverified_not_drift(corpus):
    [finding] = check(corpus, '"We are desperately trying to flee violence in our home towns," Pelosi said.')
    assert finding.verdict == "unverified"
    assert any("Nancy Pelosi" in note for note in finding.notes)


def test_the_report_marks_the_changed_word_not_the_same_letters_inside_another(corpus):
    from verifier.report import to_text

    report = check_document(document_from_text('"getting reformed passed, and not easing up in enforcement,"'
                                               ' Obama said.'), corpus)
    text = to_text([report])
    assert "up *in* enforcement" in text and "eas*in*g" not in text
