"""Person-name matching: one person under every form a draft may write, different people kept apart.

The corpus in these tests is imported from CSV, with no hand-written aliases: the
surname, title and initial rules must come from the name matching itself.
"""

from __future__ import annotations

import csv
import json

import pytest

from verifier.cli import cli
from verifier.names import names_person, parse_name, same_person
from verifier.store.sqlite import Corpus

SAME = [
    ("Warren", "Elizabeth Warren"),
    ("Sen. Warren", "Elizabeth Warren"),
    ("Mr. Trudeau", "Justin Trudeau"),
    ("President Okafor", "Adaeze Okafor"),
    ("Secretary Lindqvist", "Maren Lindqvist"),
    ("Peter DeBoer", "Peter DeBoer"),
    ("DeBoer", "Peter DeBoer"),
    ("McCaskill", "Claire McCaskill"),
    ("Harry J. Kazianis", "Harry Kazianis"),
    ("Harry J. Kazianis", "Kazianis"),
    ("H. Kazianis", "Harry J. Kazianis"),
    ("Martin Luther King Jr.", "Martin Luther King"),
    ("Muñoz", "Luis Munoz"),
    ("Luis Muñoz", "Luis Munoz"),
    ("O’Malley", "Martin O'Malley"),
    ("Ana Smith-Jones", "Ana Smith-Jones"),
    ("Bill Clinton", "William J. Clinton"),
    ("Sen. Harry M. Reid (D-Nev.)", "Harry Reid"),
    ("Washington Post columnist Michael Gerson", "Michael Gerson"),
    ("Chicago Alderman Jason C. Ervin", "Jason Ervin"),
    ("Vargas Llosa", "Mario Vargas Llosa"),
]

DIFFERENT = [
    ("Ron Johnson", "Jeh Johnson"),
    ("Sen. Ron Johnson", "Jeh Johnson"),
    ("Robert Chen", "Amy Chen"),
    ("Chelsea Clinton", "Bill Clinton"),
    ("Erica Garner", "Eric Garner"),
    ("Jeb Bush", "George W. Bush"),
    ("Martin Luther King Jr.", "Martin Luther King III"),
    ("Warren", "Elizabeth Warrick"),
    ("a White House spokesman", "Nancy Pelosi"),
]


@pytest.mark.parametrize("written, known", SAME)
def test_same_person_under_another_form_of_the_name(written, known):
    assert same_person(written, known)
    assert same_person(known, written)


@pytest.mark.parametrize("written, known", DIFFERENT)
def test_different_people_are_kept_apart(written, known):
    assert not same_person(written, known)


def test_a_surname_alias_does_not_make_another_first_name_the_same_person():
    assert not names_person("Ron Johnson", "Jeh Johnson", ["Johnson", "the secretary"])
    assert names_person("Johnson", "Jeh Johnson", ["the secretary"])
    assert names_person("the secretary", "Jeh Johnson", ["the secretary"])


@pytest.mark.parametrize("name, given, surname", [
    ("House Minority Leader Nancy Pelosi", ("nancy",), "pelosi"),
    ("that Carson", (), "carson"),
    ("Harry ReidHarry Mason", ("harry",), "reid"),  # two names a scraper ran together
    ("MacArthur", (), "macarthur"),
    ("Bill de Blasio", ("bill",), "blasio"),
    ("Al Gore", ("al",), "gore"),
    ("a spokeswoman", (), ""),
])
def test_a_name_is_read_into_given_names_and_surname(name, given, surname):
    parsed = parse_name(name)
    assert (parsed.given, parsed.surname) == (given, surname)


# Fictional people; quotes long enough to be found whatever the credit.
PEOPLE = {
    "Elizabeth Warrick": "The committee will hold the hearing in the spring whatever the budget office decides",
    "Peter DeBoer": "Our defence was organised and patient for the whole of the second half tonight",
    "Harry J. Kazianis": "Deterrence in the strait depends on ships that can actually sail when asked",
    "Luis Muñoz": "The harbour expansion will bring four hundred permanent jobs to the valley",
    "Jeh Castellano": "The border agency will publish the detention figures every month from now on",
    "Amy Chen": "The laboratory found no trace of the compound in the river samples this year",
    "Nancy Pellegrino": "We will not accept a budget that cuts the school lunch programme again",
    "Ana Smith-Jones": "The ferry timetable will change in March to add two late sailings each night",
}


@pytest.fixture(scope="module")
def imported_db(tmp_path_factory):
    """Return a corpus imported from a CSV of the fictional people's quotes (no aliases)."""
    folder = tmp_path_factory.mktemp("imported")
    path = folder / "quotes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "speaker", "publisher", "title"])
        for speaker, text in PEOPLE.items():
            writer.writerow([text, speaker, "Gazette", f"Interview with {speaker}"])
    db = folder / "imported.db"
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["corpus", "import", str(path), "--corpus", str(db)])
    assert result.exit_code == 0, result.output
    return db


def _check(runner, db, draft: str) -> dict:
    result = runner.invoke(cli, ["check", "--no-config", "--format", "json", "--corpus", str(db), "--text", draft])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["files"][0]["quotes"][0]


@pytest.mark.parametrize("draft", [
    '"{Elizabeth Warrick}," Warrick said.',
    '"{Elizabeth Warrick}," Sen. Warrick said.',
    '"{Elizabeth Warrick}," said Ms. Warrick, who chairs the committee.',
    '"{Peter DeBoer}," DeBoer said.',
    '"{Peter DeBoer}," said coach Peter DeBoer.',
    '"{Harry J. Kazianis}," said Harry J. Kazianis, a defence analyst.',
    '"{Harry J. Kazianis}," Kazianis said.',
    '"{Luis Muñoz}," Munoz said.',
    '"{Luis Muñoz}," Mayor Luis Munoz said.',
])
def test_imported_speaker_is_verified_under_every_form_of_the_name(runner, imported_db, draft):
    speaker = draft[2:draft.index("}")]
    found = _check(runner, imported_db, draft.replace("{" + speaker + "}", PEOPLE[speaker]))
    assert (found["verdict"], found["speaker"]) == ("verified", speaker)


@pytest.mark.parametrize("draft, speaker", [
    ('"{Jeh Castellano}," said Sen. Ron Castellano.', "Jeh Castellano"),
    ('"{Amy Chen}," Robert Chen said.', "Amy Chen"),
    ('"{Nancy Pellegrino}," Warrick said.', "Nancy Pellegrino"),
])
def test_words_credited_to_a_different_person_are_misattributed(runner, imported_db, draft, speaker):
    found = _check(runner, imported_db, draft.replace("{" + speaker + "}", PEOPLE[speaker]))
    assert (found["verdict"], found["severity"], found["speaker"]) == ("misattributed", "error", speaker)


def test_imported_speakers_are_found_by_surname(imported_db):
    from verifier.judge import people_named

    with Corpus.open(imported_db, readonly=True) as corpus:
        assert [s.name for s in people_named(corpus, "Sen. Warrick")] == ["Elizabeth Warrick"]
        assert [s.name for s in people_named(corpus, "Castellano")] == ["Jeh Castellano"]
        assert people_named(corpus, "Ron Castellano") == []
        assert [s.name for s in people_named(corpus, "Ms. Smith-Jones")] == ["Ana Smith-Jones"]


def test_a_corpus_from_before_surname_lookups_gains_them_when_opened(imported_db, tmp_path):
    import shutil
    import sqlite3

    old = tmp_path / "v2.db"
    shutil.copy(imported_db, old)
    with sqlite3.connect(old) as conn:
        conn.execute("DELETE FROM aliases WHERE kind='surname'")
        conn.execute("UPDATE meta SET value='3' WHERE key='schema_version'")
    with Corpus.open(old) as corpus:
        assert [s.name for s, how in corpus.speakers_named("Warrick")] == ["Elizabeth Warrick"]
        assert corpus.meta("schema_version") == "4"
