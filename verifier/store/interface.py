"""The corpus interface: what retrieval, judging, import and the service ask of a store.

Each operation is named by what it finds, never by how an engine finds it:
a store answers in its own engine's terms (SQLite: FTS5 and a `terms` table;
PostgreSQL: a GIN index over a `tsvector` and a `terms` table). Quotes are
addressed by row id: a positive integer given in insertion order, so two stores
holding the same records number them alike and rank ties alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..models import CorpusQuote, Source, Speaker

if TYPE_CHECKING:
    from concurrent.futures import Executor

# (id, text, speaker_id, source_id, context, relayed_by): a quote as the import stores and exports it
QuoteRow = tuple[str, str, str, str, "str | None", "str | None"]
# runs of word keys, each to be held consecutively (a phrase)
Runs = Sequence[Sequence[str]]


class CorpusReader(Protocol):
    """An open corpus, as a check reads it. `location` names it in messages (a file path, or a URL without
    its password)."""

    location: str

    # -- retrieval (match.py, judge.py) ------------------------------------------------------------
    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """Return how many quotes hold each word key (keys no quote holds are left out)."""
        ...

    def small_postings(self, term: str) -> tuple[int, ...] | None:
        """Return the row ids, ascending, of the quotes holding a key when few do (cached), else None."""
        ...

    def rowids_with_phrases(self, runs: Runs, limit: int) -> list[int]:
        """Return row ids, ascending, of up to `limit` quotes holding every run of keys as a phrase."""
        ...

    def rowids_with_any(self, alternatives: Sequence[Runs], limit: int) -> list[int]:
        """Return row ids, ascending, of up to `limit` quotes holding every run of some alternative."""
        ...

    def vote_rowids(self, terms: list[str], weights: list[float], limit: int,
                    keep: float = 0.0) -> list[tuple[int, float]]:
        """Return (row id, summed weight of the keys it holds), best first, ties by row id."""
        ...

    def quote_count(self) -> int:
        """Return about how many quotes are stored."""
        ...

    def quote_texts(self, rowids: list[int]) -> dict[int, str]:
        """Return {row id: text} for the stored quotes among these row ids."""
        ...

    def rowids_by(self, rowids: list[int], speaker_ids: Iterable[str]) -> set[int]:
        """Return which of these quotes are by one of these speakers."""
        ...

    def quotes_by_rowid(self, rowids: list[int]) -> list[CorpusQuote]:
        """Return the quotes with these row ids, in the order given."""
        ...

    def speaker(self, speaker_id: str) -> Speaker | None:
        """Return the speaker with this id, or None."""
        ...

    def source(self, source_id: str) -> Source | None:
        """Return the source with this id, or None."""
        ...

    def speakers_named(self, name: str) -> list[tuple[Speaker, str]]:
        """Return (speaker, how) for every speaker a name, alias, affiliation or surname refers to."""
        ...

    def refresh(self) -> bool:
        """Forget cached reads when another connection has committed since they were made; return True then."""
        ...

    # -- listing (CLI, service) ----------------------------------------------------------------------
    def quotes(self, speaker_id: str | None = None, limit: int | None = None,
               offset: int = 0) -> Iterator[CorpusQuote]:
        """Yield stored quotes in insertion order, optionally one speaker's only."""
        ...

    def quote_count_of(self, speaker_id: str) -> int:
        """Return how many quotes one speaker has."""
        ...

    def speaker_counts(self) -> list[tuple[Speaker, int]]:
        """Return every speaker with their number of quotes, most first."""
        ...

    def stats(self) -> dict[str, int]:
        """Return counts of quotes, speakers, sources and terms, and the stored bytes."""
        ...

    def check_integrity(self, lookups: int = 500) -> Any:
        """Return a report (`ok`, `counts`, `problems`) of the corpus's consistency checks."""
        ...

    def close(self) -> None:
        """Close the connection(s)."""
        ...


class CorpusStore(CorpusReader, Protocol):
    """An open corpus that can also be written and exported (ingest, import, export)."""

    # -- writing (ingest.py, transfer.py) ---------------------------------------------------------
    def add(self, speakers: Iterable[Speaker] = (), sources: Iterable[Source] = (),
            quotes: Iterable[Any] = ()) -> int:
        """Store speakers, sources and quotes in one transaction; return how many quotes were new."""
        ...

    def begin(self) -> None:
        """Begin a write transaction (the import's batches)."""
        ...

    def commit(self, begin_next: bool = False) -> None:
        """Commit the write transaction, and begin the next one when `begin_next`."""
        ...

    def rollback(self) -> None:
        """Roll back the write transaction."""
        ...

    def tune_for_import(self) -> None:
        """Set the connection up for a bulk import."""
        ...

    def background_checkpoints(self) -> contextlib.AbstractContextManager[Callable[[], None]]:
        """Within the block, yield the function to call after each import commit."""
        ...

    def merge_speaker(self, speaker: Speaker) -> None:
        """Store a speaker, or unite its aliases and affiliations with the stored one."""
        ...

    def merge_speakers(self, speakers: Sequence[Speaker]) -> int:
        """Store speakers, or merge each into the stored one; return how many were not stored before."""
        ...

    def put_sources(self, sources: Iterable[Source]) -> None:
        """Store sources not stored yet."""
        ...

    def add_quote_rows(self, rows: list[QuoteRow]) -> tuple[int, list[int]]:
        """Store new quotes; return the largest row id before them and the positions of those stored."""
        ...

    def prepare_index(self, indexed: list[str], workers: Executor | None = None) -> Any:
        """Start what making a batch findable needs before it is stored (its words counted, and what the
        engine writes for each quote), in `workers` when given; return it for `index_quote_rows`."""
        ...

    def index_quote_rows(self, top: int, indexed: list[str], prepared: Any = None,
                         positions: list[int] | None = None) -> None:
        """Make the quotes just stored (row ids top + 1, ...: the batch's index texts at `positions`, or
        all) findable by their words."""
        ...

    def speaker_ids_with_qid(self, qid: str) -> list[str]:
        """Return the ids of stored speakers with this Wikidata QID."""
        ...

    def speaker_rows_named(self, name: str) -> list[tuple[str, str, str | None]]:
        """Return (speaker id, how, qid) for stored speakers with this name or alias."""
        ...

    def speaker_ids_with_qids(self, qids: list[str]) -> dict[str, list[str]]:
        """Return {qid: ids of the stored speakers with it} for those of these QIDs stored."""
        ...

    def speaker_rows_with_keys(self, keys: list[str]) -> dict[str, list[tuple[str, str, str | None]]]:
        """Return {name key: (speaker id, how, qid) rows} for stored speakers with these name keys."""
        ...

    def existing_speaker_ids(self, ids: list[str]) -> set[str]:
        """Return which of these speaker ids are stored."""
        ...

    def has_speaker(self, speaker_id: str) -> bool:
        """Return True when this speaker is stored."""
        ...

    def has_source(self, source_id: str) -> bool:
        """Return True when this source is stored."""
        ...

    def existing_source_ids(self, ids: list[str]) -> set[str]:
        """Return which of these source ids are stored."""
        ...

    def source_ids_with_urls(self, urls: list[str]) -> dict[str, str]:
        """Return {url: source id} for stored sources with these URLs."""
        ...

    # -- export -----------------------------------------------------------------------------------
    def export_speakers(self) -> Iterator[Speaker]:
        """Yield every speaker, by id."""
        ...

    def export_sources(self) -> Iterator[Source]:
        """Yield every source, by id."""
        ...

    def export_quote_rows(self) -> Iterator[QuoteRow]:
        """Yield every quote row in insertion order."""
        ...

    def __enter__(self) -> CorpusStore: ...

    def __exit__(self, *exc: object) -> None: ...
