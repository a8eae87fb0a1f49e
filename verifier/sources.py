"""Turn a transcript or an article into corpus records: `corpus ingest` and `check --source`.

A transcript's turns become quotes: speaker labels are resolved to people
(an explicit `--speaker LABEL=NAME`, then the corpus's own names), turns by
unnamed or generic speakers are stored under UNNAMED (they confirm words,
never accuse anyone), and each turn keeps its cue start times.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .ingest import ingest_document
from .models import Source, Speaker
from .read import MAX_BYTES_DEFAULT, InputError, decode, document_from_text, kind_for, read_bytes
from .store import QuoteRecord, slug
from .store.sqlite import Corpus
from .together import Together
from .transcript import (
    Names,
    TranscriptError,
    Turn,
    detect_format,
    full_name,
    is_generic,
    label_name,
    parse_transcript,
    resolve_label,
    role_holder,
)

UNNAMED = Speaker(id="~unnamed", name="an unnamed speaker")  # no slug starts with "~": `named` is False
# A turn longer than PASSAGE_WORDS is stored as passages of that many words, each starting PASSAGE_STEP words
# after the last: any quotation of up to PASSAGE_WORDS - PASSAGE_STEP words lies whole in one of them. Aligning
# a quotation with a 600-word turn cost ~16 ms of word-by-word alignment, with a 160-word passage a quarter.
PASSAGE_WORDS = 160
PASSAGE_STEP = 80


class SourceError(ValueError):
    """A transcript or article that cannot be stored; the message is one line naming the file (and line)."""


@dataclass
class TranscriptResult:
    """What a transcript ingest stored."""

    added: int = 0
    already: int = 0
    turns: int = 0
    unnamed: int = 0  # turns by unnamed or generic speakers
    people: dict[str, Speaker] = field(default_factory=dict)  # label as written -> the person it resolved to


def read_source(path: str, fmt: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT) -> tuple[str, list[Turn] | None]:
    """Return a file's text and its transcript turns (None when it is an article: no transcript format
    detected and none forced). Raises SourceError with one line naming the file and line."""
    try:
        data = read_bytes(path, max_bytes)
    except InputError as exc:  # missing, a folder, too large: no line to name
        raise SourceError(str(exc)) from None
    try:
        text = decode(data, path)
    except InputError as exc:
        raise SourceError(_with_line(str(exc), path, data)) from None
    fmt = None if fmt == "article" else fmt or detect_format(text, path)
    if fmt is None:
        return text, None
    try:
        return text, parse_transcript(text, path, fmt)
    except TranscriptError as exc:
        raise SourceError(str(exc)) from None


def _with_line(message: str, path: str, data: bytes) -> str:
    """Return a decoding error naming the line it is on: the first NUL byte's or the bad UTF-8 byte's line
    (1 for an empty file), as "path:LINE: ..."."""
    message = message.replace("nothing to check", "nothing to store").replace("text draft", "text file")
    if not message.startswith(f"{path}: "):
        return message
    offset = re.search(r"at offset (\d+)", message)
    at = int(offset.group(1)) if offset else max(data.find(b"\x00"), 0)
    line = data[:at].count(b"\n") + 1
    return f"{path}:{line}: {message[len(path) + 2:]}"


def speaker_map(pairs: Iterable[str]) -> dict[str, str]:
    """Return {label key: name} from "LABEL=NAME" strings; raise SourceError for one without both."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        label, _, name = pair.partition("=")
        if not label.strip() or not name.strip():
            raise SourceError(f"--speaker {pair!r}: use LABEL=NAME, e.g. \"Speaker 2=Priya Natarajan\"")
        mapping[_label_key(label)] = " ".join(name.split())
    return mapping


def _label_key(label: str) -> str:
    return " ".join(label.replace(":", " ").split()).casefold()


def _person(known: Names, name: str, new: dict[str, Speaker]) -> Speaker:
    """Return the corpus speaker called `name` when there is exactly one, else a new speaker of that name."""
    found = resolve_label(name, known)
    if found is not None:
        return found
    speaker_id = slug(name)
    if speaker_id not in new:
        words = name.split()
        new[speaker_id] = Speaker(id=speaker_id, name=name, aliases=(words[-1],) if len(words) > 1 else ())
    return new[speaker_id]


def speaker_for_label(label: str, known: Names, mapping: Mapping[str, str], new: dict[str, Speaker],
                      heading: str = "") -> Speaker:
    """Return who a transcript label means: the `--speaker` mapping first, then UNNAMED for a generic
    label ("Speaker 2", "Q"), then the corpus speaker it resolves to, then for a surname the one full name
    the transcript's heading gives it, else a new speaker named from the label (titles dropped: "CHIEF
    REYES" -> "Reyes"). A label of titles alone ("THE PRESIDENT") is whoever the heading says holds that
    role ("Remarks by President Ada Halvorsen"), else UNNAMED."""
    mapped = mapping.get(_label_key(label))
    if mapped:
        return _person(known, mapped, new)
    if is_generic(label):
        return UNNAMED
    name = label_name(label) or role_holder(heading, label) or ""
    found = resolve_label(name, known) if name else None
    if found is not None:
        return found
    if len(name.split()) == 1:
        name = full_name(heading, name) or name
    return _person(known, name, new) if name else UNNAMED


def transcript_records(turns: list[Turn], source: Source, known: Names, mapping: Mapping[str, str] = {},
                       heading: str = "") -> tuple[list[Speaker], list[QuoteRecord], TranscriptResult]:
    """Return the speakers to store (new ones, and known ones the turns name), one quote record per turn
    (per passage of a long one), and what the transcript held; `known` is what labels are resolved
    against (a corpus, or `Together`), `heading` the transcript's text before its first turn."""
    new: dict[str, Speaker] = {}
    people: dict[str, Speaker] = {}
    result = TranscriptResult(turns=len(turns))
    records = []
    for turn in turns:
        speaker = people.get(turn.label) or speaker_for_label(turn.label, known, mapping, new, heading)
        people[turn.label] = speaker
        if speaker is UNNAMED:
            result.unnamed += 1
        records += [QuoteRecord(text=part.text, speaker_id=speaker.id, source_id=source.id,
                                context=turn.label or None, cues=part.cues) for part in passages(turn)]
    result.people = {label: s for label, s in people.items() if s is not UNNAMED}
    speakers = {s.id: s for s in [*people.values(), *new.values()]}
    return list(speakers.values()), records, result


def passages(turn: Turn, size: int = PASSAGE_WORDS, step: int = PASSAGE_STEP) -> list[Turn]:
    """Return a turn as overlapping passages of at most `size` words, `step` words apart (the turn itself
    when it is no longer), each with the cue times of its own words: offset 0 is the start of the cue its
    first word was said in."""
    spans = [m.span() for m in re.finditer(r"\S+", turn.text)]
    if len(spans) <= size:
        return [turn]
    out = []
    for first in range(0, len(spans) - size + step, step):
        begin, end = spans[first][0], spans[min(first + size, len(spans)) - 1][1]
        earlier = [start for at, start in turn.cues if at <= begin]
        cues = ([(0, earlier[-1])] if earlier else []) + [(at - begin, start) for at, start in turn.cues
                                                          if begin < at < end]
        out.append(Turn(turn.label, turn.text[begin:end], turn.line, tuple(cues)))
    return out


def ingest_transcript(corpus: Corpus, turns: list[Turn], source: Source, mapping: Mapping[str, str] = {},
                      known: Names | None = None, text: str = "") -> TranscriptResult:
    """Store a transcript's turns in `corpus` in one transaction (labels resolved against `known`, the
    corpus itself by default, and the transcript's `text` before its first turn); return what was stored."""
    heading = "\n".join(text.split("\n")[:max(turns[0].line - 1, 0)]) if turns and text else ""
    speakers, records, result = transcript_records(turns, source, known or corpus, mapping, heading)
    stored = [s for s in speakers if s is UNNAMED or corpus.speaker(s.id) is None]
    result.added = corpus.add(stored, [source], records)
    result.already = len(records) - result.added
    return result


def source_for(path: str, publisher: str | None = None, title: str | None = None, date: str | None = None,
               url: str | None = None, transcript: bool = True) -> Source:
    """Return the source record for a file: the given details, or the path as given for the publisher and
    "transcript" or "article" for the title."""
    publisher = publisher or path
    title = title or ("transcript" if transcript else "article")
    return Source(id=slug(url or f"{publisher} {title}"), publisher=publisher, title=title, date=date, url=url)


@dataclass
class GivenSources:
    """The files given with `check --source`, stored in a corpus of their own in a temporary folder."""

    corpus: Corpus
    folder: str

    @property
    def path(self) -> str:
        """Return the temporary corpus file's path (for worker processes to open)."""
        return self.corpus.path

    def close(self) -> None:
        """Close the corpus and remove the temporary folder (returns nothing)."""
        self.corpus.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> GivenSources:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def given_sources(paths: Iterable[str], in_use: Corpus, mapping: Mapping[str, str] = {},
                  fmt: str | None = None, max_bytes: int = MAX_BYTES_DEFAULT) -> GivenSources:
    """Return the transcripts and articles at `paths` stored in a temporary corpus, their labels resolved
    against `in_use` too; raise SourceError (nothing kept) for a file that cannot be read.

    Every file is read before anything is stored. Articles are stored first, then the transcripts whose
    labels give the most full names, so that a surname label ("MR. WHITFIELD") in another transcript
    resolves to the person ("Dana Whitfield") whichever order the files were given in.
    """
    read = [(path, *read_source(path, fmt, max_bytes)) for path in paths]
    read.sort(key=lambda item: -1 if item[2] is None else -_full_names(item[2]))
    folder = tempfile.mkdtemp(prefix="quoteproof-sources-")
    given = GivenSources(Corpus.open(os.path.join(folder, "sources.db"), create=True), folder)
    try:
        for path, text, turns in read:
            source = source_for(path, transcript=turns is not None)
            if turns is None:
                ingest_document(given.corpus, document_from_text(text, path, kind_for(path)), source)
            else:
                ingest_transcript(given.corpus, turns, source, mapping, Together(given.corpus, in_use), text)
    except BaseException:
        given.close()
        raise
    return given


def _full_names(turns: list[Turn]) -> int:
    """Return how many distinct labels of a transcript are a full name (two words or more without titles)."""
    return sum(len(label_name(label).split()) > 1 for label in {t.label for t in turns})
