"""Transcripts as sources: the four styles read into speaker turns, labels resolved to people, and a
draft checked against them with the real CLI, saying where in the recording the words were said.

Every person and meeting here is fictional.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from verifier.cli import cli
from verifier.models import Speaker
from verifier.store.sqlite import Corpus
from verifier.transcript import detect_format, is_generic, label_name, parse_transcript, resolve_label

VTT = """WEBVTT - harbour commission captions

NOTE
Captions by the commission clerk.

STYLE
::cue { color: yellow }

REGION
id:lower width:40%

intro
00:00:05.000 --> 00:00:09.000 align:start position:10% line:85%
<v Imani Castellanos>Welcome, everyone, to the harbour commission.</v>

00:04:10.200 --> 00:04:13.900
<v Imani Castellanos>The dredging will <i>not</i> start before
the autumn storms have passed.</v>

00:04:14.000 --> 00:04:18.000
<v.chair Imani Castellanos>It will cost <b>6.5 million</b> dollars &amp; take
two seasons.

01:02:03.750 --> 01:02:07.000
<v Otto Lindqvist>The ferry schedule stays exactly as it is.</v>

01:02:07.500 --> 01:02:10.000
<v Speaker 3>Will the ferry fares go up?</v>
"""

SRT = """1
00:00:01,000 --> 00:00:04,000
>> MAYOR BRANNIGAN: Our libraries will stay open
on Sundays.

2
00:00:04,100 --> 00:00:07,500
We have never closed a branch to balance a budget.

3
00:05:00,000 --> 00:05:03,000
>> What about the east branch?

4
00:05:03,200 --> 00:05:09,000 X1:40 X2:600 Y1:20 Y2:50
>> COUNCILWOMAN FAIRWEATHER: The east branch
needs 300 new shelves.
- Thank you.
- Next question.
"""

TIMED = """Interview with Rosalind Quist, schools program
DATE: 3 March 2026

Wendell Achebe (00:00:02):
Thanks for making the time. How many students did the program reach?

Rosalind Quist (00:00:09):
We reached 1,200 students in the first year, and not one of them paid a fee.

Wendell Achebe  1:12:40
Would you expand it?

Rosalind Quist  1:12:44
We would never expand it without the teachers' union on board.
"""

OFFICIAL = """THE OFFICE OF THE GOVERNOR
Press Briefing by Press Secretary Lena Okonkwo

1:02 P.M. EST

MS. OKONKWO: Good afternoon. The governor will not sign the toll bill
in its current form.

Q    Lena, will she veto it?

MS. OKONKWO: She has said she would veto any bill that raises tolls by more
than 4 percent.

SECRETARY HALVORSEN: The bridges need the money, and I have said so for years.

Q: Is the secretary at odds with the governor?

THE GOVERNOR: We are not at odds over the bridge tolls.

END 1:40 P.M. EST
"""

RECORD = """Mr. DUNMORE. Madam President, I rise to speak about the rural clinic act.
It keeps 80 clinics open.

The PRESIDING OFFICER. The Senator from Wessex.

Mrs. ABERNATHY of Wessex. Madam President, the act does not go far enough.
"""


NAMED = """Interview with Rosalind Quist, 3 March 2026

Reporter: How many schools signed up?

Rosalind Quist: Forty schools signed up.
Look: nobody was turned away.

Dr. Achebe: That matches our count.
"""

CAPTIONS_WITHOUT_VOICES = """WEBVTT

00:00:01.000 --> 00:00:03.000
{\\an8}>> MAYOR BRANNIGAN: Good morning.

00:00:03.000 --> 00:00:05.000
<c.yellow>We open at nine</c> <00:00:04.000>every day.

00:00:05.000 --> 00:00:07.000
<v Ada Byrne>Thank you.</v> <v Cole Pryor>And thank you.</v>

00:00:07.000 --> 00:00:09.000
SPEAKER 4:
Is the pool open?
"""


def turns_of(text: str, name: str) -> list[tuple[str, str, tuple]]:
    return [(t.label, t.text, t.cues) for t in parse_transcript(text, name)]


@pytest.mark.parametrize("text, name, expected", [
    (VTT, "harbour.vtt", [
        ("Imani Castellanos", "Welcome, everyone, to the harbour commission. The dredging will not start before the "
         "autumn storms have passed. It will cost 6.5 million dollars & take two seasons.",
         ((0, 5.0), (46, 250.2), (112, 254.0))),
        ("Otto Lindqvist", "The ferry schedule stays exactly as it is.", ((0, 3723.75),)),
        ("Speaker 3", "Will the ferry fares go up?", ((0, 3727.5),)),
    ]),
    (SRT, "library.srt", [
        ("MAYOR BRANNIGAN", "Our libraries will stay open on Sundays. We have never closed a branch to balance a "
         "budget.", ((0, 1.0), (41, 4.1))),
        ("", "What about the east branch?", ((0, 300.0),)),
        ("COUNCILWOMAN FAIRWEATHER", "The east branch needs 300 new shelves.", ((0, 303.2),)),
        ("", "Thank you.", ((0, 303.2),)),
        ("", "Next question.", ((0, 303.2),)),
    ]),
    (TIMED, "interview.txt", [
        ("Wendell Achebe", "Thanks for making the time. How many students did the program reach?", ((0, 2.0),)),
        ("Rosalind Quist", "We reached 1,200 students in the first year, and not one of them paid a fee.",
         ((0, 9.0),)),
        ("Wendell Achebe", "Would you expand it?", ((0, 4360.0),)),
        ("Rosalind Quist", "We would never expand it without the teachers' union on board.", ((0, 4364.0),)),
    ]),
    (OFFICIAL, "briefing.txt", [
        ("MS. OKONKWO", "Good afternoon. The governor will not sign the toll bill in its current form.", ()),
        ("Q", "Lena, will she veto it?", ()),
        ("MS. OKONKWO", "She has said she would veto any bill that raises tolls by more than 4 percent.", ()),
        ("SECRETARY HALVORSEN", "The bridges need the money, and I have said so for years.", ()),
        ("Q", "Is the secretary at odds with the governor?", ()),
        ("THE GOVERNOR", "We are not at odds over the bridge tolls.", ()),
    ]),
    (RECORD, "record.txt", [
        ("Mr. DUNMORE", "Madam President, I rise to speak about the rural clinic act. It keeps 80 clinics open.", ()),
        ("The PRESIDING OFFICER", "The Senator from Wessex.", ()),
        ("Mrs. ABERNATHY of Wessex", "Madam President, the act does not go far enough.", ()),
    ]),
    (NAMED, "interview.txt", [
        ("Reporter", "How many schools signed up?", ()),
        ("Rosalind Quist", "Forty schools signed up. Look: nobody was turned away.", ()),
        ("Dr. Achebe", "That matches our count.", ()),
    ]),
    (CAPTIONS_WITHOUT_VOICES, "captions.vtt", [
        ("MAYOR BRANNIGAN", "Good morning. We open at nine every day.", ((0, 1.0), (14, 3.0))),
        ("Ada Byrne", "Thank you.", ((0, 5.0),)),
        ("Cole Pryor", "And thank you.", ((0, 5.0),)),
        ("SPEAKER 4", "Is the pool open?", ((0, 7.0),)),
    ]),
], ids=["webvtt", "srt", "timed", "official", "congressional-record", "names-with-colons", "vtt-prefixes"])
def test_each_style_is_read_into_speaker_turns_with_cue_times(text, name, expected):
    assert turns_of(text, name) == expected


@pytest.mark.parametrize("text, name, style", [
    (VTT, "captions.txt", "webvtt"),
    (SRT, "captions.txt", "srt"),
    (SRT.replace(",", "."), "captions.srt", "srt"),
    ("[00:00:03] Ada Byrne: Hello.\n[00:01:10] Speaker 2: Hi.\n", "notes.txt", "timed"),
    ("00:00:03 - Ada Byrne: Hello.\n00:01:10 - Speaker 2: Hi.\n", "notes.txt", "timed"),
    ("Ada Byrne: (00:00:03)\nHello.\n\nSpeaker 2: [00:01:10]\nHi.\n", "notes.txt", "timed"),
    (TIMED, "interview.md", "timed"),
    (OFFICIAL, "briefing.txt", "official"),
    (RECORD, "record.txt", "official"),
    ("00:00:01.000 --> 00:00:02.000\nHello there.\n", "no-header.vtt", "webvtt"),
    ('"We will reopen the pier," Mayor Brannigan said on Monday.\n\nShe did not say when.\n', "story.txt", None),
    ("Q: what is this?\n\nAn article that asks one question.\n", "story.md", None),
], ids=["vtt-content", "srt-content", "srt-dots-by-extension", "time-first", "time-first-dash",
        "name-colon-time", "timed", "official", "record", "vtt-no-header",
        "article", "article-with-one-label"])
def test_style_is_told_from_the_content_then_the_extension(text, name, style):
    assert detect_format(text, name) == style


@pytest.mark.parametrize("label, generic", [
    ("Speaker 1", True), ("SPEAKER 12", True), ("Q", True), ("Reporter", True), ("Unknown", True),
    ("Unidentified Speaker", True), ("", True), ("Audience Member", True),
    ("MR. EARNEST", False), ("Priya Natarajan", False), ("THE PRESIDENT", False),
])
def test_generic_labels_name_no_one(label, generic):
    assert is_generic(label) is generic


@pytest.mark.parametrize("label, name", [
    ("MR. EARNEST", "Earnest"), ("SECRETARY JOHNSON", "Johnson"), ("CHIEF REYES", "Reyes"),
    ("THE PRESIDENT", ""), ("Mr. REID", "Reid"), ("Mrs. ABERNATHY of Wessex", "Abernathy"),
    ("MAYOR ANA O'NEILL", "Ana O'Neill"), ("Priya Natarajan", "Priya Natarajan"), ("Mr. McCONNELL", "McConnell"),
    ("Ms. DeLAURO", "DeLauro"), ("SEN. ALVAREZ-STONE", "Alvarez-Stone"),
])
def test_labels_lose_their_titles(label, name):
    assert label_name(label) == name


@pytest.fixture
def people(tmp_path) -> Corpus:
    with Corpus.open(tmp_path / "people.db", create=True) as db:
        db.add([Speaker("josh-earnest", "Josh Earnest", aliases=("Earnest",)),
                Speaker("ana-reyes", "Ana Reyes"),
                Speaker("jeh-johnson", "Jeh Johnson"), Speaker("ron-johnson", "Ron Johnson")])
        yield db


@pytest.mark.parametrize("label, speaker_id", [
    ("MR. EARNEST", "josh-earnest"),   # an alias
    ("CHIEF REYES", "ana-reyes"),      # the one speaker with that surname
    ("Ana Reyes", "ana-reyes"),        # the name itself
    ("SECRETARY JOHNSON", None),       # two Johnsons: not guessed
    ("MS. OKONKWO", None),             # no one of that name
    ("THE PRESIDENT", None),           # titles alone name no one
    ("Bea Reyes", None),               # another first name is another person
])
def test_labels_resolve_to_the_one_corpus_speaker_of_that_surname(people, label, speaker_id):
    found = resolve_label(label, people)
    assert (found.id if found else None) == speaker_id


# -- through the command line ---------------------------------------------------------------------

def run(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


@pytest.fixture
def files(tmp_path) -> Path:
    for name, text in {"harbour.vtt": VTT, "library.srt": SRT, "interview.txt": TIMED, "briefing.txt": OFFICIAL,
                       "record.txt": RECORD}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def check_json(runner, draft: str, *sources: Path, extra: tuple = ()) -> list[dict]:
    args = ["check", "--text", draft, "--format", "json", "--fail-on", "never"]
    for source in sources:
        args += ["--source", source]
    result = run(runner, *args, *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["files"][0]["quotes"]


def finding(quote: dict) -> tuple:
    source = quote["source"] or {}
    return quote["verdict"], quote["speaker"], source.get("at")


@pytest.mark.parametrize("source, draft, expected", [
    # verified, with the start of the cue the first matched word is in
    ("harbour.vtt", '"The dredging will not start before the autumn storms have passed," Imani Castellanos said.',
     ("verified", "Imani Castellanos", "00:04:10")),
    # a quote spanning two cues (and a line break inside one) matches as one, from the first cue's start
    ("harbour.vtt", '"the autumn storms have passed. It will cost 6.5 million dollars," Castellanos said.',
     ("verified", "Imani Castellanos", "00:04:10")),
    # the matched words begin in the second cue of the turn: its start
    ("harbour.vtt", '"It will cost 6.5 million dollars," Castellanos said.',
     ("verified", "Imani Castellanos", "00:04:14")),
    ("harbour.vtt", '"The dredging will start before the autumn storms have passed," Castellanos said.',
     ("drift", "Imani Castellanos", "00:04:10")),
    ("harbour.vtt", '"It will cost 9.5 million dollars," Castellanos said.',
     ("drift", "Imani Castellanos", "00:04:14")),
    # a misattribution between two speakers of one transcript
    ("harbour.vtt", '"The ferry schedule stays exactly as it is," Castellanos said.',
     ("misattributed", "Otto Lindqvist", "01:02:03")),
    ("library.srt", '"We have never closed a branch to balance a budget," Mayor Brannigan said.',
     ("verified", "Brannigan", "00:00:04")),
    ("library.srt", '"The east branch needs 300 new shelves," Brannigan said.',
     ("misattributed", "Fairweather", "00:05:03")),
    ("library.srt", '"The east branch needs 30 new shelves," councilwoman Fairweather said.',
     ("drift", "Fairweather", "00:05:03")),
    ("interview.txt", '"We reached 1,200 students in the first year," Rosalind Quist said.',
     ("verified", "Rosalind Quist", "00:00:09")),
    ("interview.txt", '"We would expand it without the teachers\' union on board," Quist said.',
     ("drift", "Rosalind Quist", "01:12:44")),
    ("interview.txt", '"We reached 1,200 students in the first year," Wendell Achebe said.',
     ("misattributed", "Rosalind Quist", "00:00:09")),
    # no times in an official transcript: at is null
    ("briefing.txt", '"The governor will not sign the toll bill in its current form," Okonkwo said.',
     ("verified", "Lena Okonkwo", None)),   # the full name from the transcript's heading
    ("briefing.txt", '"The bridges need the money, and I have said so for years," Okonkwo said.',
     ("misattributed", "Halvorsen", None)),
    ("briefing.txt", '"She would veto any bill that raises tolls by more than 5 percent," Okonkwo said.',
     ("drift", "Lena Okonkwo", None)),
    ("record.txt", '"The act does not go far enough," Senator Abernathy said.', ("verified", "Abernathy", None)),
    ("record.txt", '"It keeps 80 clinics open," Abernathy said.', ("misattributed", "Dunmore", None)),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_a_draft_is_checked_against_a_transcript_given_with_source(runner, files, source, draft, expected):
    [quote] = check_json(runner, draft, files / source)
    assert finding(quote) == expected


@pytest.mark.parametrize("draft", [
    '"Will the ferry fares go up?" Otto Lindqvist asked.',       # Speaker 3: a generic label
    '"We are not at odds over the bridge tolls," Secretary Halvorsen said.',             # THE GOVERNOR: titles alone
])
def test_unnamed_speakers_confirm_words_but_never_accuse(runner, files, draft):
    [quote] = check_json(runner, draft, files / "harbour.vtt", files / "briefing.txt")
    assert (quote["verdict"], quote["speaker"]) == ("verified", None)
    assert any("does not name who said these words" in note for note in quote["notes"])


def test_a_speaker_option_names_a_generic_label(runner, files):
    draft = '"Will the ferry fares go up?" Otto Lindqvist asked.'
    [quote] = check_json(runner, draft, files / "harbour.vtt", extra=("--speaker", "Speaker 3=Nell Vasquez"))
    assert finding(quote) == ("misattributed", "Nell Vasquez", "01:02:07")


def test_source_url_points_at_the_second_and_the_text_report_says_when(runner, files, tmp_path):
    db = tmp_path / "stored.db"
    result = run(runner, "corpus", "ingest", files / "harbour.vtt", "--corpus", db, "--publisher", "Harbour TV",
                 "--title", "Commission meeting", "--date", "2026-02-11", "--url", "https://video.example/harbour")
    assert result.exit_code == 0, result.output
    draft = '"It will cost 6.5 million dollars," Castellanos said.'
    [quote] = check_json(runner, draft, extra=("--corpus", db))
    assert quote["source"] == {"publisher": "Harbour TV", "title": "Commission meeting", "date": "2026-02-11",
                               "url": "https://video.example/harbour#t=254", "at": "00:04:14"}
    text = run(runner, "check", "--corpus", db, "--text", draft).output
    assert "said by:     Imani Castellanos — Harbour TV, “Commission meeting” (2026-02-11), at 00:04:14" in text


def test_articles_in_the_shipped_corpus_have_no_time(runner):
    [quote] = check_json(runner, '"We\'re of course aware of these concerns," Earnest said.')
    assert quote["source"]["at"] is None and quote["source"]["url"] is None


def test_source_is_searched_together_with_the_corpus_in_use(runner, files):
    draft = ('"We\'re of course aware of these concerns," Earnest said. '
             '"Our libraries will stay open on Sundays," Brannigan said.')
    quotes = check_json(runner, draft, files / "library.srt")
    assert [finding(q) for q in quotes] == [("verified", "Josh Earnest", None),
                                           ("verified", "Brannigan", "00:00:01")]


def test_an_article_can_be_given_with_source(runner, tmp_path):
    article = tmp_path / "story.txt"
    article.write_text('"We will reopen the pier in May," Mayor Dana Brannigan said on Monday.\n', encoding="utf-8")
    [quote] = check_json(runner, '"We will reopen the pier in June," Brannigan said.', article)
    assert (quote["verdict"], quote["speaker"], quote["source"]["at"]) == ("drift", "Dana Brannigan", None)


def test_ingest_stores_turns_and_speakers_lists_the_people_it_brought_in(runner, files, tmp_path):
    db = tmp_path / "stored.db"
    result = run(runner, "corpus", "ingest", files / "library.srt", "--corpus", db, "--publisher", "City Hall",
                 "--title", "Council", "--speaker", "MAYOR BRANNIGAN=Dana Brannigan")
    assert result.exit_code == 0, result.output
    assert "added 5 turn(s)" in result.output and "3 by unnamed speakers" in result.output
    listed = run(runner, "corpus", "speakers", "--corpus", db).output
    assert "Dana Brannigan (1 quote)" in listed and "Fairweather (1 quote)" in listed
    assert listed.count("quote") == 2  # the unnamed speakers are no one
    again = run(runner, "corpus", "ingest", files / "library.srt", "--corpus", db, "--publisher", "City Hall",
                "--title", "Council", "--speaker", "MAYOR BRANNIGAN=Dana Brannigan")
    assert "added 0 turn(s), 5 already stored" in again.output


def test_a_label_resolves_to_the_corpus_speaker_on_ingest(runner, files, tmp_path, seed_db):
    db = tmp_path / "seed.db"
    shutil.copy(seed_db, db)
    briefing = files / "earnest.txt"
    briefing.write_text("MR. EARNEST: The dredging of the harbour is a matter for the state.\n\n"
                        "Q    Is it?\n\nMR. EARNEST: It is.\n", encoding="utf-8")
    result = run(runner, "corpus", "ingest", briefing, "--corpus", db, "--publisher", "WH", "--title", "Briefing")
    assert "MR. EARNEST = Josh Earnest" in result.output
    [quote] = check_json(runner, '"The dredging of the harbour is a matter for the state," Josh Earnest said.',
                         extra=("--corpus", db))
    assert finding(quote) == ("verified", "Josh Earnest", None)


# -- bad input: one line naming the file and line, exit 2, nothing stored --------------------------

@pytest.mark.parametrize("name, content, message", [
    ("bad-timing.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\n<v A B>Hello.\n",
     "bad-timing.vtt:3: malformed timing line"),
    ("arrow.vtt", "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHello.\n", "arrow.vtt:3: malformed timing line"),
    ("backwards.srt", "1\n00:00:05,000 --> 00:00:01,000\nHello.\n", "backwards.srt:2: malformed timing line"),
    ("no-timing.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\nGoodbye.\n", "no-timing.srt:6: expected a cue"),
    ("minutes.txt", "Ada Byrne (00:75:10):\nHello.\n\nAda Byrne (00:76:10):\nHi.\n",
     "minutes.txt:1: malformed time '00:75:10'"),
    ("labels.txt", "just words\nwith no speakers\n", "labels.txt:1: no speaker labels"),
    ("headers.txt", "\njust words\nwith no speakers\n", "headers.txt:2: no speaker labels"),
    ("empty.vtt", "WEBVTT\n\nNOTE nothing was said\n", "empty.vtt:1: empty transcript"),
    ("blank.srt", "\n\n", "blank.srt:1: empty file"),
    ("binary.vtt", "WEBVTT\n\x00\x01\x02", "binary.vtt:2: binary file"),
])
def test_bad_transcripts_are_one_line_exit_2_and_nothing_is_stored(runner, tmp_path, seed_db, name, content,
                                                                  message):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    db = tmp_path / "seed.db"
    shutil.copy(seed_db, db)
    before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    forced = {"labels.txt": "official", "headers.txt": "timed"}.get(name)
    fmt = ("--format", forced) if forced else ()
    stored = run(runner, "corpus", "ingest", path, "--corpus", db, "--publisher", "P", "--title", "T", *fmt)
    checked = run(runner, "check", "--text", '"Hello," Ada Byrne said.', "--source", path,
                  *(("--source-format", forced) if forced else ()))
    for result in (stored, checked):
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.output
        assert "Traceback" not in result.output
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM quotes").fetchone()[0] == before


@pytest.mark.parametrize("pair", ["Speaker 2", "=Priya", "Speaker 2="])
def test_a_speaker_option_without_label_and_name_is_one_line(runner, files, pair):
    result = run(runner, "check", "--text", '"x y z w," A said.', "--source", files / "harbour.vtt",
                 "--speaker", pair)
    assert result.exit_code == 2 and "use LABEL=NAME" in result.output


def test_a_speaker_option_without_a_source_is_one_line(runner):
    result = run(runner, "check", "--text", '"x y z w," A said.', "--speaker", "Speaker 2=Priya Natarajan")
    assert result.exit_code == 2 and "give --source FILE" in result.output


def test_a_version_2_corpus_gains_cue_times_and_keeps_its_quotes(tmp_path, seed_db):
    db = tmp_path / "v2.db"
    shutil.copy(seed_db, db)
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE quotes DROP COLUMN cues")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        count = conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    with Corpus.open(db) as corpus:
        assert corpus.meta("schema_version") == "4"
        assert sum(1 for _ in corpus.quotes()) == count
        assert all(q.cues == () for q in corpus.quotes())


def long_turn_vtt() -> tuple[str, list[str]]:
    """Return a WebVTT file where one speaker talks for 400 words (40 cues of 10 words, 10 s apart)."""
    syllables = "ba ke lo mi nu pa re si to vu".split()
    words = [f"{a}{b}{c}" for a in syllables for b in syllables for c in syllables][:400]
    cues = [f"00:{k * 10 // 60:02d}:{k * 10 % 60:02d}.000 --> 00:{k * 10 // 60:02d}:{k * 10 % 60:02d}.900\n"
            f"<v Wren Halloway>{' '.join(words[10 * k:10 * k + 10])}" for k in range(40)]
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n", words


@pytest.mark.parametrize("first, last, at", [
    (0, 12, "00:00:00"),
    (150, 175, "00:02:30"),   # across the end of the first 160-word passage
    (236, 262, "00:03:50"),
    (385, 400, "00:06:20"),   # the end of the turn
])
def test_a_long_turn_is_found_anywhere_with_the_time_of_its_cue(runner, tmp_path, first, last, at):
    text, words = long_turn_vtt()
    path = tmp_path / "long.vtt"
    path.write_text(text, encoding="utf-8")
    draft = f'"{" ".join(words[first:last])}," Wren Halloway said.'
    [quote] = check_json(runner, draft, path)
    assert finding(quote) == ("verified", "Wren Halloway", at)


@pytest.mark.parametrize("heading, label, name", [
    ("Press Briefing by Press Secretary Lena Okonkwo", "MS. OKONKWO", "Lena Okonkwo"),
    ("PRESS BRIEFING BY PRESS SECRETARY LENA OKONKWO", "MS. OKONKWO", "Lena Okonkwo"),
    ("Remarks by Secretary Arne T. Halvorsen", "SECRETARY HALVORSEN", "Arne T. Halvorsen"),
    ("Remarks by Secretary Halvorsen", "SECRETARY HALVORSEN", "Halvorsen"),                   # no first name
    ("Lena Okonkwo and Ruth Okonkwo", "MS. OKONKWO", "Okonkwo"),                              # two: not guessed
])
def test_a_surname_label_takes_the_full_name_the_heading_gives(runner, tmp_path, heading, label, name):
    path = tmp_path / "briefing.txt"
    path.write_text(f"{heading}\n\n{label}: The ferry will run all winter long.\n\nQ: Even in storms?\n",
                    encoding="utf-8")
    [quote] = check_json(runner, '"The ferry will run all winter long," she said.', path)
    assert quote["speaker"] == name


@pytest.mark.parametrize("heading, label, name", [
    ("Remarks by President Ada Halvorsen on the Harbour Budget", "THE PRESIDENT", "Ada Halvorsen"),
    ("REMARKS BY PRESIDENT ADA HALVORSEN ON THE HARBOUR BUDGET", "THE PRESIDENT", "Ada Halvorsen"),
    ("Briefing by Press Secretary Lena Okonkwo", "THE PRESS SECRETARY", "Lena Okonkwo"),
    ("REMARKS BY THE PRESIDENT ON THE HARBOUR BUDGET", "THE PRESIDENT", None),     # names no one
])
def test_a_label_of_titles_alone_is_whoever_the_heading_says_holds_the_role(runner, tmp_path, heading, label,
                                                                            name):
    path = tmp_path / "remarks.txt"
    path.write_text(f"{heading}\n\n{label}: The ferry will run all winter long.\n\nQ: Even in storms?\n",
                    encoding="utf-8")
    [quote] = check_json(runner, '"The ferry will run all winter long," she said.', path)
    assert quote["speaker"] == name


def test_roll_up_captions_are_not_read_twice(tmp_path):
    rolled = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000 align:start position:0%\n"
              "we<00:00:01.500><c> will</c><00:00:02.000><c> not</c>\n\n"
              "00:00:03.000 --> 00:00:03.010\nwe will not\n\n"
              "00:00:03.010 --> 00:00:05.000\nwe will not\nclose<00:00:03.500><c> the pier</c>\n")
    [turn] = parse_transcript(rolled, "rolled.vtt")
    assert (turn.text, turn.cues) == ("we will not close the pier", ((0, 1.0), (12, 3.01)))


def test_a_surname_label_resolves_to_the_full_name_another_source_gives_whatever_the_order(runner, tmp_path):
    briefing = tmp_path / "briefing.txt"
    briefing.write_text("MR. WHITFIELD: The pier stays closed until June.\n\nQ: Why June?\n", encoding="utf-8")
    interview = tmp_path / "interview.vtt"
    interview.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Dana Whitfield>Because the pilings "
                         "are rotten.\n\n00:00:04.000 --> 00:00:06.000\n<v Speaker 2>Thank you.\n", encoding="utf-8")
    draft = '"The pier stays closed until June," Dana Whitfield said. "The pilings are rotten," Whitfield said.'
    for order in ((briefing, interview), (interview, briefing)):
        quotes = check_json(runner, draft, *order)
        assert [finding(q) for q in quotes] == [("verified", "Dana Whitfield", None),
                                               ("verified", "Dana Whitfield", "00:00:01")]


def test_a_corpus_with_transcripts_checks_healthy_and_lists_unnamed_turns_by_label(runner, files, tmp_path):
    db = tmp_path / "stored.db"
    run(runner, "corpus", "ingest", files / "harbour.vtt", "--corpus", db, "--publisher", "P", "--title", "T")
    checked = run(runner, "corpus", "check", "--corpus", db)
    assert checked.exit_code == 0, checked.output
    listed = run(runner, "corpus", "list", "--corpus", db).output
    assert "an unnamed speaker (Speaker 3): “Will the ferry fares go up?”" in listed


@pytest.mark.parametrize("bad", [False, True])
def test_check_source_leaves_no_temporary_corpus_behind(runner, files, tmp_path, monkeypatch, bad):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    sources = [files / "harbour.vtt"] + ([files / "missing.vtt"] if bad else [])
    args = ["check", "--text", '"It will cost 6.5 million dollars," Castellanos said.']
    for source in sources:
        args += ["--source", source]
    result = run(runner, *args)
    assert result.exit_code == (2 if bad else 0), result.output
    assert list(scratch.iterdir()) == []
