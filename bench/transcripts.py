"""Checking drafts against hundreds of hours of transcripts.

    python bench/transcripts.py [--hours 500] [--drafts 60] [--seed 11] [--rebuild]

Generates a year of briefings as WebVTT files (about 9,000 words an hour at
150 words a minute, cues of 6-12 words, turns of 5 to 600 words with a few
recurring named speakers and a reporter's "Q" turns; words with Zipf
frequencies from bench/scale.py's vocabulary), reads and stores them with
`verifier.sources` as `quoteproof corpus ingest` does (the corpus is cached in
bench/.cache/), then checks 10-quotation drafts through
`verifier.check.check_quotation`, warm, timing each draft. Quotations are
fragments of 6-25 words of random turns, half of them across a cue boundary,
credited to their speaker or (one in five) to another; one in five has a word
changed; one in ten is drawn from nowhere. Besides the times it reports how
many quotations were found in their own turn with the right `at` (the start
of the cue their first word is in) and the right verdict.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
for path in (str(HERE.parent), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from scale import FIRST, LAST, Generator, peak_rss_mb, percentile  # noqa: E402

WORDS_PER_HOUR = 9_000
WORDS_PER_SECOND = 2.5
SPEAKERS = 12


def vtt_hour(gen: Generator, names: list[str], rng: random.Random) -> tuple[str, list[dict]]:
    """Return one hour of captions as WebVTT, and each cue's facts (speaker, words, start, turn number)."""
    lines = ["WEBVTT", "", "NOTE synthetic briefing for bench/transcripts.py", ""]
    cues: list[dict] = []
    said, clock, turn = 0, 0.0, 0
    while said < WORDS_PER_HOUR:
        speaker = "Q" if turn % 2 else names[min(int(rng.expovariate(0.4)), len(names) - 1)]
        length = min(600, max(5, int(rng.lognormvariate(3.6 if speaker != "Q" else 2.6, 0.9))))
        words = gen.sentence_words(length)
        k = 0
        while k < len(words):
            n = rng.randint(6, 12)
            chunk = words[k:k + n]
            start, end = clock, clock + len(chunk) / WORDS_PER_SECOND
            lines += [_stamp(start) + " --> " + _stamp(end), f"<v {speaker}>{' '.join(chunk)}", ""]
            cues.append({"speaker": speaker, "words": chunk, "start": start, "turn": turn})
            clock, k = end + 0.1, k + n
        said += len(words)
        turn += 1
        clock += rng.uniform(0.5, 3.0)
    return "\n".join(lines), cues


def _stamp(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{int(seconds * 1000) % 1000:03d}"


def build(hours: int, seed: int, rebuild: bool) -> tuple[Path, Path, dict]:
    """Generate the transcripts and store them (or reuse the cached corpus); return the corpus, the cue facts
    and the build figures."""
    from verifier.sources import ingest_transcript, read_source, source_for
    from verifier.store.sqlite import Corpus

    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"transcripts-{hours}h-{seed}.db"
    facts_path = CACHE / f"transcripts-{hours}h-{seed}.json"
    cues_path = CACHE / f"transcripts-{hours}h-{seed}-cues.jsonl"
    if not rebuild and db.exists() and facts_path.exists() and cues_path.exists():
        return db, cues_path, json.loads(facts_path.read_text())
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    gen = Generator(seed)
    rng = random.Random(seed)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(SPEAKERS)]
    folder = CACHE / f"transcripts-{hours}h-{seed}"
    folder.mkdir(exist_ok=True)
    parse_seconds = store_seconds = 0.0
    turns = words = cue_count = 0
    with Corpus.open(db, create=True) as corpus, open(cues_path, "w", encoding="utf-8") as cue_file:
        for hour in range(hours):
            text, cues = vtt_hour(gen, names, rng)
            path = folder / f"briefing-{hour:04d}.vtt"
            path.write_text(text, encoding="utf-8")
            started = time.perf_counter()
            _, parsed = read_source(str(path))
            parse_seconds += time.perf_counter() - started
            started = time.perf_counter()
            ingest_transcript(corpus, parsed, source_for(str(path), "Bench TV", f"Briefing {hour}",
                                                         url=f"https://video.example/{hour}"))
            store_seconds += time.perf_counter() - started
            turns += len(parsed)
            words += sum(len(c["words"]) for c in cues)
            cue_count += len(cues)
            for cue in cues:
                cue_file.write(json.dumps({**cue, "hour": hour}) + "\n")
            if hour % 50 == 49:
                print(f"  {hour + 1} hours stored", file=sys.stderr)
    facts = {"hours": hours, "turns": turns, "words": words, "cues": cue_count, "parse_s": parse_seconds,
             "store_s": store_seconds, "db_bytes": db.stat().st_size, "names": names}
    facts_path.write_text(json.dumps(facts))
    return db, cues_path, facts


def make_queries(cues_path: Path, facts: dict, count: int, seed: int) -> list[dict]:
    """Return quotations taken from random cues (with what the check should answer), or from nowhere."""
    gen = Generator(seed)
    gen.rng = random.Random(seed + 2)  # the corpus's vocabulary, not its word sequence
    rng = random.Random(seed + 1)
    picked = sorted(rng.sample(range(facts["cues"] - 1), count * 3))  # cues to quote; more than enough
    wanted = set(picked) | {k + 1 for k in picked}
    with open(cues_path, encoding="utf-8") as handle:  # streamed: the whole file is 4.5M words
        cues = {k: json.loads(line) for k, line in enumerate(handle) if k in wanted}
    rng.shuffle(picked)
    queries = []
    for k in picked:
        if len(queries) >= count:
            break
        if rng.random() < 0.1:
            queries.append({"text": " ".join(gen.sentence_words(rng.randint(8, 20))), "credit": facts["names"][0],
                            "expect": None})
            continue
        cue, after = cues[k], cues[k + 1]
        if cue["speaker"] == "Q" or len(cue["words"]) < 6:
            continue
        words = list(cue["words"])
        if after["turn"] == cue["turn"] and after["hour"] == cue["hour"] and rng.random() < 0.5:
            words += after["words"]  # across the cue boundary
        n = rng.randint(6, min(25, len(words)))
        first = rng.randint(0, min(len(cue["words"]) - 1, len(words) - n))
        fragment = words[first:first + n]
        changed = n >= 8 and rng.random() < 0.2
        if changed:
            fragment[rng.randrange(2, n - 1)] = rng.choice(gen.words[300:])
        wrong = rng.random() < 0.2
        credit = rng.choice([s for s in facts["names"] if s != cue["speaker"]]) if wrong else cue["speaker"]
        verdict = "misattributed" if wrong else ("drift" if changed else "verified")
        queries.append({"text": " ".join(fragment), "credit": credit,
                        "expect": {"speaker": cue["speaker"], "at": _clock(cue["start"]), "verdict": verdict}})
    return queries


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def main() -> None:
    """Build (or reuse) the corpus, check the drafts, print the table and the one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=int, default=500)
    parser.add_argument("--drafts", type=int, default=60)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    from verifier.check import check_quotation
    from verifier.models import Attribution, Quotation
    from verifier.store.sqlite import Corpus

    db, cues_path, facts = build(args.hours, args.seed, args.rebuild)
    queries = make_queries(cues_path, facts, args.drafts * 10 + 20, args.seed)
    with open(db, "rb") as handle:  # warm: the database in the OS page cache, as on a server that runs checks
        while handle.read(1 << 20):
            pass
    corpus = Corpus.open(db, readonly=True)

    def check(query: dict):
        """Return the finding for one quotation, credited as the query says."""
        quotation = Quotation(query["text"], 0, len(query["text"]))
        return check_quotation(quotation, Attribution(query["credit"], query["credit"], "said"), corpus)

    for query in queries[:20]:  # warm up the interpreter's code paths
        check(query)
    draft_ms, right, taken, nowhere_found = [], 0, 0, 0
    for d in range(20, len(queries), 10):
        draft = queries[d:d + 10]
        started = time.perf_counter()
        found = [check(q) for q in draft]
        draft_ms.append((time.perf_counter() - started) * 1000)
        for query, finding in zip(draft, found, strict=True):
            expect = query["expect"]
            if expect is None:
                nowhere_found += bool(finding and finding.verdict != "unverified")
                continue
            taken += 1
            said_at = finding.to_json()["source"]["at"] if finding and finding.source else None
            right += bool(finding and (finding.verdict, finding.speaker, said_at)
                          == (expect["verdict"], expect["speaker"], expect["at"]))
    p50, p95 = statistics.median(draft_ms), percentile(draft_ms, 95)
    print("| hours | turns | words | stored in | DB size | check p50 / p95, 10-quote draft | "
          "verdict+speaker+at right | from nowhere judged found | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {facts['hours']} | {facts['turns']:,} | {facts['words']:,} | "
          f"{facts['parse_s']:.0f} s read + {facts['store_s']:.0f} s stored | {facts['db_bytes'] / 1e6:.0f} MB | "
          f"{p50:.1f} / {p95:.1f} ms | {right}/{taken} | {nowhere_found}/{len(queries) - 20 - taken} | "
          f"{peak_rss_mb():.0f} MB |")
    print(f"hours={facts['hours']} turns={facts['turns']} check_p50_ms={p50:.1f} check_p95_ms={p95:.1f} "
          f"right={right / max(taken, 1):.3f}")


if __name__ == "__main__":
    main()
