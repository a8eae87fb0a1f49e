"""Build corpus records from a published article with the same extraction as `check`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .check import quotations_in
from .judge import PRONOUNS, people_named
from .models import Source, Speaker
from .read import Document
from .store import CorpusStore as Corpus
from .store import QuoteRecord, slug


@dataclass
class IngestResult:
    """What an ingest stored and what it passed over."""

    added: int = 0
    already: int = 0
    skipped: list[str] = field(default_factory=list)  # quotations with no identifiable speaker


def _speaker_for(corpus: Corpus, name: str, new: dict[str, Speaker]) -> Speaker:
    """Return the corpus speaker a name means, or a new one made from it."""
    known = people_named(corpus, name)
    if known:
        return known[0]
    speaker_id = slug(name)
    if speaker_id not in new:
        surname = name.split()[-1] if len(name.split()) > 1 else None
        new[speaker_id] = Speaker(id=speaker_id, name=name, aliases=(surname,) if surname else ())
    return new[speaker_id]


def ingest_document(corpus: Corpus, document: Document, source: Source) -> IngestResult:
    """Store every attributed quotation of an article as a quote record; return what happened."""
    result = IngestResult()
    new_speakers: dict[str, Speaker] = {}
    records: list[QuoteRecord] = []
    paragraphs = document.text
    for found in quotations_in(document):
        attribution = found.attribution
        name = attribution.name if attribution else None
        if not name or name.lower() in PRONOUNS:
            result.skipped.append(found.quotation.text)
            continue
        speaker = _speaker_for(corpus, name, new_speakers)
        relay = None
        if attribution.relayed_by:
            relay = _speaker_for(corpus, attribution.relayed_by, new_speakers)
        start = paragraphs.rfind("\n", 0, found.quotation.start) + 1
        end = paragraphs.find("\n", found.quotation.end)
        context = paragraphs[start:end if end >= 0 else len(paragraphs)].strip()
        records.append(QuoteRecord(text=found.quotation.text, speaker_id=speaker.id, source_id=source.id,
                                   context=context, relayed_by=relay.id if relay else None))
    added = corpus.add(new_speakers.values(), [source], records)
    result.added, result.already = added, len(records) - added
    return result
