"""The corpus store: one interface (`interface.CorpusStore`), two engines.

`open_corpus` picks the engine from the location: a `postgresql://` (or
`postgres://`) URL opens `postgres.PostgresCorpus`, anything else is an SQLite
file (`sqlite.Corpus`, the zero-set-up default). Nothing outside this package
knows which engine it talks to, imports a database driver or builds a query.
The record helpers (ids, name keys) are the same for both engines.
"""

from __future__ import annotations

import os
import sys

from .interface import CorpusReader, CorpusStore, QuoteRow
from .sqlite import (
    SCHEMA_VERSION,
    CorpusError,
    QuoteRecord,
    document_counts,
    name_key,
    quote_id,
    slug,
    surname_rows,
)

__all__ = ["SCHEMA_VERSION", "CorpusError", "CorpusReader", "CorpusStore", "QuoteRecord", "QuoteRow",
           "database_errors", "document_counts", "is_server_url", "name_key", "open_corpus", "quote_id",
           "slug", "surname_rows"]

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(location: str | os.PathLike | None) -> bool:
    """Return True when a corpus location names a PostgreSQL server rather than an SQLite file."""
    return isinstance(location, str) and location.startswith(SERVER_SCHEMES)


def open_corpus(location: str | os.PathLike, create: bool = False, readonly: bool = False,
                read_location: str | None = None) -> CorpusStore:
    """Return the corpus at `location` (a file path or a PostgreSQL URL), creating an empty one if `create`;
    `read_location` (PostgreSQL only) is a standby that answers the reads. Raises CorpusError (one line)."""
    if is_server_url(location):
        from .postgres import PostgresCorpus

        return PostgresCorpus.open(str(location), create=create, readonly=readonly, read_url=read_location)
    if read_location:
        raise CorpusError("a read replica (--corpus-read) needs a postgresql:// corpus")
    from .sqlite import Corpus

    return Corpus.open(location, create=create, readonly=readonly)


def database_errors() -> tuple[type[BaseException], ...]:
    """Return the exception classes of the engines' drivers that mean a damaged or unreachable database
    (psycopg's only when it is loaded: a check on SQLite never imports it)."""
    import sqlite3

    errors: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    if "psycopg" in sys.modules:
        errors += (sys.modules["psycopg"].Error,)
    return errors
