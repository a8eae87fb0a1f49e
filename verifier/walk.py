"""Expand the paths a user names into the files to read."""

from __future__ import annotations

import os
from collections.abc import Iterator

DRAFT_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
SKIP_DIRS = {"node_modules", "build", "dist", "__pycache__", "venv", ".venv"}


def expand_paths(paths: tuple[str, ...] | list[str]) -> Iterator[tuple[str, str | None]]:
    """Yield (path, None) for each file to read, or (path, reason) for one passed over.

    Files are yielded as named; folders are walked recursively (sorted), taking
    draft files by suffix and skipping hidden and build folders.
    """
    for path in paths:
        if path != "-" and os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for name in sorted(files):
                    if name.startswith(".") or not name.lower().endswith(DRAFT_SUFFIXES):
                        continue
                    yield os.path.join(root, name), None
        else:
            yield path, None
