"""Batch benchmark: 1,000 generated drafts (txt/md/html, 10 quotations each) with 1 worker and with all cores.

Drafts are built from the shipped corpus quotes: fragments, some with a word
changed, a "not" dropped, or credited to the wrong person. Run:

    python bench/batch.py [--files 1000] [--seed 7]

The last line is `files_per_s=F speedup=S` (F with all cores).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier.batch import check_files, default_workers  # noqa: E402
from verifier.records import default_corpus_path, records_dir  # noqa: E402
from verifier.walk import walk  # noqa: E402

FILLER = ["The raids drew criticism from advocates.", "Officials met on Thursday.",
          "The debate continued in Congress.", "Families waited for news."]


def _quotes() -> tuple[list[tuple[str, str]], list[str]]:
    folder = records_dir()
    speakers = {}
    for line in (folder / "speakers.jsonl").read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            speakers[record["id"]] = record["name"]
    quotes = []
    for line in (folder / "quotes.jsonl").read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            quotes.append((record["text"].strip(" ,."), speakers.get(record["speaker"], "an official")))
    return quotes, sorted(set(speakers.values()))


def _quotation(rng: random.Random, quotes: list[tuple[str, str]], names: list[str]) -> tuple[str, str]:
    text, speaker = rng.choice(quotes)
    words = text.split()
    if len(words) > 8 and rng.random() < 0.5:
        start = rng.randrange(0, len(words) - 6)
        words = words[start:start + rng.randint(6, len(words) - start)]
    roll = rng.random()
    if roll < 0.15 and len(words) > 3:
        words[rng.randrange(len(words))] = rng.choice(["really", "never", "all", "twelve"])
    elif roll < 0.25 and "not" in words:
        words.remove("not")
    elif roll < 0.35:
        speaker = rng.choice([n for n in names if n != speaker] or names)
    return " ".join(words), speaker.split()[-1]


def make_drafts(folder: Path, count: int, seed: int) -> None:
    """Write `count` drafts (txt, md, html in turn) of 10 quotations each into `folder`."""
    rng = random.Random(seed)
    quotes, names = _quotes()
    for i in range(count):
        paragraphs = []
        for _ in range(10):
            words, who = _quotation(rng, quotes, names)
            paragraphs.append(f"{rng.choice(FILLER)} “{words},” {who} said.")
        kind = ("txt", "md", "html")[i % 3]
        if kind == "md":
            body = f"# Draft {i}\n\n" + "\n\n".join(f"*{p.split(' ', 1)[0]}* {p.split(' ', 1)[1]}" for p in paragraphs)
        elif kind == "html":
            body = (f"<html><head><title>Draft {i}</title></head><body><h1>Draft {i}</h1>"
                    + "".join(f"<p>{p.replace('“', '&ldquo;').replace('”', '&rdquo;')}</p>\n" for p in paragraphs)
                    + "</body></html>")
        else:
            body = "\n\n".join(paragraphs)
        (folder / f"draft-{i:04d}.{kind}").write_text(body + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    corpus = str(default_corpus_path())
    cores = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_drafts(folder, args.files, args.seed)
        targets = list(walk([str(folder)]))
        rows = []
        for workers in (1, cores):
            began = time.perf_counter()
            result = check_files(targets, corpus, workers=workers)
            seconds = time.perf_counter() - began
            quotes = sum(len(r.findings) for r in result.reports)
            assert not result.errors, result.errors[:3]
            rows.append((workers, len(result.reports), quotes, seconds, len(result.reports) / seconds))
    print(f"{'workers':>7}  {'files':>5}  {'quotes':>6}  {'seconds':>7}  {'files/s':>8}  {'speed-up':>8}")
    for workers, files, quotes, seconds, rate in rows:
        print(f"{workers:>7}  {files:>5}  {quotes:>6}  {seconds:>7.2f}  {rate:>8.1f}  {rate / rows[0][4]:>7.2f}x")
    print(f"files_per_s={rows[-1][4]:.1f} speedup={rows[-1][4] / rows[0][4]:.2f}")


if __name__ == "__main__":
    main()
