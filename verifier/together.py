"""The corpus in use and the files given with `check --source`, looked up together by speaker name."""

from __future__ import annotations

from .models import Speaker
from .store import CorpusReader as Corpus


class Together:
    """Speaker names looked up in the corpus in use and in the files given with `check --source` at once
    (the only corpus reading the judge and label resolution do by name)."""

    def __init__(self, *corpora: Corpus) -> None:
        self.corpora = corpora

    def speakers_named(self, name: str) -> list[tuple[Speaker, str]]:
        """Return (speaker, how) from every corpus, each speaker once (the first corpus's record wins)."""
        seen: dict[str, tuple[Speaker, str]] = {}
        for corpus in self.corpora:
            for speaker, how in corpus.speakers_named(name):
                seen.setdefault(speaker.id, (speaker, how))
        return list(seen.values())
