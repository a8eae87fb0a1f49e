"""Does the cost of `check` and `quotes` grow linearly with the input? A table of times at 1x, 10x, 100x.

    python bench/linear.py [--cap SECONDS]

Rows:

* drafts: news paragraphs quoting the seed corpus (right, reworded, wrongly
  credited, unquoted filler), 10 KB -> 100 KB -> 1 MB, through `check_document`
  (the whole pipeline against the seed corpus) and `quotations_in` (find +
  attribute, what `quotes` runs);
* pathological inputs: a quote mark on every character (one mark, and the
  nine mark styles mixed), `a"` alternating, short quotations with no sentence
  end between them (`say "x" say "x" ...`), and one 20 MB line for `quotes`
  (200 KB -> 2 MB -> 20 MB).

Each measurement runs in its own process, capped at --cap seconds (default 60);
a capped one prints as `>cap`. The ratio columns are t(10x)/t(1x) and
t(100x)/t(10x). The last line is `growth_10x=R`: the worst 10x ratio of any row
(the worst case is the one a gate has to survive; the target is <= 15). The
line before it gives the same for the draft rows alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILLER = ("The council met on Tuesday to discuss the budget for the coming year, and members "
          "asked for more time before the vote. ")


def draft_text(size: int) -> str:
    """Return about `size` characters of news paragraphs, a third of them quoting the seed corpus."""
    quotes = [json.loads(line) for line in (ROOT / "corpus" / "quotes.jsonl").read_text().splitlines() if line]
    speakers = {s["id"]: s["name"] for s in
                (json.loads(line) for line in (ROOT / "corpus" / "speakers.jsonl").read_text().splitlines() if line)}
    names = sorted(speakers.values())
    out: list[str] = []
    total = i = 0
    while total < size:
        q = quotes[i % len(quotes)]
        words = q["text"].split()
        if i % 3 == 1 and len(words) > 4:
            words[len(words) // 2] = "never"
        credit = speakers[q["speaker"]] if i % 4 else names[i % len(names)]
        form = ('{n} said, "{q}"', '"{q}" {n} told reporters.', "“{q}” according to {n}.")[i % 3]
        para = form.format(n=credit, q=" ".join(words)) + " " + FILLER
        out.append(para)
        total += len(para) + 2
        i += 1
    return "\n\n".join(out)[:size]


def make_input(kind: str, size: int) -> str:
    """Return the input text of a row at about `size` characters."""
    if kind == "drafts":
        return draft_text(size)
    unit = {"one mark": '"', "mixed marks": "“”‘’«»\"'„", "alternating": 'a"',
            "quotations, no sentence end": 'say "x" ', "one line": "words ",
            "quotation every 1 KB, one line": "x" * 978 + ' Obama said "back off" '}[kind]
    return (unit * (size // len(unit) + 1))[:size]


def measure(command: str, kind: str, size: int) -> float:
    """Run one measurement in this process; return seconds."""
    from verifier.check import check_document, quotations_in
    from verifier.read import document_from_text
    from verifier.store.sqlite import Corpus

    text = make_input(kind, size)
    best = float("inf")
    with Corpus.open(os.environ["LINEAR_CORPUS"], readonly=True) as corpus:
        check_document(document_from_text(text[:200]), corpus)  # warm imports
        for _ in range(5):  # the best of a few runs for quick ones (less noise), one run for slow ones
            started = time.perf_counter()
            if command == "check":
                check_document(document_from_text(text), corpus)
            else:
                quotations_in(document_from_text(text))
            best = min(best, time.perf_counter() - started)
            if best > 0.5:
                break
    return best


def timed(command: str, kind: str, size: int, cap: float) -> float | None:
    """Return the seconds one measurement took in a fresh process, or None past `cap`."""
    try:
        proc = subprocess.run([sys.executable, __file__, "--one", command, kind, str(size)], capture_output=True,
                              text=True, timeout=cap, env=os.environ)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        raise SystemExit(f"{command} {kind} {size}: failed\n{proc.stderr}")
    return float(proc.stdout.strip().splitlines()[-1])


ROWS = [
    ("check", "drafts", 10_000),
    ("check", "quotation every 1 KB, one line", 10_000),
    ("quotes", "drafts", 10_000),
    ("check", "one mark", 10_000),
    ("quotes", "mixed marks", 1_000),
    ("quotes", "alternating", 1_000),
    ("quotes", "quotations, no sentence end", 1_000),
    ("quotes", "one line", 200_000),
]


def human(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size / 1000:g} KB"


def main() -> None:
    """Print the growth table; the last line is growth_10x=R."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=60.0, help="Seconds before a measurement is given up.")
    parser.add_argument("--one", nargs=3, metavar=("COMMAND", "KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        command, kind, size = args.one
        print(f"{measure(command, kind, int(size)):.6f}")
        return
    from verifier.records import build_corpus, records_dir

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "seed.db"
        build_corpus(records_dir(), db)
        os.environ["LINEAR_CORPUS"] = str(db)
        print(f"{'command':<7} {'input':<32} {'1x':>8} {'10x':>9} {'100x':>9} {'t1':>8} {'t10':>8} {'t100':>8}"
              f" {'10x/1x':>7} {'100x/10x':>8}")
        worst = worst_drafts = 0.0
        for command, kind, base in ROWS:
            times: list[float | None] = []
            for factor in (1, 10, 100):
                t = timed(command, kind, base * factor, args.cap) if not times or times[-1] is not None else None
                times.append(t)
            ratios = [b / a if a and b else None for a, b in zip(times, times[1:], strict=False)]
            # a capped measurement means the ratio is at least cap / previous time
            shown_ratios = []
            for (a, b), r in zip(zip(times, times[1:], strict=False), ratios, strict=True):
                if r is not None:
                    shown_ratios.append(f"{r:.1f}")
                    worst = max(worst, r)
                    if kind == "drafts":
                        worst_drafts = max(worst_drafts, r)
                elif a is not None and b is None:
                    shown_ratios.append(f">{args.cap / a:.0f}")
                    worst = max(worst, args.cap / a)
                else:
                    shown_ratios.append("-")
            cells = [f"{t:.3f}s" if t is not None else f">{args.cap:g}s" for t in times]
            print(f"{command:<7} {kind:<32} {human(base):>8} {human(base * 10):>9} {human(base * 100):>9} "
                  f"{cells[0]:>8} {cells[1]:>8} {cells[2]:>8} {shown_ratios[0]:>7} {shown_ratios[1]:>8}",
                  flush=True)
        print(f"drafts_growth_10x={worst_drafts:.1f}")
        print(f"growth_10x={worst:.1f}")


if __name__ == "__main__":
    main()
