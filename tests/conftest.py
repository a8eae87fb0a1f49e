"""Shared fixtures: a temporary corpus built from the shipped records (in SQLite, and in PostgreSQL when a
server is given), and a CLI runner.

Corpus-dependent tests run on both stores. PostgreSQL's cases need a server: QUOTEPROOF_TEST_POSTGRES is a
URL of a database on it whose user may create databases (`.ci/run` starts a throwaway cluster and sets
it); without it they are skipped, with the reason.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from verifier.records import build_corpus, load_records, records_dir
from verifier.store import open_corpus
from verifier.store.sqlite import Corpus

POSTGRES_ENV = "QUOTEPROOF_TEST_POSTGRES"
STORES = ["sqlite", "postgres"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Build the default corpus in a temporary cache, never the user's."""
    monkeypatch.setenv("QUOTEPROOF_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Return the URL of the test PostgreSQL server's maintenance database, or skip."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} to test the PostgreSQL store (.ci/run does)")
    return url


def _database_url(server: str, name: str) -> str:
    base, _, _ = server.rpartition("/")
    return f"{base}/{name}"


class PostgresDatabases:
    """Creates empty databases on the test server and drops them at the end of the session."""

    def __init__(self, server: str) -> None:
        import psycopg

        self.admin = psycopg.connect(server, autocommit=True)
        self.server = server
        self.names: list[str] = []

    def new(self) -> str:
        """Return the URL of a new, empty database."""
        name = f"qp_{uuid.uuid4().hex[:12]}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        self.names.append(name)
        return _database_url(self.server, name)

    def drop_all(self) -> None:
        for name in self.names:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


@pytest.fixture(scope="session")
def postgres_databases(postgres_server):
    """Return the session's maker of empty PostgreSQL databases."""
    databases = PostgresDatabases(postgres_server)
    yield databases
    databases.drop_all()


@pytest.fixture
def postgres_url(postgres_databases) -> str:
    """Return the URL of an empty PostgreSQL database for this test."""
    return postgres_databases.new()


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> Path:
    """Return the path of a corpus database built from corpus/ for this test session."""
    path = tmp_path_factory.mktemp("corpus") / "seed.db"
    build_corpus(records_dir(), path)
    return path


@pytest.fixture(scope="session")
def seed_postgres(postgres_databases) -> str:
    """Return the URL of a PostgreSQL corpus built from corpus/ for this test session."""
    url = postgres_databases.new()
    with open_corpus(url, create=True) as db:
        db.add(*load_records(records_dir()))
    return url


@pytest.fixture(params=STORES)
def seed_location(request) -> str:
    """Return where the seed corpus is, in each store in turn."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("seed_db"))
    return request.getfixturevalue("seed_postgres")


@pytest.fixture
def corpus(seed_location):
    """Return the seed corpus, open read-only, in each store in turn."""
    with open_corpus(seed_location, readonly=True) as opened:
        yield opened


@pytest.fixture
def sqlite_corpus(seed_db):
    """Return the seed corpus in SQLite, open read-only (for tests of the SQLite store itself)."""
    with Corpus.open(seed_db, readonly=True) as opened:
        yield opened


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
