"""quoteproof: verify quotations in news copy against a corpus of verbatim quotes."""

__version__ = "0.1.0"
