"""Expand the paths a user names into the files to read.

Folders are walked recursively in sorted order. Hidden files and folders, Word's
lock files (~$name.docx) and build folders are passed over; `include` globs (default: draft suffixes) pick
files and `exclude` globs drop files or whole folders. A glob without a "/"
matches a name at any depth ("*.md", "drafts"); one with a "/" matches the
path relative to the folder named ("archive/**/*.html"); "**" crosses folders.
Files named on the command line are always read (include does not apply).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

DRAFT_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".docx")
DEFAULT_INCLUDE = tuple(f"*{suffix}" for suffix in DRAFT_SUFFIXES)
SKIP_DIRS = {"node_modules", "build", "dist", "__pycache__", "venv", ".venv", "_build", "site-packages",
             "target", "htmlcov"}


@dataclass(frozen=True)
class Target:
    """A file to check; `explicit` when the user named it rather than a folder holding it."""

    path: str
    explicit: bool


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            j = pattern.find("]", i + 1)
            if j > i:
                body = pattern[i + 1:j].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j + 1
                continue
            out.append(re.escape(ch))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.I if os.name == "nt" else 0)


def matches(relpath: str, patterns: Iterable[str]) -> bool:
    """Return True when the /-separated relative path matches any glob."""
    relpath = relpath.replace(os.sep, "/")
    if relpath.startswith("./"):
        relpath = relpath[2:]
    name = relpath.rsplit("/", 1)[-1]
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        anchored = "/" in pattern.rstrip("/")
        target = relpath if anchored else name
        if _glob_regex(pattern.rstrip("/").lstrip("/")).match(target):
            return True
    return False


def walk(paths: Iterable[str], include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Iterator[Target]:
    """Yield a Target for each file to check, in the order named (folders sorted inside)."""
    default = not tuple(include)  # the draft suffixes, in any case (Story.DOCX, NOTES.TXT)
    include = tuple(include) or DEFAULT_INCLUDE
    exclude = tuple(exclude)
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            yield Target(path, True)
            continue
        for root, dirs, files in os.walk(path):
            rel_root = os.path.relpath(root, path)
            rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/") + "/"
            dirs[:] = sorted(
                d for d in dirs
                if not d.startswith(".") and d not in SKIP_DIRS and not matches(rel_root + d, exclude)
            )
            for name in sorted(files):
                rel = rel_root + name
                # "~$name.docx" is the lock file Word keeps beside a document while it is open
                wanted = name.lower().endswith(DRAFT_SUFFIXES) if default else matches(rel, include)
                if name.startswith((".", "~$")) or not wanted or matches(rel, exclude):
                    continue
                yield Target(os.path.join(root, name), False)


def expand_paths(paths: tuple[str, ...] | list[str]) -> Iterator[tuple[str, str | None]]:
    """Yield (path, None) for each file to read (kept for callers of the first API)."""
    for target in walk(paths):
        yield target.path, None
