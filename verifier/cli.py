"""The `quotecheck` command line: parses options and calls the library."""

from __future__ import annotations

import json
import os
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


FAIL_ON = ("misattributed", "drift", "unverified", "never")


def _open_corpus(path: str | None):
    from .corpus import Corpus, CorpusError
    from .records import default_corpus_path

    try:
        return Corpus.open(path if path else default_corpus_path(), readonly=True)
    except CorpusError as exc:
        _fail(str(exc))


def _collect(paths: tuple[str, ...], inline_text: str | None) -> tuple[list, list[str]]:
    """Return the documents to check and the one-line errors for paths that could not be read."""
    from .read import document_from_text
    from .walk import expand_paths

    documents, errors = [], []
    if inline_text is not None:
        documents.append(document_from_text(inline_text, "<text>"))
    for path, skipped in expand_paths(paths):
        if skipped:
            click.echo(f"quotecheck: {skipped}", err=True)
            continue
        try:
            documents.append(read_document(path))
        except InputError as exc:
            errors.append(str(exc))
    return documents, errors


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--text", "inline_text", help="Check this paragraph instead of files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--corpus", "corpus_path", metavar="DB", help="Corpus database (default: the shipped corpus).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="misattributed", show_default=True,
              help="Exit 1 on findings at or above this level. 'misattributed' also fails on "
                   "error-severity drift (negation and number flips).")
def check(paths: tuple[str, ...], inline_text: str | None, fmt: str, corpus_path: str | None,
          fail_on: str) -> None:
    """Check the quotations in PATHS (files, folders, - for stdin) against the corpus."""
    from .check import check_document
    from .gate import fails

    if not paths and inline_text is None:
        _fail("nothing to check: give PATH..., - for stdin, or --text")
    documents, errors = _collect(paths, inline_text)
    for error in errors:
        click.echo(f"quotecheck: {error}", err=True)
    if not documents:
        sys.exit(2)
    corpus = _open_corpus(corpus_path)
    with corpus:
        reports = [check_document(d, corpus) for d in documents]
    if fmt == "json":
        from .report import to_json

        click.echo(to_json(reports))
    else:
        from .report import to_text

        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(to_text(reports, click.style if colour else _plain_style))
    if errors:
        sys.exit(2)
    sys.exit(1 if fails(reports, fail_on) else 0)


def _plain_style(text: str, **_: object) -> str:
    return text


def main() -> None:
    """Run the CLI; usage errors exit 2 with one line, never a traceback."""
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
