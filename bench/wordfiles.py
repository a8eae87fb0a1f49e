"""What does reading a Word document cost, next to the same draft as plain text? A table.

    python bench/wordfiles.py [--repeat N]

For drafts of about 10 KB, 100 KB and 1 MB of text (news paragraphs quoting the seed corpus, as
bench/linear.py makes them), written once as a .docx with python-docx (one paragraph each) and once as
.txt: the time to read each into a Document (median of N runs, alternating the two), the time to check
it against the seed corpus, and the reading cost as a share of the whole check. The service reads a
posted .docx twice (validating the request, then checking it), so its extra cost per uncached request
is one more `read docx`.

The last line is `docx_read_mb_per_s=R docx_share_1mb=S` (MB of text read per second from the 1 MB
document; the share of a 1 MB check spent reading the .docx).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SIZES = (10_000, 100_000, 1_000_000)


def docx_bytes(text: str) -> bytes:
    """Return a .docx holding each blank-line-separated paragraph of `text` as one Word paragraph."""
    import docx

    document = docx.Document()
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def timed(work, repeat: int) -> float:
    """Return the median wall time of `work()` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median kept)")
    args = parser.parse_args()

    from linear import draft_text

    from verifier.check import check_document
    from verifier.read import read_document
    from verifier.records import build_corpus, records_dir
    from verifier.store.sqlite import Corpus

    folder = Path(tempfile.mkdtemp(prefix="quoteproof-docx-bench-"))
    corpus_path = folder / "seed.db"
    build_corpus(records_dir(), corpus_path)
    rows = []
    with Corpus.open(corpus_path, readonly=True) as corpus:
        for size in SIZES:
            text = draft_text(size)
            (folder / "d.txt").write_text(text)
            (folder / "d.docx").write_bytes(docx_bytes(text))
            check_document(read_document(str(folder / "d.txt")), corpus)  # warm the corpus's caches first
            read: dict[str, list[float]] = {"txt": [], "docx": []}
            check: dict[str, list[float]] = {"txt": [], "docx": []}
            for _ in range(args.repeat):  # alternated, so drift in the machine's speed hits both alike
                for kind in ("txt", "docx"):
                    path = str(folder / f"d.{kind}")
                    read[kind].append(timed(lambda p=path: read_document(p), 1))
                    check[kind].append(timed(lambda p=path: check_document(read_document(p), corpus), 1))
            docx_read, docx_check = statistics.median(read["docx"]), statistics.median(check["docx"])
            rows.append((size, (folder / "d.docx").stat().st_size, statistics.median(read["txt"]), docx_read,
                         statistics.median(check["txt"]), docx_check, docx_read / docx_check))
    print(f"{'text':>10} {'docx bytes':>11} {'read txt ms':>12} {'read docx ms':>13} {'check txt ms':>13} "
          f"{'check docx ms':>14} {'docx read share':>16}")
    for size, docx_size, read_txt, read_docx, check_txt, check_docx, share in rows:
        print(f"{size:>10,} {docx_size:>11,} {read_txt:>12.1f} {read_docx:>13.1f} {check_txt:>13.1f} "
              f"{check_docx:>14.1f} {share:>16.2f}")
    size, _, _, read_docx, _, _, share = rows[-1]
    print(f"docx_read_mb_per_s={size / 1e6 / (read_docx / 1000):.1f} docx_share_1mb={share:.2f}")


if __name__ == "__main__":
    main()
