"""Read a transcript into speaker turns: who spoke, the words, and when each cue began.

Four styles, told apart by their content (and the file's extension):

* ``webvtt``: WebVTT captions (cue timings and settings, ``<v Name>`` voice
  tags, NOTE/STYLE/REGION blocks, inline tags such as ``<i>``);
* ``srt``: SubRip captions (numbered cues; ``NAME:`` prefixes, ``>>`` or
  ``-`` for a change of speaker);
* ``timed``: what transcription services export, a header
  ``Name (HH:MM:SS):`` or ``Name  M:SS`` before each turn;
* ``official``: press-briefing and hearing transcripts, ``MR. EARNEST:``,
  ``Q``, ``THE PRESIDENT:``, or ``Mr. REID.`` as in a congressional record,
  with no times.

Consecutive cues of one speaker become one turn, so a quotation spanning a cue
boundary matches as one; each cue keeps its start time (as an offset into the
turn's text) so a match can say where its first word was said.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .models import Speaker

FORMATS = ("webvtt", "srt", "timed", "official")
SUFFIX_FORMATS = {".vtt": "webvtt", ".webvtt": "webvtt", ".srt": "srt"}


class TranscriptError(ValueError):
    """A transcript that cannot be read; the message is one line naming the file and line."""


@dataclass(frozen=True)
class Turn:
    """What one speaker said without interruption.

    `label` is the speaker as the transcript writes it ("MR. EARNEST",
    "Speaker 2"; "" when it names no one). `cues` holds (offset in `text`,
    start in seconds) for each cue the turn was joined from; empty without times.
    """

    label: str
    text: str
    line: int
    cues: tuple[tuple[int, float], ...] = ()


@dataclass
class _Builder:
    """Turns being joined from cues, in order."""

    turns: list[Turn] = field(default_factory=list)
    label: str | None = None  # the current speaker's label ("" unnamed); None before anyone spoke
    parts: list[str] = field(default_factory=list)
    cues: list[tuple[int, float]] = field(default_factory=list)
    line: int = 0
    length: int = 0

    def say(self, label: str | None, text: str, line: int, start: float | None, new_turn: bool = False) -> None:
        """Add words said from `start` (None: no time); `label` None continues the current speaker.
        A change of label, or `new_turn` (a ">>" or "-" marker), starts a new turn. Returns nothing."""
        text = " ".join(text.split())
        if label is not None and (label != self.label or (new_turn and not label)):
            self.close()
            self.label = label
        elif new_turn and label is None:
            self.close()
            self.label = ""
        if not text:
            return
        if self.label is None:
            self.label = ""
        if not self.parts:
            self.line = line
        if start is not None and (not self.cues or self.cues[-1][1] != start):
            self.cues.append((self.length + (1 if self.parts else 0), start))
        self.length += len(text) + (1 if self.parts else 0)
        self.parts.append(text)

    def close(self) -> None:
        """End the current turn, if it has words (returns nothing)."""
        if self.parts:
            self.turns.append(Turn(self.label or "", " ".join(self.parts), self.line, tuple(self.cues)))
        self.parts, self.cues, self.length = [], [], 0


# -- times -----------------------------------------------------------------------------------

CUE_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
TIMING_RE = re.compile(rf"^\s*({CUE_TIME})\s*-->\s*({CUE_TIME})(?:\s+(.*))?$")
CLOCK_RE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


def seconds(clock: str) -> float | None:
    """Return "01:02:03.500" / "1:02" (minutes:seconds) / "00:01,250" in seconds, or None if malformed."""
    found = CLOCK_RE.match(clock.strip())
    if not found:
        return None
    hours, minutes, secs, fraction = found.groups()
    if int(secs) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
    return value + (int(fraction.ljust(3, "0")) / 1000 if fraction else 0.0)


def _timing(line: str, path: str, number: int) -> float:
    """Return the start of a cue timing line, or raise TranscriptError naming the line."""
    found = TIMING_RE.match(line)
    start = seconds(found.group(1)) if found else None
    end = seconds(found.group(2)) if found else None
    if start is None or end is None or end < start:
        raise TranscriptError(f"{path}:{number}: malformed timing line {line.strip()[:60]!r} "
                              "(expected 00:00:01.000 --> 00:00:04.000)")
    return start


# -- what a cue's text says about its speaker --------------------------------------------------

TAG_RE = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")  # HTML-like tags, and SubRip's {\an8} placement codes
VOICE_RE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")
STAGE_RE = re.compile(r"[\[(](?:laughter|laughs|applause|crosstalk|inaudible|music|cheers|cheering|silence|pause|"
                      r"booing|cross-talk|unintelligible|indiscernible)[^\])]*[\])]", re.IGNORECASE)
CAPTION_NAME_RE = re.compile(r"^([A-Z][A-Za-z.'\- ]{0,40}?[A-Za-z.]|(?i:speaker)\s*\d+)\s*:(?:\s+|$)")


def _plain(text: str) -> str:
    """Return caption text without tags, entities or stage directions such as (Laughter)."""
    return STAGE_RE.sub(" ", html.unescape(TAG_RE.sub("", text)))


def _caption_lines(payload: list[str]) -> list[tuple[str | None, bool, str]]:
    """Return (label or None, starts a new turn, text) for each piece of a cue's text.

    A voice tag or a ``NAME:`` prefix names the speaker; ``>>`` or a leading
    ``-`` marks a change of speaker who may not be named.
    """
    pieces: list[tuple[str | None, bool, str]] = []
    for raw in payload:
        voices = list(VOICE_RE.finditer(raw))
        segments = [(None, raw)] if not voices else (
            ([(None, raw[:voices[0].start()])] if raw[:voices[0].start()].strip() else [])
            + [(v.group(1).strip(), raw[v.end():voices[k + 1].start() if k + 1 < len(voices) else len(raw)])
               for k, v in enumerate(voices)])
        for voice, segment in segments:
            text = _plain(segment).strip()
            change = False
            if text.startswith(">>"):
                text, change = text.lstrip(">").strip(), True
            elif text.startswith("- ") or text.startswith("– "):
                text, change = text[2:].strip(), True
            label = voice
            named = CAPTION_NAME_RE.match(text)
            if named and _looks_like_label(named.group(1)):
                label, text = named.group(1).strip(), text[named.end():]
            if change and label is None:
                label = ""
            pieces.append((label, change, text))
    return pieces


def _looks_like_label(name: str) -> bool:
    """Return True for words that can name a speaker: ALL CAPS ("MAYOR OKAFOR"), "Speaker 2", or a
    Title Case name of two to five words ("Priya Natarajan"; one Title Case word, "Look:", is speech)."""
    words = name.split()
    letters = [c for c in name if c.isalpha()]
    if len(letters) >= 2 and name.upper() == name:
        return True
    if is_generic(name):
        return True
    return 2 <= len(words) <= 5 and all(w[:1].isupper() or w.isdigit() for w in words)


def _blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Return the blank-line separated blocks of a file with the 1-based number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    return [(n, b) for n, b in blocks if b]


def _captions(builder: _Builder, start: float, payload: list[str], first_line: int) -> None:
    for offset, (label, change, text) in enumerate(_caption_lines(payload)):
        if label is None and not change and builder.parts and text.strip() == builder.parts[-1]:
            continue  # roll-up captions (YouTube's) show the previous line again above the new one
        builder.say(label, text, first_line + min(offset, len(payload) - 1), start, new_turn=change)


# -- the four formats ------------------------------------------------------------------------------

def parse_webvtt(text: str, path: str) -> list[Turn]:
    """Return the turns of a WebVTT file; raise TranscriptError for a malformed cue."""
    return _parse_captions(text, path, "00:00:01.000 --> 00:00:04.000")


def parse_srt(text: str, path: str) -> list[Turn]:
    """Return the turns of a SubRip file; raise TranscriptError for a malformed cue."""
    return _parse_captions(text, path, "00:00:01,000 --> 00:00:04,000")


def _parse_captions(text: str, path: str, example: str) -> list[Turn]:
    """Return the turns of captions: blocks of an optional cue identifier or number, a timing line and
    the cue's text (WebVTT's header, NOTE, STYLE and REGION blocks are passed over)."""
    builder = _Builder()
    for number, block in _blocks(text.split("\n")):
        head = block[0].strip()
        if head.startswith("WEBVTT") or re.match(r"^(NOTE|STYLE|REGION)(\s|$)", head):
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            for k, line in enumerate(block[:2]):
                if re.search(r"\d:\d\d[.,]\d", line):  # a time without a well-formed arrow
                    _timing(line, path, number + k)
            at = min(1, len(block) - 1)  # the line that should have been the timing
            found = block[at].strip()[:60]
            raise TranscriptError(f"{path}:{number + at}: expected a cue timing line ({example}), "
                                  f"found {found!r}")
        start = _timing(block[timing_at], path, number + timing_at)
        _captions(builder, start, block[timing_at + 1:], number + timing_at + 1)
    builder.close()
    return builder.turns


TIMED_HEADER_RE = re.compile(
    r"^\s*(?P<name>[^\W\d][\w.'’\- ]{0,60}?)\s*:?\s*"
    r"(?:\(\s*(?P<paren>[\d:.,]+)\s*\)\s*:?|\[\s*(?P<bracket>[\d:.,]+)\s*\]\s*:?|\s+(?P<bare>\d[\d:.,]*)\s*:?\s*$)\s*(?P<rest>.*)$")
# the time first, as some services write it: "[00:12:31] Priya Natarajan: ..." or "00:12:31 - Priya Natarajan:"
TIME_FIRST_RE = re.compile(r"^\s*[\[(]?(?P<first>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)[\])]?\s*[-–—]?\s*"
                           r"(?P<name>[^\W\d][\w.'’\- ]{0,60}?)\s*:(?:\s+(?P<rest>.*))?$")


def _timed_header(line: str) -> tuple[str, str, str] | None:
    """Return (name, clock as written, text after it) when a line is a speaker-and-time header."""
    found = TIMED_HEADER_RE.match(line) or TIME_FIRST_RE.match(line)
    if not found or len(found.group("name").split()) > 6:
        return None
    groups = found.groupdict()
    stamp = next(groups[k] for k in ("paren", "bracket", "bare", "first") if groups.get(k))
    words = found.group("name").split()
    if ":" not in stamp or not all(w[:1].isupper() or w.isdigit() for w in words):
        return None
    return found.group("name").strip(), stamp, found.group("rest") or ""


def parse_timed(text: str, path: str) -> list[Turn]:
    """Return the turns of a transcript with "Name (00:01:02):" or "Name  1:02" headers; the heading before the
    first header is left out. Raises TranscriptError for a malformed time or when no line is a header."""
    builder = _Builder()
    started = False
    for number, line in enumerate(text.split("\n"), 1):
        header = _timed_header(line) if line.strip() else None
        if header:
            name, stamp, rest = header
            start = seconds(stamp)
            if start is None:
                raise TranscriptError(f"{path}:{number}: malformed time {stamp!r} in speaker header "
                                      "(expected HH:MM:SS or M:SS)")
            builder.say(name, "", number, None, new_turn=True)
            builder.say(None, _plain(rest), number, start)
            if not rest.strip():
                builder.cues.append((0, start))  # the turn's words begin on the next line
            started = True
        elif line.strip() and started:
            builder.say(None, _plain(line), number, None)
    builder.close()
    if not started:
        raise _no_labels(text, path)
    return _first_cue_only(builder.turns)


def _first_cue_only(turns: list[Turn]) -> list[Turn]:
    """Return turns keeping one start time each (a header's time may have been noted twice)."""
    return [Turn(t.label, t.text, t.line, t.cues[:1]) for t in turns]


TITLES = ("MR", "MRS", "MS", "MISS", "DR", "SEN", "SENATOR", "REP", "REPRESENTATIVE", "SECRETARY", "CHIEF",
          "THE", "GOV", "GOVERNOR", "MAYOR", "ADMIRAL", "ADM", "GENERAL", "GEN", "AMBASSADOR", "JUDGE", "JUSTICE",
          "COMMISSIONER", "DIRECTOR", "CHAIRMAN", "CHAIRWOMAN", "CHAIR", "DEPUTY", "DETECTIVE", "OFFICER",
          "SHERIFF", "PROFESSOR", "PROF", "REVEREND", "REV", "CAPTAIN", "CAPT", "LIEUTENANT", "LT", "SERGEANT",
          "SGT", "COLONEL", "COL", "MAJOR", "COUNCILMEMBER", "COUNCILMAN", "COUNCILWOMAN", "SUPERINTENDENT",
          "ATTORNEY", "PRESIDENT", "VICE", "SPEAKER", "LEADER", "MINISTER", "PRIME", "PRESS", "AGENT", "INSPECTOR",
          "COMMANDER", "MADAM", "DELEGATE", "PRESIDING", "ASSISTANT", "ACTING", "CHANCELLOR", "DEAN", "TREASURER",
          "CLERK", "PRO", "TEMPORE", "SIR", "DAME", "LORD", "LADY", "HON", "HONORABLE")
OFFICIAL_LABEL_RE = re.compile(r"^\s*(?P<label>(?:[A-Z][A-Z'’\-]*\.?\s+){0,5}[A-Z][A-Z'’\-]+\.?|Q)\s*:\s*(?P<rest>.*)$")
QUESTION_RE = re.compile(r"^\s*(?P<label>Q)(?:\s*[.:]|\s)\s*(?P<rest>\S.*)?$")
RECORD_LABEL_RE = re.compile(
    r"^\s*(?P<label>(?:(?:Mr|Mrs|Ms|Miss|Dr|Madam|Senator|Chairman|Chairwoman)\.?|The)\s+(?:[A-Z][a-z]{0,3})?[A-Z][A-Z'’\-]+(?:\s+[A-Z][A-Z'’\-]+)*"
    r"(?:\s+(?:pro\s+tempore|of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))?)\.\s+(?P<rest>\S.*)$")
NAME_LABEL_RE = re.compile(
    r"^\s*(?P<label>[A-Z][\w'’\-]*\.?(?:\s+[A-Z][\w'’\-]*\.?){0,4}(?:\s+\d+)?)\s*:(?:\s+(?P<rest>.*))?$")
HEADING_KEYS = frozenset("DATE TIME LOCATION PLACE SUBJECT RE TITLE TRANSCRIPT SOURCE NOTE PRESENT ATTENDEES "
                         "PARTICIPANTS WHERE WHEN RELEASE EMBARGO CONTACT FROM TO CC".split())
END_RE = re.compile(r"^\s*END\s+\d{1,2}:\d{2}")


def _official_label(line: str) -> tuple[str, str] | None:
    """Return (label, text after it) when a line opens an official-transcript turn."""
    for pattern in (RECORD_LABEL_RE, QUESTION_RE, OFFICIAL_LABEL_RE, NAME_LABEL_RE):
        found = pattern.match(line)
        if found and any(c.isalpha() for c in found.group("label")):
            label = found.group("label").strip()
            if pattern is OFFICIAL_LABEL_RE and label != "Q" and len(re.sub(r"[^A-Z]", "", label)) < 2:
                continue
            if label.upper().strip(".") in HEADING_KEYS:
                continue  # "DATE: March 3" in a heading
            if pattern is NAME_LABEL_RE and not _looks_like_label(label):
                continue  # "Look: ..." is speech; "Priya Natarajan:", "Mr. Earnest:", "Reporter:" are labels
            return label, found.group("rest") or ""
    return None


def parse_official(text: str, path: str) -> list[Turn]:
    """Return the turns of an official transcript ("MR. EARNEST:", "Q", "Mr. REID."); the heading
    before the first label is left out. Raises TranscriptError when no line opens a turn."""
    builder = _Builder()
    started = False
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip() or END_RE.match(line):
            continue
        opened = _official_label(line)
        if opened:
            label, rest = opened
            builder.say(label, "", number, None, new_turn=True)
            builder.say(None, _plain(rest), number, None)
            started = True
        elif started:
            builder.say(None, _plain(line), number, None)
    builder.close()
    if not started:
        raise _no_labels(text, path)
    return builder.turns


def _no_labels(text: str, path: str) -> TranscriptError:
    """Return the error for a transcript in which no line opens a turn, naming its first line of text."""
    first = next((n for n, line in enumerate(text.split("\n"), 1) if line.strip()), 1)
    return TranscriptError(f"{path}:{first}: no speaker labels in a recognised format "
                           "(Name (00:01:02):, Name  1:02, MR. NAME:, Q, Mr. NAME.)")


PARSERS = {"webvtt": parse_webvtt, "srt": parse_srt, "timed": parse_timed, "official": parse_official}


def detect_format(text: str, path: str = "") -> str | None:
    """Return the transcript style of a text ("webvtt", "srt", "timed", "official"), or None for an
    article. The content decides; the extension (.vtt, .srt) only when the content says nothing."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        return "webvtt"
    timing = next((line for line in lines[:3] if "-->" in line), None)
    if timing is not None:
        return "srt" if lines[0].strip().isdigit() or re.search(r"\d,\d", timing) else "webvtt"
    suffix = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if suffix:
        return suffix
    headers = sum(1 for line in lines[:400] if _timed_header(line))
    if _timed_header(lines[0]) or headers >= 2:
        return "timed"
    labels = sum(1 for line in lines[:400] if _official_label(line))
    if labels >= 2:
        return "official"
    return None


def parse_transcript(text: str, path: str, fmt: str | None = None) -> list[Turn]:
    """Return the speaker turns of a transcript in `fmt` (detected when None).

    Raises TranscriptError, one line naming the file and line, for a malformed
    timing line, an unknown label format, or a transcript with no words.
    """
    fmt = fmt or detect_format(text, path)
    if fmt not in PARSERS:
        raise TranscriptError(f"{path}:1: not a transcript in a known format ({', '.join(FORMATS)})")
    turns = PARSERS[fmt](text, path)
    if not turns:
        raise TranscriptError(f"{path}:1: empty transcript, no words spoken")
    return turns


GENERIC_LABEL_RE = re.compile(
    r"^(?:speaker|spkr|voice|participant|unknown|unidentified|reporter|journalist|question|questioner|q|"
    r"audience|audience member|crowd|interviewer|moderator|male|female|man|woman|caller|narrator|"
    r"the reporter|a reporter|unknown speaker|unidentified speaker|unidentified male|unidentified female|"
    r"off[- ]?mic|multiple speakers|several speakers|crosstalk)(?:\s*(?:#\s*)?\d+|\s+[a-z])?$",
    re.IGNORECASE)


def is_generic(label: str) -> bool:
    """Return True when a label names no one ("Speaker 2", "Q", "Reporter", "Unknown", "")."""
    return not label.strip() or bool(GENERIC_LABEL_RE.match(" ".join(label.replace(".", " ").split())))


def label_name(label: str) -> str:
    """Return a label as a name: titles and a congressional record's "of Texas" dropped, capitals
    lowered ("MR. EARNEST" -> "Earnest", "SECRETARY JOHNSON" -> "Johnson"); "" for titles alone."""
    words = re.sub(r"\s+of\s+[A-Z][a-z]+.*$", "", label).replace(".", " ").split()
    while words and words[0].upper().strip("’'") in TITLES:
        words = words[1:]
    return " ".join(map(_capitalised, words))


def _capitalised(word: str) -> str:
    """Return a name word written in capitals as a name is written ("REYES" -> "Reyes", "O'NEILL" -> "O'Neill",
    "McCONNELL" -> "McConnell", "DeLAURO" -> "DeLauro"); other words unchanged."""
    return re.sub(r"(?<=[A-Z])[A-Z]+", lambda m: m.group(0).lower(), word)


def full_name(heading: str, surname: str) -> str | None:
    """Return the one full name a transcript's heading gives a surname ("Press Briefing by Press Secretary
    Lena Okonkwo" -> "Lena Okonkwo" for "Okonkwo"), or None when it gives none or several."""
    pattern = re.compile(rf"\b([A-Z][A-Za-z'’\-]+)((?:[ \t]+[A-Z]\.)?)[ \t]+(?i:{re.escape(surname)})\b")
    found = {f"{_capitalised(first)}{middle} {surname}"
             for first, middle in pattern.findall(heading) if first.upper().strip("’'") not in TITLES}
    return found.pop() if len(found) == 1 else None


HEADING_STOP = frozenset("ON THE AT IN TO FOR AND OF AFTER BEFORE DURING WITH FROM BY ABOUT REGARDING".split())


def role_holder(heading: str, label: str) -> str | None:
    """Return who a transcript's heading says holds a label's role ("THE PRESIDENT" in "Remarks by President
    Ada Halvorsen on the Budget" -> "Ada Halvorsen"), or None when it names no one or several."""
    role = [w for w in label.replace(".", " ").split() if w.upper() not in ("THE", "A", "AN")]
    if not role:
        return None
    after = r"[ \t]+((?:[A-Z][\w'’\-]*\.?[ \t]+){0,2}[A-Z][\w'’\-]*)"  # up to three capitalised words
    pattern = re.compile(r"(?i:" + r"[ \t]+".join(map(re.escape, role)) + ")" + after)
    found = set()
    for words in pattern.findall(heading):
        kept = []
        for word in words.split():
            if word.upper().strip(".") in HEADING_STOP or word.upper().strip(".") in TITLES:
                break
            kept.append(_capitalised(word))
        if kept:
            found.add(" ".join(kept))
    return found.pop() if len(found) == 1 else None


class Names(Protocol):
    """What label resolution reads: a corpus, or the corpus in use together with `check --source` files."""

    def speakers_named(self, name: str) -> list[tuple[Speaker, str]]:
        """Return (speaker, how) for every speaker a name, alias or surname refers to."""
        ...


def resolve_label(label: str, corpus: Names) -> Speaker | None:
    """Return the corpus speaker a named label means, or None when none or several could be meant.

    Titles are dropped ("MR. EARNEST" -> "Earnest") and the name is matched as
    a draft's credit is (verifier.names): a full name is the speaker of that
    name, a surname alone the one speaker with that surname. A label of titles
    alone ("THE PRESIDENT") resolves to no one: which president is not in the
    transcript.
    """
    from .judge import people_named

    name = label_name(label)
    if not name:
        return None
    found = {s.id: s for s in people_named(corpus, name)}  # type: ignore[arg-type]
    return next(iter(found.values())) if len(found) == 1 else None
