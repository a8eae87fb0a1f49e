"""The store is the only place that speaks to a database: no module outside verifier/store/ imports a driver
or writes a query, and the engine is chosen from the corpus location alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from verifier.store import CorpusError, is_server_url, open_corpus

PACKAGE = Path(__file__).resolve().parent.parent / "verifier"
OUTSIDE = sorted(p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts)
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA\s|"
                 r"CREATE\s+(TABLE|INDEX|VIRTUAL)|MATCH\s+\?)", re.IGNORECASE | re.DOTALL)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_outside_the_store_imports_a_database_driver(path):
    assert not _imports(path) & {"sqlite3", "psycopg", "psycopg_pool", "sqlite_utils"}


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_outside_the_store_writes_a_query(path):
    strings = [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [s for s in strings if SQL.search(s)]


@pytest.mark.parametrize("location, server", [
    ("postgresql://ann@db.example/news", True),
    ("postgres://db.example/news", True),
    ("newsroom.db", False),
    ("/var/lib/quoteproof/postgresql.db", False),
    ("postgresql.db", False),
])
def test_the_engine_is_chosen_by_the_location(location, server):
    assert is_server_url(location) is server


def test_a_read_replica_needs_a_postgresql_corpus(tmp_path):
    with pytest.raises(CorpusError, match="needs a postgresql:// corpus"):
        open_corpus(tmp_path / "c.db", create=True, read_location="postgresql://db.example/news")
