"""The `quotecheck` command line: parses options and calls the library."""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .read import InputError, read_document


def _fail(message: str) -> None:
    click.echo(f"quotecheck: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quotecheck")
def cli() -> None:
    """Verify quotations in news copy against a corpus of verbatim quotes."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--text", "inline_text", help="Read this paragraph instead of files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def quotes(paths: tuple[str, ...], inline_text: str | None, fmt: str) -> None:
    """List quotations in PATHS and who the text credits (no corpus needed)."""
    from .check import quotations_in
    from .read import document_from_text

    documents = []
    try:
        if inline_text is not None:
            documents.append(document_from_text(inline_text, "<text>"))
        for path in paths:
            documents.append(read_document(path))
    except InputError as exc:
        _fail(str(exc))
    if not documents:
        _fail("nothing to read: give PATH..., - for stdin, or --text")
    files = []
    for document in documents:
        files.append({"path": document.path, "quotes": [q.to_json() for q in quotations_in(document)]})
    if fmt == "json":
        total = sum(len(f["quotes"]) for f in files)
        click.echo(json.dumps({"version": 1, "files": files,
                               "summary": {"files": len(files), "quotes": total}}, ensure_ascii=False))
        return
    for f in files:
        click.echo(f["path"])
        for q in f["quotes"]:
            att = q["attribution"]
            who = f'{att["name"] or att["mention"]} ({att["cue"]})' if att else "no attribution"
            click.echo(f'  {q["line"]}:{q["column"]}  “{q["text"]}”  — {who}')


def main() -> None:
    """Run the CLI; usage errors exit 2 with one line, never a traceback."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
