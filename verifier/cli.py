"""The `quoteproof` command line: parses options and calls the library."""

from __future__ import annotations

import json
import os
import sys

import click

from . import __version__
from .read import InputError, read_document


def _fail(message: str) -> None:
    click.echo(f"quoteproof: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="quoteproof")
def cli() -> None:
    """Verify quotations in news copy against a corpus of verbatim quotes."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--text", "inline_text", help="Read this paragraph instead of files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def quotes(paths: tuple[str, ...], inline_text: str | None, fmt: str) -> None:
    """List quotations in PATHS (files or folders) and who the text credits (no corpus needed)."""
    from .check import quotations_in
    from .read import document_from_text
    from .walk import walk

    documents = []
    try:
        if inline_text is not None:
            documents.append(document_from_text(inline_text, "<text>"))
        for target in walk(paths):
            try:
                documents.append(read_document(target.path))
            except InputError as exc:
                if target.explicit:
                    raise
                click.echo(f"quoteproof: {exc} (skipped)", err=True)  # a file found in a folder
    except InputError as exc:
        _fail(str(exc))
    if not documents and paths:
        _fail(f"no drafts to read in {', '.join(paths)}")
    if not documents:
        _fail("nothing to read: give PATH..., - for stdin, or --text")
    files = []
    paragraphs = set()  # Word documents: `line` is a paragraph number
    for document in documents:
        files.append({"path": document.path, "quotes": [q.to_json() for q in quotations_in(document)]})
        if document.kind == "docx":
            paragraphs.add(len(files) - 1)
    if fmt == "json":
        total = sum(len(f["quotes"]) for f in files)
        click.echo(json.dumps({"version": 1, "files": files,
                               "summary": {"files": len(files), "quotes": total}}, ensure_ascii=False))
        return
    for i, f in enumerate(files):
        click.echo(f["path"])
        for q in f["quotes"]:
            att = q["attribution"]
            who = f'{att["name"] or att["mention"]} ({att["cue"]})' if att else "no attribution"
            where = f'{q["line"]}:{q["column"]}'
            if i in paragraphs:
                where = f'paragraph {q["line"]}, character {q["column"]}'
            click.echo(f'  {where}  “{" ".join(q["text"].split())}”  — {who}')


FAIL_ON = ("misattributed", "drift", "unverified", "never")
SOURCE_FORMATS = ("auto", "article", "webvtt", "srt", "timed", "official")

_corpus_read_option = click.option(
    "--corpus-read", "corpus_read", metavar="URL", envvar="QUOTEPROOF_CORPUS_READ",
    help="A streaming standby of the postgresql:// corpus that answers the reads (checks and searches).")


def _configured(path: str | None, read_location: str | None = None) -> tuple[str | None, str | None]:
    """Return the corpus (and standby) to use: the option or environment variable, else `corpus` and
    `corpus-read` of the nearest config file, else None (the caller's default)."""
    if path:
        return path, read_location
    config = _config(None, False)
    return config.corpus, read_location or config.corpus_read


def _open_corpus(path: str | None, read_location: str | None = None):
    from .records import default_corpus_path
    from .store import CorpusError, open_corpus

    path, read_location = _configured(path, read_location)
    try:
        return open_corpus(path if path else default_corpus_path(), readonly=True, read_location=read_location)
    except CorpusError as exc:
        _fail(str(exc))


def _config(config_path: str | None, no_config: bool):
    """Return the settings to use: --config FILE, none with --no-config, else the nearest config file."""
    from .config import Config, ConfigError, discover, load_config

    try:
        if no_config:
            return Config()
        return load_config(config_path) if config_path else discover()
    except ConfigError as exc:
        _fail(str(exc))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--text", "inline_text", help="Check this paragraph instead of files.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default=None,
              help="Report format [default: text, or `format` in the config file].")
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
@_corpus_read_option
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 on findings at or above this level [default: misattributed]. 'misattributed' also "
                   "fails on error-severity drift (negation and number flips).")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Only files matching these globs inside folders (repeatable) [default: *.md *.html *.txt …].")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files or folders matching (repeatable).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Refuse files larger than this, in bytes [default: 10485760, 10 MiB].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for folders [default: all cores].")
@click.option("--config", "config_path", metavar="FILE", help="Settings file (default: nearest .quoteproof.toml "
              "or pyproject.toml [tool.quoteproof] from the working directory up).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--source", "source_files", multiple=True, metavar="FILE",
              help="Also check against this transcript or article, with no corpus set-up (repeatable).")
@click.option("--source-format", type=click.Choice(SOURCE_FORMATS), default="auto", show_default=True,
              help="What the --source files are (auto: from their content and extension).")
@click.option("--speaker", "speakers", multiple=True, metavar="LABEL=NAME",
              help='Who a --source transcript\'s speaker label is, e.g. "Speaker 2=Priya Natarajan" (repeatable).')
def check(paths: tuple[str, ...], inline_text: str | None, fmt: str | None, corpus_path: str | None,
          corpus_read: str | None, fail_on: str | None, include: tuple[str, ...], exclude: tuple[str, ...],
          max_bytes: int | None, jobs: int | None, config_path: str | None, no_config: bool,
          source_files: tuple[str, ...], source_format: str, speakers: tuple[str, ...]) -> None:
    """Check the quotations in PATHS (files, folders, - for stdin) against the corpus."""
    from .batch import BatchResult, ProgressBar, check_files, check_one
    from .check import check_document
    from .gate import fails
    from .read import MAX_BYTES_DEFAULT, document_from_text
    from .walk import walk

    if not paths and inline_text is None:
        _fail("nothing to check: give PATH..., - for stdin, or --text")
    if speakers and not source_files:
        _fail("--speaker names the speakers of --source transcripts: give --source FILE")
    config = _config(config_path, no_config)
    fmt = fmt or config.format or "text"
    fail_on = fail_on or config.fail_on or "misattributed"
    limit = max_bytes or config.max_bytes or MAX_BYTES_DEFAULT
    corpus_file = corpus_path or config.corpus
    corpus_read = corpus_read or config.corpus_read
    given = None
    with _open_corpus(corpus_file, corpus_read) as corpus:  # opened here first: a bad corpus is one line, exit 2
        corpus_file = str(corpus.location if corpus_file is None else corpus_file)
        if source_files:
            given = _given_sources(source_files, corpus, speakers, source_format)
        sources = given.corpus if given else None
        result = BatchResult()
        if inline_text is not None:
            result.reports.append(check_document(document_from_text(inline_text, "<text>"), corpus, sources=sources))
        targets = list(walk(paths, include or config.include, exclude or config.exclude))
        for target in [t for t in targets if t.path == "-"]:
            kind, value = check_one(target, corpus, limit, sources=sources)
            getattr(result, {"report": "reports", "error": "errors", "note": "notes"}[kind]).append(value)
    files = [t for t in targets if t.path != "-"]
    bar = None
    if files and sys.stderr.isatty() and (fmt in ("text", "github") or sys.stdout.isatty()):
        bar = ProgressBar()
    try:
        batch = check_files(files, corpus_file, limit, workers=jobs, progress=bar,
                            sources_path=given.path if given else None, read_location=corpus_read)
    finally:
        if given:
            given.close()
    if bar:
        bar.finish()
    result.reports += batch.reports
    result.errors += batch.errors
    result.notes += batch.notes
    for line in result.notes + result.errors:
        click.echo(f"quoteproof: {line}", err=True)
    if not result.reports:
        if not result.errors:
            click.echo("quoteproof: no drafts to check in " + " ".join(paths), err=True)
        sys.exit(2)
    _emit(result.reports, result.errors, fmt, fail_on)
    if result.errors:
        sys.exit(2)
    sys.exit(1 if fails(result.reports, fail_on) else 0)


def _given_sources(paths: tuple[str, ...], corpus, speakers: tuple[str, ...], source_format: str):
    """Return the `--source` files stored in a temporary corpus, or fail with one line (exit 2)."""
    from .sources import SourceError, given_sources, speaker_map
    from .store import CorpusError

    try:
        return given_sources(paths, corpus, speaker_map(speakers), None if source_format == "auto" else source_format)
    except (SourceError, CorpusError) as exc:
        _fail(str(exc))


def _emit(reports: list, errors: list[str], fmt: str, fail_on: str) -> None:
    """Print the report in the chosen format (and the GitHub step summary when asked for); the text report
    ends with the gate's decision at `fail_on`."""
    if fmt == "json":
        from .report import to_json

        click.echo(to_json(reports, errors))
    elif fmt == "sarif":
        from .formats import to_sarif

        click.echo(json.dumps(to_sarif(reports, errors), ensure_ascii=False, indent=1))
    elif fmt == "github":
        from .formats import to_github

        out = to_github(reports, errors)
        click.echo("\n".join(out.lines))
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            try:
                with open(summary_path, "a", encoding="utf-8") as handle:
                    handle.write(out.step_summary)
            except OSError as exc:
                click.echo(f"quoteproof: cannot write $GITHUB_STEP_SUMMARY ({exc.strerror or exc})", err=True)
    else:
        from .report import plain, to_text, wants_colour

        click.echo(to_text(reports, click.style if wants_colour(sys.stdout) else plain, fail_on, len(errors)))


def _open_writable(path: str | None):
    from .store import CorpusError, open_corpus

    path = _writable_location(path)
    try:
        return open_corpus(path, create=True)
    except CorpusError as exc:
        _fail(str(exc))


def _writable_location(path: str | None) -> str:
    """Return the corpus to write to: the option, else the config file's; one line and exit 2 when neither."""
    path = _configured(path)[0]
    if not path:
        _fail("give --corpus DB|URL (or QUOTEPROOF_CORPUS, or `corpus` in a config file): the shipped corpus is"
              " not written to")
    return path


def _remove_database(path: str) -> None:
    """Remove an SQLite database this command created, with its write-ahead log (returns nothing)."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)


@cli.group()
def corpus() -> None:
    """Build and look into a corpus of verbatim quotes."""


@corpus.command()
@click.argument("article")
@click.option("--publisher", required=True, help="Who published the article (or held the briefing, hearing...).")
@click.option("--title", required=True, help="The article's headline, or the transcript's title.")
@click.option("--date", default=None, help="Publication date, YYYY-MM-DD.")
@click.option("--url", default=None, help="Where the article or recording is.")
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database to add to [default: `corpus` in the config file].")
@click.option("--format", "source_format", type=click.Choice(SOURCE_FORMATS), default="auto", show_default=True,
              help="An article, or a transcript's style (auto: from the content and the extension).")
@click.option("--speaker", "speakers", multiple=True, metavar="LABEL=NAME",
              help='Who a transcript\'s speaker label is, e.g. "Speaker 2=Priya Natarajan" (repeatable).')
def ingest(article: str, publisher: str, title: str, date: str | None, url: str | None, corpus_path: str | None,
           source_format: str, speakers: tuple[str, ...]) -> None:
    """Add every attributed quotation in ARTICLE, or every turn of a transcript, to a corpus."""
    import re

    from .ingest import ingest_document
    from .sources import SourceError, ingest_transcript, read_source, source_for, speaker_map
    from .transfer import date_problem

    if date:
        problem = date_problem(date) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else "is not YYYY-MM-DD"
        if problem:
            _fail(f"--date {date!r} {problem}: give a real day as YYYY-MM-DD")
    try:
        mapping = speaker_map(speakers)
        text, turns = read_source(article, None if source_format == "auto" else source_format)
    except SourceError as exc:
        _fail(str(exc))
    source = source_for(article, publisher, title, date, url)
    with _open_writable(corpus_path) as db:
        if turns is None:
            from .read import document_from_text, kind_for

            result = ingest_document(db, document_from_text(text, article, kind_for(article)), source)
            click.echo(f"added {result.added} quote(s), {result.already} already stored, "
                       f"{len(result.skipped)} quotation(s) with no identifiable speaker skipped")
            return
        told = ingest_transcript(db, turns, source, mapping, text=text)
    people = ", ".join(s.name if label == s.name else f"{label} = {s.name}" for label, s in told.people.items())
    click.echo(f"added {told.added} turn(s), {told.already} already stored, {told.unnamed} by unnamed speakers; "
               f"speakers: {people or 'none named'}")


@corpus.command("list")
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
@click.option("--speaker", default=None, help="Only this speaker's quotes (name or alias).")
@click.option("--limit", default=50, show_default=True, help="How many quotes to show.")
@click.option("--offset", default=0, help="Skip this many quotes first.")
def list_quotes(corpus_path: str | None, speaker: str | None, limit: int, offset: int) -> None:
    """List stored quotes with speaker and source."""
    from .judge import people_named

    with _open_corpus(corpus_path) as db:
        speaker_id = None
        if speaker:
            found = people_named(db, speaker)
            if not found:
                _fail(f"no speaker called {speaker!r} in the corpus")
            speaker_id = found[0].id
        for quote in db.quotes(speaker_id=speaker_id, limit=limit, offset=offset):
            said = quote.speaker.name if quote.speaker.named else f"{quote.speaker.name} ({quote.context or '—'})"
            click.echo(f"{quote.id}  {said}: “{' '.join(quote.text.split())}”")
            click.echo(f"                  {quote.source.publisher}, “{quote.source.title}” "
                       f"({quote.source.date or 'undated'})")


@corpus.command()
@click.argument("text")
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
@_corpus_read_option
@click.option("--limit", default=10, show_default=True)
def search(text: str, corpus_path: str | None, corpus_read: str | None, limit: int) -> None:
    """Find the stored quotes closest to TEXT."""
    from .align import draft_tokens
    from .match import best_alignments

    tokens = draft_tokens(text)
    with _open_corpus(corpus_path, corpus_read) as db:
        results = best_alignments(db, tokens)[:limit]
    if not results:
        click.echo("no quotes found")
    for scored in results:
        a = scored.alignment
        click.echo(f"{a.score:5.1f}  {a.quote.speaker.name}: “{' '.join(a.quote.text.split())}”")


@corpus.command()
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
def speakers(corpus_path: str | None) -> None:
    """List speakers with their aliases, role and number of quotes."""
    with _open_corpus(corpus_path) as db:
        for speaker, count in db.speaker_counts():
            role = f" — {speaker.role}" if speaker.role else ""
            click.echo(f"{speaker.name}{role} ({count} quote{'s' if count != 1 else ''})")
            if speaker.aliases:
                click.echo(f"    aliases: {', '.join(speaker.aliases)}")
            if speaker.affiliations:
                click.echo(f"    speaks for: {', '.join(speaker.affiliations)}")


@corpus.command()
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
def stats(corpus_path: str | None) -> None:
    """Show how many quotes, speakers and sources the corpus holds."""
    with _open_corpus(corpus_path) as db:
        counts = db.stats()
        click.echo(f"corpus:   {db.location}")
    for key in ("quotes", "speakers", "sources", "terms"):
        click.echo(f"{key + ':':<9} {counts[key]:,}")
    click.echo(f"size:     {counts['bytes']:,} bytes")


@corpus.command("check")
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
def check_corpus(corpus_path: str | None) -> None:
    """Check a corpus: the database's own integrity, the word index, and that every quote has a speaker and
    source.

    Exit 0 when healthy, 1 when problems were found (each listed), 2 when the corpus cannot be opened.
    """
    from .store import CorpusError, database_errors, open_corpus

    path = _configured(corpus_path)[0]
    if path is None:
        db = _open_corpus(None)
        path = db.location
        db.close()
    try:
        db = open_corpus(path)  # writable when it can be: FTS5's integrity-check is an INSERT
    except CorpusError:
        db = _open_corpus(path)
    with db:
        try:
            report = db.check_integrity()
        except database_errors() as exc:
            _fail(f"{db.location}: damaged corpus database ({' '.join(str(exc).split())})")
    counts = ", ".join(f"{v:,} {k}" for k, v in report.counts.items())
    for problem in report.problems:
        click.echo(f"{db.location}: {problem}")
    if report.ok:
        click.echo(f"{db.location}: ok ({counts})")
        return
    click.echo(f"{db.location}: {len(report.problems)} problem(s) found", err=True)
    sys.exit(1)


@corpus.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database to add to [default: `corpus` in the config file].")
@click.option("--strict", is_flag=True, help="Stop at the first malformed line; then nothing is imported.")
@click.option("--dry-run", is_flag=True, help="Read, validate and count; change nothing.")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Quotes written per transaction.")
def import_(files: tuple[str, ...], corpus_path: str | None, strict: bool, dry_run: bool, batch_size: int) -> None:
    """Import quotes from FILES: quoteproof or Quotebank JSONL, or CSV; plain, .gz or .bz2.

    \b
    CSV needs a header with the columns text (or quotation) and speaker; optional:
    speaker_qid, speaker_aliases and speaker_affiliations (separated by |),
    speaker_role, speaker_gender, publisher, title, date (YYYY-MM-DD), url, context.
    """
    from .store import CorpusError, is_server_url, open_corpus
    from .transfer import import_files

    corpus_path = target = _writable_location(corpus_path)
    if dry_run and not is_server_url(corpus_path) and not os.path.exists(corpus_path):
        target = ":memory:"
    bar = _ProgressBar() if sys.stderr.isatty() else None
    shown = 0

    def on_error(error) -> None:
        nonlocal shown
        shown += 1
        if shown <= 20:
            click.echo(f"quoteproof: {error} (skipped)", err=True)

    created = target != ":memory:" and not is_server_url(target) and not os.path.exists(target)
    try:
        with open_corpus(target, create=True) as db:
            report = import_files(db, files, strict=strict, dry_run=dry_run, batch_size=batch_size,
                                  progress=bar.update if bar else None, on_error=on_error)
    except CorpusError as exc:
        if bar:
            bar.close()
        if created and (strict or "no such file" in str(exc) or "unknown file type" in str(exc)):
            _remove_database(target)
        _fail(str(exc))
    if bar:
        bar.close()
    if report.malformed > 20:
        click.echo(f"quoteproof: ... and {report.malformed - 20} more malformed line(s)", err=True)
    if not report.lines or report.malformed and not report.quotes and not report.skipped:
        if created:
            _remove_database(target)
        if not report.lines:
            _fail(f"nothing to import: {', '.join(files)} hold(s) no records (empty or blank lines only)")
        _fail(f"no quote could be read: all {report.malformed:,} line(s) of {', '.join(files)} are malformed"
              " (see above); nothing was imported")
    rate = report.quotes / report.seconds if report.seconds else 0.0
    verb = "would add" if dry_run else "added"
    click.echo(f"{'dry run: ' if dry_run else ''}read {report.lines:,} line(s) in {report.files} file(s): "
               f"{report.quotes:,} quote(s), {verb} {report.added:,} ({report.already:,} already stored), "
               f"{report.speakers_added:,} new speaker(s), {report.sources_added:,} new source(s), "
               f"{report.skipped:,} skipped (no speaker), {report.malformed:,} malformed; "
               f"{report.seconds:.1f} s, {rate:,.0f} quotes/s")


class _ProgressBar:
    """A tqdm bar on stderr over the bytes of the file being read, with rows/s."""

    def __init__(self) -> None:
        self.bar = None
        self.path = None
        self.started = 0.0

    def update(self, progress) -> None:
        import time

        from tqdm import tqdm

        if progress.path != self.path:
            self.close()
            self.path = progress.path
            self.started = time.perf_counter()
            self.bar = tqdm(total=progress.bytes_total, unit="B", unit_scale=True, desc=os.path.basename(self.path),
                            file=sys.stderr, leave=True, dynamic_ncols=True)
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        self.bar.set_postfix_str(f"{progress.lines:,} rows, {progress.lines / elapsed:,.0f} rows/s", refresh=False)
        self.bar.update(progress.bytes_read - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@corpus.command("export")
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write (.gz or .bz2 to compress); - for stdout.")
def export(corpus_path: str | None, output: str) -> None:
    """Write the corpus as JSONL (speakers, sources, quotes) that `corpus import` reads back."""
    from .transfer import TransferError, export_corpus, export_to_path

    with _open_corpus(corpus_path) as db:
        if output == "-":
            export_corpus(db, sys.stdout)
            return
        try:
            count = export_to_path(db, output)
        except TransferError as exc:
            _fail(str(exc))
    click.echo(f"wrote {count:,} record(s) to {output}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback only unless you say otherwise).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--corpus", "corpus_path", metavar="DB|URL", envvar="QUOTEPROOF_CORPUS",
              help="Corpus database (default: the shipped corpus).")
@click.option("--token", envvar="QUOTEPROOF_TOKEN", default=None, show_envvar=True,
              help="Require 'Authorization: Bearer TOKEN' on /v1.")
@_corpus_read_option
@click.option("--max-body", default=1_000_000, show_default=True, type=click.IntRange(1),
              help="Largest request body, in bytes (413 above it).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes, each with its own read-only corpus connection.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow browser calls from this origin (repeat for more; none by default).")
@click.option("--cache-size", default=512, show_default=True, type=click.IntRange(0),
              help="Drafts whose reports each worker remembers (0 turns the cache off).")
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve(host: str, port: int, corpus_path: str | None, token: str | None, corpus_read: str | None,
          max_body: int, workers: int, cors_origins: tuple[str, ...], cache_size: int, access_log: bool) -> None:
    """Serve the JSON API (/v1) for a CMS and the page (/) where an editor pastes a draft."""
    from dataclasses import replace

    from .service import ServeError, Settings, run
    from .store import CorpusError

    if token is not None and not token.strip():
        _fail("--token is empty (is QUOTEPROOF_TOKEN set to nothing?): give a token, or leave the option out"
              " to serve without one")
    # the options win; QUOTEPROOF_BODY_TIMEOUT and QUOTEPROOF_HEADER_TIMEOUT tune the rest
    corpus_path, corpus_read = _configured(corpus_path, corpus_read)
    settings = replace(Settings.from_env(), corpus=corpus_path, corpus_read=corpus_read, token=token or None,
                       max_body=max_body, cors_origins=cors_origins, cache_size=cache_size)
    try:
        run(settings, host=host, port=port, workers=workers, access_log=access_log)
    except (CorpusError, ServeError) as exc:
        _fail(str(exc))


# click 8.2+ raises this for a group called with no command (8.1 printed the help itself)
_NO_ARGS_IS_HELP: type[Exception] | tuple = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _corpus_named(args: list[str]) -> str:
    """Return the --corpus value in a command line, or the default corpus's path."""
    for i, arg in enumerate(args):
        if arg == "--corpus" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--corpus="):
            return arg.split("=", 1)[1]
    try:
        from .records import default_corpus_path

        return str(default_corpus_path())
    except Exception:  # noqa: BLE001 - only used to name the file in an error message
        return "the default corpus"


def main() -> None:
    """Run the CLI; usage errors exit 2 with one line (click's usage block left out), never a traceback.

    Returns nothing: always ends the process. Anything unexpected (a bug, a
    corrupted database, a full disk) becomes one `quoteproof: ...` line on
    stderr and exit status 2; QUOTEPROOF_TRACEBACK=1 shows the traceback instead.
    """
    try:
        code = cli.main(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except _NO_ARGS_IS_HELP as exc:  # `quoteproof` alone: the help, as --help shows it
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
    except click.UsageError as exc:  # a usage mistake: one line, naming where the help is
        where = exc.ctx.command_path if exc.ctx else "quoteproof"
        _fail(f"{' '.join(exc.format_message().split())} (see `{where} --help`)")
    except click.ClickException as exc:
        _fail(" ".join(exc.format_message().split()))
    except click.exceptions.Abort:
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except MemoryError:
        _fail("out of memory")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, exit 2
        if os.environ.get("QUOTEPROOF_TRACEBACK"):
            raise
        from .store import database_errors

        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        if isinstance(exc, database_errors()):
            db = _corpus_named(sys.argv[1:])
            _fail(f"{db}: damaged or unreadable corpus database ({detail}); "
                  f"`quoteproof corpus check --corpus {db}` lists what is wrong")
        if isinstance(exc, OSError):
            _fail(f"{str(exc.filename) + ': ' if getattr(exc, 'filename', None) else ''}"
                  f"{exc.strerror or detail}")
        _fail(f"internal error: {type(exc).__name__}: {detail} (please report this; "
              "QUOTEPROOF_TRACEBACK=1 shows where)")
