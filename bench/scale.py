"""Corpus at scale: import speed, index size, check latency and recall against a brute-force scan.

    python bench/scale.py [--quotes 1000000] [--brute 40] [--drafts 60] [--seed 7] [--rebuild]

Generates a synthetic news-like corpus (Zipf word frequencies over a 60,000-word
vocabulary whose head is real English function words, 8-60 words a quote,
speakers and articles with Zipf popularity) as Quotebank JSON Lines, imports it
with `verifier.transfer.import_files` (the file and the database are cached
under bench/.cache/), then:

* times 10-quote drafts checked through `verifier.check.check_quotation` (warm,
  in a fresh process that also reports its peak RSS),
* scans every quote with rapidfuzz (`process.extractOne`, `partial_ratio`) for
  a bounded sample of the same quotations,
* and compares the two: recall@1 of the indexed check against brute force
  (a hit when the indexed best quote is the quotation's source or scores at
  least as high as brute force's best), and against the known source.

Queries: fragments of 3-25 words of random corpus quotes, with up to 3 edited
words (replaced, inserted or deleted; at most one per four words, so a 3-word
fragment is left intact) and, for one in five long enough, an ellipsis over 2-6
words; a few carry FTS syntax (OR, NEAR, quote marks, *, parentheses). One
query in ten is drawn from nowhere (same vocabulary, not in the corpus).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

FUNCTION_WORDS = """the of and to a in that is was he for it with as his on be at by i this had not are but
from or have an they which one you were her all she there would their we him been has when who will more no if
out so said what up its about into than them can only other new some could time these two may then do first any
my now such like our over man me even most made after also did many before must through back years where much
your way well down should because each just those people how too little state good very make world still own see
men work long get here between both life being under never day same another know while last might us great old
year off come since against go came right used take three states himself few house use during without again place
american around however home small found thought went say part once general high upon school every don does got
united left number course war until always away something fact though water less public put think almost hand
enough far took head yet government system better set told nothing night end why called didn eyes find going
look asked later knew point next program city business give group toward young days let room president side social
given present several order national possible rather second face per among form important often things looked early
white case john become large big need four within felt children along saw best church ever least power development
light thing seemed family interest want members mind country area others done turned although open problem""".split()
SYLLABLES = ("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ha he hi ho ka ke ki ko la le li "
             "lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve "
             "vi vo za ze zi zo ar er ir or ur an en in on un al el il ol st tr pr gr br cr pl cl fl sl sh ch th"
             ).split()
FIRST = ("James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan Joseph "
         "Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark Sandra Donald Ashley Steven "
         "Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
         "Timothy Stephanie Ronald Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary "
         "Angela Nicholas Helen Eric Anna Jonathan Brenda Stephen Pamela Larry Nicole Justin Emma Scott Samantha José "
         "Zoë Renée François Ángela").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
        "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
        "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
        "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
        "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
        "Sanders Patel Myers Long Ross Foster Jiménez Müller Nuñez").split()
PUBLISHERS = ("thehill.com nytimes.com washingtonpost.com reuters.com apnews.com bbc.co.uk theguardian.com cnn.com "
              "foxnews.com politico.com npr.org bloomberg.com latimes.com usatoday.com wsj.com").split()
VOCABULARY = 60_000
ZIPF_S = 1.05
FTS_NOISE = ['OR', 'NEAR', '"', '*', '(', ')', 'AND', 'NOT', '"hello', "don't", '-', '^']


@dataclass
class Query:
    """A draft quotation for the benchmark: its text, credited name, and the quote it came from (or None)."""

    text: str
    speaker: str
    source_quote: int | None  # 0-based position of the original in the generated file; None: from nowhere
    kind: str  # exact, edited, elided, noisy, nowhere


class Generator:
    """Deterministic synthetic news quotes: Zipf words, speakers and articles."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        words = list(dict.fromkeys(FUNCTION_WORDS))
        seen = set(words)
        while len(words) < VOCABULARY:
            w = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.choice((2, 2, 3, 3, 3, 4))))
            if w not in seen:
                seen.add(w)
                words.append(w)
        self.words = words
        self.cum = list(itertools.accumulate(1.0 / (r + 1) ** ZIPF_S for r in range(len(words))))

    def sentence_words(self, n: int) -> list[str]:
        """Return n words drawn with Zipf frequencies."""
        return self.rng.choices(self.words, cum_weights=self.cum, k=n)

    def quote_text(self) -> str:
        """Return one quote: 8-60 words, a few sentences, punctuation, now and then a number or a name."""
        n = min(60, max(8, int(self.rng.lognormvariate(3.2, 0.45))))
        ws = self.sentence_words(n)
        out, start = [], True
        for i, w in enumerate(ws):
            if self.rng.random() < 0.02:
                w = str(self.rng.randint(2, 2020))
            elif self.rng.random() < 0.01:
                w = self.rng.choice(LAST)
            out.append(w.capitalize() if start else w)
            start = False
            if i < n - 1 and self.rng.random() < 0.08:
                out[-1] += self.rng.choice((",", ",", ".", ";", " —"))
                start = out[-1].endswith(".")
        return " ".join(out) + self.rng.choice((".", ".", ",", "?", "!"))

    def corpus_lines(self, count: int):
        """Yield (Quotebank JSON line, quotation, speaker name) for `count` quotes."""
        speakers = max(50, count // 40)
        names = [f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}" for _ in range(speakers)]
        nf = len(FIRST)
        names = [n if i < 400 else f"{FIRST[i % nf]} {chr(65 + (i // nf) % 26)}. {LAST[(i // (nf * 26)) % len(LAST)]}"
                 for i, n in enumerate(names)]
        name_cum = list(itertools.accumulate(1.0 / (r + 1) ** 0.9 for r in range(speakers)))
        article = 0
        for k in range(count):
            if k % 4 == 0:
                article += 1
                url = f"https://www.{self.rng.choice(PUBLISHERS)}/{2008 + article % 13}/story-{article}.html"
                date = f"{2008 + article % 13}-{1 + article % 12:02d}-{1 + article % 28:02d} 00:00:00"
            i = bisect.bisect_left(name_cum, self.rng.random() * name_cum[-1])
            text = self.quote_text()
            line = json.dumps({"quoteID": f"{date[:10]}-{k:09d}", "quotation": text, "speaker": names[i],
                               "qids": [f"Q{1000 + i}"], "date": date, "numOccurrences": 1,
                               "probas": [[names[i], "0.9"], ["None", "0.1"]], "urls": [url], "phase": "E"},
                              ensure_ascii=False)
            yield line, text, names[i]

    def query_from(self, text: str, speaker: str, position: int) -> Query:
        """Return a draft quotation made from a corpus quote: a fragment, maybe edited, elided or noisy."""
        import re

        tokens = re.findall(r"\S+", text)
        n = self.rng.randint(3, min(25, len(tokens)))
        start = self.rng.randint(0, len(tokens) - n)
        frag = tokens[start:start + n]
        kind = "exact"
        edits = self.rng.randint(0, min(3, (n - 1) // 4))
        for _ in range(edits):
            kind = "edited"
            op = self.rng.choice(("replace", "insert", "delete"))
            i = self.rng.randrange(len(frag))
            if op == "replace":
                frag[i] = self.rng.choice(self.words[200:])
            elif op == "insert":
                frag.insert(i, self.sentence_words(1)[0])
            elif len(frag) > 3:
                del frag[i]
        if len(frag) >= 10 and self.rng.random() < 0.2:
            kind = "elided"
            cut = self.rng.randint(2, 6)
            i = self.rng.randint(2, len(frag) - cut - 2)
            frag[i:i + cut] = ["..."]
        elif self.rng.random() < 0.05:
            kind = "noisy"
            frag.insert(self.rng.randrange(len(frag) + 1), self.rng.choice(FTS_NOISE))
        return Query(" ".join(frag).strip(" ,.;—"), speaker, position, kind)

    def nowhere(self, speaker: str) -> Query:
        """Return a draft quotation drawn from the vocabulary, not taken from the corpus."""
        text = " ".join(self.sentence_words(self.rng.randint(6, 25)))
        return Query(text.capitalize(), speaker, None, "nowhere")


# -- building the corpus ---------------------------------------------------------
def build(count: int, seed: int, rebuild: bool, server: str | None = None) -> dict:
    """Generate and import the corpus (or reuse the cached one); return its build facts. With `server` (a
    postgresql:// URL of an empty database, or of one this benchmark filled with the same quotes), the
    corpus is imported there instead of into an SQLite file."""
    from verifier.store import is_server_url, open_corpus
    from verifier.transfer import import_files

    CACHE.mkdir(exist_ok=True)
    data = CACHE / f"quotebank-{count}-{seed}.jsonl"
    db = CACHE / f"corpus-{count}-{seed}.db"
    facts_path = CACHE / f"corpus-{count}-{seed}.json"
    if server:
        db = server
        facts_path = CACHE / f"corpus-{count}-{seed}-postgres.json"
        with open_corpus(server, create=True) as corpus:
            stored = corpus.stats()["quotes"]
        cached = json.loads(facts_path.read_text()) if facts_path.exists() else None
        imported_here = cached is not None and cached["db"] == server and cached["quotes"] == stored
        if stored and (rebuild or not imported_here):
            sys.exit(f"{server} holds {stored:,} quotes this benchmark did not import: give an empty database")
        if not stored:  # an empty database: imported now, whatever an earlier run imported elsewhere
            facts_path.unlink(missing_ok=True)
    if not rebuild and (server or db.exists()) and facts_path.exists() and data.exists():
        return json.loads(facts_path.read_text())
    for path in () if server else (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            path.unlink()
    if rebuild or not data.exists():
        print(f"generating {count:,} quotes -> {data}", file=sys.stderr)
        gen = Generator(seed)
        raw = 0
        with open(data, "w", encoding="utf-8") as out:
            for line, text, _ in gen.corpus_lines(count):
                out.write(line + "\n")
                raw += len(text.encode())
        (CACHE / f"{data.name}.raw").write_text(str(raw))
    raw = int((CACHE / f"{data.name}.raw").read_text())
    print(f"importing into {db}", file=sys.stderr)
    with open_corpus(db, create=True) as corpus:
        report = import_files(corpus, [data])
        corpus.without_log()  # SQLite: the whole file, without its write-ahead log
        size = corpus.stats()["bytes"] if is_server_url(str(db)) else os.path.getsize(db)
        sizes = corpus.sizes() if is_server_url(str(db)) else {}
    facts = {"quotes": report.added, "import_seconds": report.seconds,
             "import_qps": report.added / report.seconds, "db_bytes": size, "raw_bytes": raw,
             "data": str(data), "db": str(db), "sizes": sizes}
    facts_path.write_text(json.dumps(facts))
    return facts


def make_queries(facts: dict, seed: int, drafts: int) -> list[Query]:
    """Return drafts*10 queries: nine in ten from random corpus quotes, one in ten from nowhere."""
    gen = Generator(seed)  # the same vocabulary as the corpus
    rng = random.Random(seed + 1)
    total = facts["quotes"]
    wanted = sorted(rng.sample(range(total), drafts * 10))
    picked: dict[int, tuple[str, str]] = {}
    with open(facts["data"], encoding="utf-8") as handle:
        want = iter(wanted)
        target = next(want, None)
        for i, line in enumerate(handle):
            if i == target:
                r = json.loads(line)
                picked[i] = (r["quotation"], r["speaker"])
                target = next(want, None)
                if target is None:
                    break
    gen.rng = random.Random(seed + 2)
    queries = []
    for i in wanted:
        text, speaker = picked[i]
        queries.append(gen.nowhere(speaker) if gen.rng.random() < 0.1 else gen.query_from(text, speaker, i))
    rng.shuffle(queries)
    return queries


# -- the indexed check (run in a fresh process for its peak memory) -----------------
def check_worker(db: str, queries_path: str) -> None:
    """Check every draft of 10 quotations warm; print timings, the answers and peak RSS as JSON."""
    from verifier.align import draft_tokens
    from verifier.check import check_quotation
    from verifier.match import best_alignments
    from verifier.models import Attribution, Quotation
    from verifier.store import open_corpus

    queries = [Query(**q) for q in json.loads(Path(queries_path).read_text())]
    corpus = open_corpus(db, readonly=True)
    quotations = [(Quotation(q.text, 0, len(q.text)), Attribution(q.speaker, q.speaker, "said")) for q in queries]
    corpus.warm()  # the database in the OS page cache, as on a server that runs checks
    for quotation, attribution in quotations[:20]:  # warm up the interpreter's code paths
        check_quotation(quotation, attribution, corpus)
    draft_ms = []
    verdicts = []
    for d in range(0, len(quotations), 10):
        started = time.perf_counter()
        found = [check_quotation(q, a, corpus) for q, a in quotations[d:d + 10]]
        draft_ms.append((time.perf_counter() - started) * 1000)
        verdicts += [f.verdict if f else None for f in found]
    top = []
    for q in queries:
        best = best_alignments(corpus, draft_tokens(q.text))
        top.append(best[0].alignment.quote.text if best else None)
    rss_mb = peak_rss_mb()
    print(json.dumps({"draft_ms": draft_ms, "verdicts": verdicts, "top": top, "rss_mb": rss_mb}))


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (VmHWM: since exec, unlike ru_maxrss, which on
    Linux keeps the high-water mark of the forking parent)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], p: float) -> float:
    """Return the p-th percentile (0-100) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def brute_force(facts: dict, queries: list[Query], sample: int, seed: int) -> tuple[list[float], dict[int, tuple]]:
    """Scan every quote for a sample of queries; return per-query ms and {query index: (score, position)}."""
    from rapidfuzz import fuzz, process

    from verifier.normalize import index_text

    texts = []
    with open(facts["data"], encoding="utf-8") as handle:
        for line in handle:
            texts.append(index_text(json.loads(line)["quotation"]))
    rng = random.Random(seed + 3)
    from_corpus = [i for i, q in enumerate(queries) if q.source_quote is not None]
    chosen = sorted(rng.sample(from_corpus, min(sample, len(from_corpus))))
    times, best = [], {}
    for i in chosen:
        key = index_text(queries[i].text)
        started = time.perf_counter()
        _, score, position = process.extractOne(key, texts, scorer=fuzz.partial_ratio)
        times.append((time.perf_counter() - started) * 1000)
        best[i] = (score, position, texts[position])
    return times, best


def main() -> None:
    """Run the benchmark and print its table and summary line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--drafts", type=int, default=60, help="10-quote drafts to time")
    parser.add_argument("--brute", type=int, default=40, help="quotations scanned by brute force")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="regenerate and re-import even if cached")
    parser.add_argument("--corpus", metavar="URL", help="a postgresql:// URL of an empty database to import into "
                        "and check against (default: an SQLite file in bench/.cache)")
    parser.add_argument("--check-worker", nargs=2, metavar=("DB", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check_worker:
        check_worker(*args.check_worker)
        return
    from rapidfuzz import fuzz

    from verifier.normalize import index_text

    facts = build(args.quotes, args.seed, args.rebuild, args.corpus)
    queries = make_queries(facts, args.seed, args.drafts)
    queries_path = CACHE / f"queries-{args.quotes}-{args.seed}.json"
    queries_path.write_text(json.dumps([asdict(q) for q in queries]))
    worker = subprocess.run([sys.executable, __file__, "--check-worker", facts["db"], str(queries_path)],
                            capture_output=True, text=True, check=False)
    if worker.returncode:
        sys.exit(f"check worker failed:\n{worker.stderr}")
    checked = json.loads(worker.stdout)
    brute_ms, brute_best = brute_force(facts, queries, args.brute, args.seed)

    originals: dict[int, str] = {}
    wanted = {q.source_quote for q in queries if q.source_quote is not None}
    with open(facts["data"], encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i in wanted:
                originals[i] = json.loads(line)["quotation"]
    hits = 0
    misses = []
    for i, (score, _, brute_text) in brute_best.items():
        top = checked["top"][i]
        source = originals[queries[i].source_quote]
        key = index_text(queries[i].text)
        if top is not None and (top == source or fuzz.partial_ratio(key, index_text(top)) >= score):
            hits += 1
        else:
            misses.append(f"  missed ({queries[i].kind}): {queries[i].text!r}\n    brute force {score:.0f}: "
                          f"{brute_text[:120]!r}\n    indexed: {top[:120] if top else None!r}")
    if misses:
        print("recall misses (indexed top-1 worse than brute force's):", *misses, sep="\n", file=sys.stderr)
    recall = hits / max(len(brute_best), 1)
    from_corpus = [i for i, q in enumerate(queries) if q.source_quote is not None]
    source_at_1 = sum(checked["top"][i] == originals[queries[i].source_quote] for i in from_corpus) / len(from_corpus)
    nowhere = [i for i, q in enumerate(queries) if q.source_quote is None]
    false_found = sum(checked["verdicts"][i] not in (None, "unverified") for i in nowhere)
    by_kind: dict[str, list[bool]] = {}
    for i in from_corpus:
        by_kind.setdefault(queries[i].kind, []).append(checked["top"][i] == originals[queries[i].source_quote])

    p50 = statistics.median(checked["draft_ms"])
    p95 = percentile(checked["draft_ms"], 95)
    brute_p50 = statistics.median(brute_ms)
    speedup = brute_p50 / (p50 / 10)
    ratio = facts["db_bytes"] / facts["raw_bytes"]
    rows = [
        ("quotes", f"{facts['quotes']:,}"),
        ("import", f"{facts['import_qps']:,.0f} quotes/s ({facts['import_seconds']:.1f} s)"),
        ("DB size / raw text",
         f"{ratio:.2f}  ({facts['db_bytes'] / 1e6:,.1f} MB / {facts['raw_bytes'] / 1e6:,.1f} MB quote text)"),
        ("check, 10-quote draft p50", f"{p50:.1f} ms  ({len(checked['draft_ms'])} drafts, warm)"),
        ("check, 10-quote draft p95", f"{p95:.1f} ms"),
        ("brute force p50 / quotation", f"{brute_p50:,.0f} ms  ({len(brute_ms)} quotations)"),
        ("speed-up per quotation", f"{speedup:,.0f}x"),
        ("recall@1 vs brute force", f"{recall:.3f}  ({hits}/{len(brute_best)})"),
        ("source found @1", f"{source_at_1:.3f}  ({len(from_corpus)} quotations: "
                            + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_kind.items())) + ")"),
        ("not-in-corpus judged found", f"{false_found}/{len(nowhere)}"),
        ("peak RSS of the check process", f"{checked['rss_mb']:.0f} MB"),
    ]
    rows += [(f"  {name}", f"{size / 1e6:,.1f} MB") for name, size in facts.get("sizes", {}).items()
             if size > 1e6]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(f"quotes={facts['quotes']} import_qps={facts['import_qps']:.0f} db_ratio={ratio:.2f} "
          f"check_p50_ms={p50:.1f} check_p95_ms={p95:.1f} brute_p50_ms={brute_p50:.0f} speedup={speedup:.0f} "
          f"recall={recall:.3f}")


if __name__ == "__main__":
    main()
