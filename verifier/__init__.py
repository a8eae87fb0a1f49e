"""quoteproof: verify quotations in news copy against a corpus of verbatim quotes.

The public Python API (semantic versioning from 1.0; see the README, "Use from Python"):

    check(text, *, format="txt", corpus=None, sources=(), fail_on="misattributed") -> Report
    check_file(path, *, format=None, corpus=None, sources=(), fail_on="misattributed", max_bytes=None) -> Report
    open_corpus(path_or_url=None) -> Corpus
    Report, FileResult, Finding, Position, Suppressed, Attribution, Source, Change, Corpus, QuoteproofError

Everything else under `verifier.` is internal.
"""

__version__ = "0.1.0"

# The submodule verifier.check is loaded before the function of the same name is bound here: importing a
# submodule sets the package's attribute, so loading it later would hide `verifier.check` the function.
from . import check as _check_module  # noqa: E402, F401
from .api import (  # noqa: E402
    Corpus,
    FileResult,
    Finding,
    Position,
    QuoteproofError,
    Report,
    Suppressed,
    check,
    check_file,
    open_corpus,
)
from .models import Attribution, Change, Source  # noqa: E402

__all__ = ["Attribution", "Change", "Corpus", "FileResult", "Finding", "Position", "QuoteproofError", "Report",
           "Source", "Suppressed", "check", "check_file", "open_corpus", "__version__"]
