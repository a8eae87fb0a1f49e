"""The curated corpus records in `corpus/` and the default database built from them.

`corpus/` holds three JSON Lines files a person can review in a diff:
speakers.jsonl, sources.jsonl and quotes.jsonl (quotes name their speaker,
source and relay by id). The default database is built from them on first use
into the user's cache folder, under a name that carries a hash of the files, so
an edited corpus/ is rebuilt automatically.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .models import Source, Speaker
from .normalize import index_text
from .store import SCHEMA_VERSION, CorpusError, QuoteRecord, name_key
from .store.sqlite import Corpus

RECORD_FILES = ("speakers.jsonl", "sources.jsonl", "quotes.jsonl")


def records_dir() -> Path:
    """Return the folder holding the shipped corpus records (installed or in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_corpus", here.parent / "corpus"):
        if (candidate / "quotes.jsonl").exists():
            return candidate
    raise CorpusError("the shipped corpus records (corpus/*.jsonl) are missing from this install")


def cache_dir() -> Path:
    """Return the folder the default corpus database is built in."""
    base = os.environ.get("QUOTEPROOF_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "quoteproof"


def _jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise CorpusError(f"{path}:{number}: expected a JSON object")
            rows.append(row)
    return rows


def load_records(folder: Path) -> tuple[list[Speaker], list[Source], list[QuoteRecord]]:
    """Return the speakers, sources and quotes recorded in a corpus/ folder."""
    try:
        speakers = [
            Speaker(id=r["id"], name=r["name"], aliases=tuple(r.get("aliases") or ()), role=r.get("role"),
                    affiliations=tuple(r.get("affiliations") or ()), gender=r.get("gender"),
                    qid=r.get("qid"))
            for r in _jsonl(folder / "speakers.jsonl")
        ]
        sources = [
            Source(id=r["id"], publisher=r["publisher"], title=r["title"], date=r.get("date"),
                   url=r.get("url"))
            for r in _jsonl(folder / "sources.jsonl")
        ]
        quotes = [
            QuoteRecord(text=r["text"], speaker_id=r["speaker"], source_id=r["source"],
                        context=r.get("context"), relayed_by=r.get("relayed_by"))
            for r in _jsonl(folder / "quotes.jsonl")
        ]
    except KeyError as exc:
        raise CorpusError(f"{folder}: a record lacks the field {exc}") from None
    known_speakers = {s.id for s in speakers}
    known_sources = {s.id for s in sources}
    for q in quotes:
        if q.speaker_id not in known_speakers or (q.relayed_by and q.relayed_by not in known_speakers):
            raise CorpusError(f"{folder}: quote {q.text[:40]!r} names an unknown speaker")
        if q.source_id not in known_sources:
            raise CorpusError(f"{folder}: quote {q.text[:40]!r} names an unknown source")
    return speakers, sources, quotes


# Text exercising what the tokeniser decides (contractions, apostrophes, hyphens, numbers, accents,
# brackets, spaces): when its words change, so does the database built from the records.
TOKENISER_PROBE = ("We’re not backing off — he’s “deporting” 2,000 people [with reform]… "
                   "Sen. Harry Reid (D-Nev.) can't; O'Malley's well-known café\u00a0isn’t 3.5% there")


def records_hash(folder: Path) -> str:
    """Return a short hash of the record files, the schema version and how the tokeniser reads a probe
    text (it names the built database, so a database built by older code is not reused)."""
    digest = hashlib.sha256(str(SCHEMA_VERSION).encode())
    digest.update(f"{index_text(TOKENISER_PROBE)}|{name_key(TOKENISER_PROBE)}".encode())
    for name in RECORD_FILES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:12]


def build_corpus(folder: Path, db_path: Path) -> None:
    """Build a corpus database at `db_path` from a records folder, atomically (temp file, then rename)."""
    speakers, sources, quotes = load_records(folder)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".building-", suffix=".db", dir=db_path.parent)
    os.close(handle)
    try:
        corpus = Corpus.open(tmp, create=True)
        try:
            corpus.add(speakers, sources, quotes)
            corpus.without_log()
        finally:
            corpus.close()
        os.replace(tmp, db_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def default_corpus_path() -> Path:
    """Return the path of the default corpus database, building it first if needed."""
    folder = records_dir()
    path = cache_dir() / f"default-{records_hash(folder)}.db"
    if not path.exists():
        try:
            build_corpus(folder, path)
        except OSError as exc:
            raise CorpusError(f"cannot build the default corpus in {path.parent}: {exc}") from None
    return path
