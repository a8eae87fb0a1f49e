"""Project settings: `[tool.quoteproof]` in pyproject.toml or a `.quoteproof.toml`.

The nearest file walking up from the working directory wins (in one folder,
`.quoteproof.toml` before `pyproject.toml`, and a pyproject.toml without a
`[tool.quoteproof]` table is passed over), as ruff and Vale do. Command-line
options override it. Keys (all optional):

    corpus = "newsroom.db"            # relative to the config file's folder, or postgresql://...
    corpus-read = "postgresql://..."  # a standby of that PostgreSQL corpus, for checks and searches
    fail-on = "drift"                 # misattributed | drift | unverified | never
    include = ["*.md", "*.html"]      # globs for files inside folders
    exclude = ["archive/**", "*.draft.md"]
    format = "text"                   # text | json | sarif | github
    max-bytes = 10_000_000            # larger files are refused

In `.quoteproof.toml` the keys may sit at the top level or under
`[tool.quoteproof]`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

FAIL_ON = ("misattributed", "drift", "unverified", "never")
FORMATS = ("text", "json", "sarif", "github")
KEYS = ("corpus", "corpus-read", "fail-on", "include", "exclude", "format", "max-bytes")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and key."""


@dataclass
class Config:
    """Settings from a config file; None (or empty) means not set there."""

    path: str | None = None
    corpus: str | None = None
    corpus_read: str | None = None
    fail_on: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    format: str | None = None
    max_bytes: int | None = None


def find_config(start: str | os.PathLike | None = None) -> Path | None:
    """Return the nearest config file at or above `start` (the working directory), or None."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        dotfile = folder / ".quoteproof.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                with open(pyproject, "rb") as handle:
                    data = tomllib.load(handle)
            except OSError:
                continue
            except tomllib.TOMLDecodeError:
                if b"quoteproof" in pyproject.read_bytes():
                    return pyproject  # ours, and broken: load_config will say where
                continue  # someone else's broken pyproject is not ours to judge
            if isinstance(data.get("tool"), dict) and "quoteproof" in data["tool"]:
                return pyproject
    return None


def _strings(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where}: expected a glob or a list of globs")


def load_config(path: str | os.PathLike) -> Config:
    """Return the settings in one config file, or raise ConfigError naming the file and key."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    table = data.get("tool", {}).get("quoteproof") if isinstance(data.get("tool"), dict) else None
    prefix = "tool.quoteproof."
    if table is None:
        if path.name == "pyproject.toml":
            return Config(path=str(path))
        table, prefix = data, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.quoteproof] must be a table")
    config = Config(path=str(path))
    for key, value in table.items():
        where = f"{path}: {prefix}{key}"
        if key == "tool" and not prefix:
            continue
        if key == "corpus":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: expected the path of a corpus database")
            server = value.startswith(("postgresql://", "postgres://"))
            config.corpus = value if server else str(path.parent / os.path.expanduser(value))
        elif key == "corpus-read":
            if not isinstance(value, str) or not value.startswith(("postgresql://", "postgres://")):
                raise ConfigError(f"{where}: expected the postgresql:// URL of a standby")
            config.corpus_read = value
        elif key == "fail-on":
            if value not in FAIL_ON:
                raise ConfigError(f"{where}: {value!r} is not one of {', '.join(FAIL_ON)}")
            config.fail_on = value
        elif key == "format":
            if value not in FORMATS:
                raise ConfigError(f"{where}: {value!r} is not one of {', '.join(FORMATS)}")
            config.format = value
        elif key in ("include", "exclude"):
            setattr(config, key, _strings(value, where))
        elif key == "max-bytes":
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(f"{where}: expected a positive whole number of bytes")
            config.max_bytes = value
        else:
            raise ConfigError(f"{where}: unknown key (known: {', '.join(KEYS)})")
    return config


def discover(start: str | os.PathLike | None = None) -> Config:
    """Return the settings of the nearest config file, or empty settings when there is none."""
    found = find_config(start)
    return load_config(found) if found else Config()
