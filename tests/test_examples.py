"""The examples: the Word draft is what its script builds, and the wire-copy script prints what would block."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def test_the_example_word_draft_is_what_make_docx_builds(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_docx", EXAMPLES / "make_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (EXAMPLES / "drafts" / "council-briefing.docx").read_bytes()


def test_check_wire_prints_each_blocking_finding_of_a_folder(tmp_path):
    folder = tmp_path / "wire"
    folder.mkdir()
    (folder / "a.md").write_text('"We\'re of course aware of these concerns," Reid said.\n')
    (folder / "b.txt").write_text('"We\'re of course aware of these concerns," Earnest said.\n')
    (folder / "c.docx").write_bytes((EXAMPLES / "drafts" / "council-briefing.docx").read_bytes())
    result = subprocess.run([sys.executable, str(EXAMPLES / "check_wire.py"), str(folder)], capture_output=True,
                            text=True, env=dict(os.environ), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{folder / 'a.md'}, line 1: misattributed “We're of course aware of these concerns,” (Josh Earnest)",
        f"{folder / 'c.docx'}, paragraph 3: misattributed “political refugees” (Harry Reid)",
        f"{folder / 'c.docx'}, paragraph 13: misattributed “back off,” (Harry Reid)",
    ]
