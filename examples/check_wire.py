"""Check a folder of wire copy, print what would block it: python examples/check_wire.py FOLDER [CORPUS.db]"""
import sys
from pathlib import Path

import verifier

corpus = verifier.open_corpus(sys.argv[2] if len(sys.argv) > 2 else None)
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".txt", ".md", ".html", ".docx")):
    for f in [] if path.name.startswith("~$") else verifier.check_file(path, corpus=corpus).blocking:
        print(f"{path}, {f.position.unit} {f.position.line}: {f.verdict} “{' '.join(f.text.split())}” ({f.speaker})")
