"""Load benchmark: the real `quoteproof serve` on 127.0.0.1, concurrent clients posting 10-quote drafts.

    python bench/load.py [--duration 30] [--clients 20] [--workers 2] [--drafts unique|N]

Starts the server as a subprocess on a free loopback port (never anything but
127.0.0.1), runs a short warm-up, then `--clients` connections each post drafts
back to back over keep-alive HTTP/1.1 for `--duration` seconds or until
`--max-requests`, whichever comes first, and stops the server. Drafts are ten
paragraphs, each a quote from the shipped corpus records credited to its
speaker by name, by alias or not at all (seeded, so runs are repeatable).
`--drafts unique` (the default) makes every request a draft the server has not
seen, so its per-draft cache never answers; `--drafts N` cycles through N
drafts, like a CMS re-checking the same articles on every save. `--quotes
varied` (the default) makes the quotations themselves rarely repeat (random
stretches of corpus quotes, some with a word changed), so the per-quotation
memo seldom answers either; `--quotes verbatim` uses whole corpus quotes;
`--quotes none` sends the same paragraphs without quotation marks, so the
checker has nothing to do and what is left is the HTTP service's overhead.

Prints requests/s, latency percentiles, errors, the server's CPU time per
request and its memory (RSS of the server and its workers) before and after; the last line is
`rps=R p50_ms=A p99_ms=B errors=E rss_growth_mb=M`, where the growth is
measured from after the warm-up to the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier.records import load_records, records_dir  # noqa: E402

HOST = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """Return `pid` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) used so far by a process and its descendants, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def rss_mb(pid: int) -> float:
    """Return the resident memory of a process and its descendants, in MB."""
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Drafts:
    """10-quote drafts built from the shipped corpus records.

    With `varied` (the default), each quotation is a random stretch of a corpus quote, sometimes with one word
    changed, credited by name, by alias or to no one: quotations rarely repeat, so the server's caches seldom
    answer and the checker does the work. Without it, quotations are whole corpus quotes (they recur). With
    `none`, the paragraphs have the same words but no quotation marks: the server's overhead, not the checker's.
    """

    SWAPS = ("never", "always", "perhaps", "certainly", "officials", "many", "twelve", "nobody")

    def __init__(self, distinct: int | None, varied: bool = True, seed: int = 7, quotes_per_draft: int = 10,
                 none: bool = False) -> None:
        speakers, _, quotes = load_records(records_dir())
        names = {s.id: [s.name, *s.aliases[:3]] for s in speakers}
        self.quotes = [(q.text.strip().rstrip(",.").split(), names[q.speaker_id]) for q in quotes]
        self.random = random.Random(seed)
        self.varied = varied
        self.none = none
        self.per = quotes_per_draft
        self.count = 0
        self.pool = [self._make() for _ in range(distinct)] if distinct else None

    def _paragraph(self) -> str:
        words, names = self.random.choice(self.quotes)
        words = list(words)
        if self.varied and len(words) > 6:
            size = self.random.randint(5, len(words))
            start = self.random.randint(0, len(words) - size)
            words = words[start:start + size]
            if self.random.random() < 0.3:
                words[self.random.randrange(len(words))] = self.random.choice(self.SWAPS)
        quoted = " ".join(words)
        if self.none:  # the same words, not quoted and not credited: the checker finds nothing to check
            return f"They said {quoted} on the record."
        who = self.random.choice([*names, None])
        return f'"{quoted}," {who} said.' if who else f'They said "{quoted}" on the record.'

    def _make(self) -> bytes:
        self.count += 1
        body = "\n\n".join(self._paragraph() for _ in range(self.per))
        text = f"Draft {self.count}, filed at {self.random.randrange(10**9)}.\n\n{body}"
        return json.dumps({"text": text}).encode()

    def next(self) -> bytes:
        """Return the JSON body of the next request."""
        if self.pool is not None:
            self.count += 1
            return self.pool[self.count % len(self.pool)]
        return self._make()


async def client(port: int, drafts: Drafts, deadline: float, budget: list[int], latencies: list[float],
                 errors: list[str]) -> None:
    """Post drafts over one keep-alive connection until the deadline or the request budget runs out."""
    reader = writer = None
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        body = drafts.next()
        request = (f"POST /v1/check HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            payload = await asyncio.wait_for(reader.readexactly(length), 10)
            latencies.append(time.perf_counter() - started)
            if status != 200 or not payload.startswith(b'{"version": 1'):
                errors.append(f"status {status}")
            elif len(latencies) % 200 == 1:  # now and then, check the answer is whole
                answer = json.loads(payload)
                if answer["summary"]["files"] != 1 or answer["decision"] not in ("pass", "warn", "block"):
                    errors.append("an incomplete answer")
            if b"connection: close" in head.lower():
                writer.close()
                writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def run_load(port: int, drafts: Drafts, clients: int, seconds: float, max_requests: int
                   ) -> tuple[list[float], list[str], float]:
    """Return latencies, errors and elapsed seconds for one phase of load."""
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    started = time.monotonic()
    await asyncio.gather(*(client(port, drafts, started + seconds, budget, latencies, errors)
                           for _ in range(clients)))
    return latencies, errors, time.monotonic() - started


def percentile(sorted_values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def start_server(port: int, args: argparse.Namespace) -> subprocess.Popen:
    """Start `quoteproof serve` on 127.0.0.1 and return it once /readyz answers."""
    command = [sys.executable, "-m", "verifier", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(args.workers), "--no-access-log", "--cache-size", str(args.cache_size)]
    if args.corpus:
        command += ["--corpus", args.corpus]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    ready = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as response:
                ready += response.status == 200
                if ready >= args.workers * 3:  # likely every worker is up
                    return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not become ready in 60 s")


def main() -> None:
    """Run the benchmark and print its table and summary line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of measured load (default 30)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring (default 3)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this many (default 200000)")
    parser.add_argument("--drafts", default="unique",
                        help="'unique' (every draft new: the cache never answers) or N distinct drafts cycled")
    parser.add_argument("--quotes", choices=("varied", "verbatim", "none"), default="varied",
                        help="varied: random stretches of corpus quotes, some edited (rarely repeat); "
                             "verbatim: whole corpus quotes (recur across drafts); none: the same paragraphs "
                             "without quotation marks (measures the HTTP service's own overhead)")
    parser.add_argument("--cache-size", type=int, default=512,
                        help="server's per-worker draft cache; 0 also turns off its per-quotation memo")
    parser.add_argument("--corpus", default=None, help="corpus database (default: the shipped corpus)")
    args = parser.parse_args()
    if not 0 < args.duration <= 600 or not 0 < args.clients <= 200:
        parser.error("--duration must be in (0, 600] s and --clients in (0, 200]")
    distinct = None if args.drafts == "unique" else int(args.drafts)

    port = free_port()
    server = start_server(port, args)
    try:
        rss_idle = rss_mb(server.pid)
        drafts = Drafts(distinct, varied=args.quotes == "varied", none=args.quotes == "none")
        asyncio.run(run_load(port, drafts, args.clients, args.warmup, args.max_requests))
        rss_before = rss_mb(server.pid)
        cpu_before, client_before = cpu_seconds(server.pid), time.process_time()
        latencies, errors, elapsed = asyncio.run(
            run_load(port, drafts, args.clients, args.duration, args.max_requests))
        cpu_after, client_after = cpu_seconds(server.pid), time.process_time()
        rss_after = rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    latencies.sort()
    rps = len(latencies) / elapsed if elapsed else 0.0
    p50, p95, p99 = (percentile(latencies, p) * 1000 for p in (50, 95, 99))
    growth = rss_after - rss_before
    kinds: dict[str, int] = {}
    for error in errors:
        kinds[error] = kinds.get(error, 0) + 1
    rows = [
        ("server", f"127.0.0.1:{port}, {args.workers} worker(s), cache {args.cache_size} drafts/worker"),
        ("load", f"{args.clients} clients, {args.duration:g} s after {args.warmup:g} s warm-up, "
                 f"10-quote drafts ({'all unique' if distinct is None else f'{distinct} distinct, cycled'}, "
                 f"{args.quotes} quotations)"),
        ("requests", f"{len(latencies):,} answered in {elapsed:.1f} s"),
        ("requests/s", f"{rps:,.1f}"),
        ("latency p50 / p95 / p99", f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms"),
        ("CPU per request", f"server {(cpu_after - cpu_before) * 1000 / max(1, len(latencies)):.2f} ms (all workers), "
                            f"load generator {(client_after - client_before) * 1000 / max(1, len(latencies)):.2f} ms"),
        ("latency max", f"{latencies[-1] * 1000 if latencies else float('nan'):.1f} ms"),
        ("errors", f"{len(errors)}" + (f" ({', '.join(f'{k}: {v}' for k, v in kinds.items())})" if kinds else "")),
        ("server RSS idle / after warm-up / end", f"{rss_idle:.1f} / {rss_before:.1f} / {rss_after:.1f} MB"),
        ("cores", f"{os.cpu_count()} (load average before the end: {os.getloadavg()[0]:.2f})"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"rps={rps:.1f} p50_ms={p50:.1f} p99_ms={p99:.1f} errors={len(errors)} rss_growth_mb={growth:.1f}")


if __name__ == "__main__":
    main()
