"""Shared fixtures: a temporary corpus built from the shipped records, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from verifier.records import build_corpus, records_dir
from verifier.store.sqlite import Corpus


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Build the default corpus in a temporary cache, never the user's."""
    monkeypatch.setenv("QUOTEPROOF_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> Path:
    """Return the path of a corpus database built from corpus/ for this test session."""
    path = tmp_path_factory.mktemp("corpus") / "seed.db"
    build_corpus(records_dir(), path)
    return path


@pytest.fixture
def corpus(seed_db):
    """Return the seed corpus, open read-only."""
    with Corpus.open(seed_db, readonly=True) as opened:
        yield opened


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
