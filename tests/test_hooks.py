"""The pre-commit hook, run by the real pre-commit on a throwaway repository of drafts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from wordmaker import make_docx

ROOT = Path(__file__).resolve().parents[1]
MISATTRIBUTED = '# Raids\n\n"We\'re of course aware of these concerns," Reid said.\n'
CORRECT = '# Raids\n\n"We\'re of course aware of these concerns," Earnest said.\n'


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True)


def test_hook_manifest_declares_the_hook():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "quoteproof"
    assert hook["language"] == "python"
    assert hook["types"] == ["file"]


@pytest.mark.parametrize("name, taken", [
    ("story.md", True), ("story.MARKDOWN", True), ("page.html", True), ("page.htm", True), ("notes.txt", True),
    ("notes.text", True), ("story.docx", True), ("Story.DOCX", True),
    ("story.doc", False), ("story.docx.bak", False), ("photo.png", False), ("setup.py", False),
])
def test_hook_takes_drafts_by_file_name(name, taken):
    import re

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert bool(re.search(hook["files"], name)) is taken
    assert hook["entry"] == "quoteproof check" and hook.get("pass_filenames", True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This checkout's working tree (not only what is committed) as a fresh one-commit git repository."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("the tests are not running from a git checkout")
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "quoteproof as it is being tested")
    return repo


@pytest.mark.slow
@pytest.mark.parametrize("name, draft, status", [
    ("story.md", MISATTRIBUTED, 1), ("story.md", CORRECT, 0),
    ("story.docx", make_docx(MISATTRIBUTED.splitlines()[2:]), 1)], ids=["md-misattributed", "md-correct", "docx"])
def test_pre_commit_try_repo_blocks_a_misattribution_and_passes_a_correct_draft(
        hook_repo, tmp_path, tmp_path_factory, name, draft, status):
    newsroom = tmp_path / "newsroom"
    newsroom.mkdir()
    git(newsroom, "init", "-q")
    (newsroom / name).write_bytes(draft if isinstance(draft, bytes) else draft.encode())
    git(newsroom, "add", name)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.getbasetemp() / "pre-commit-home"),
           "QUOTEPROOF_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "quoteproof",
                             "--files", name, "--verbose"],
                            cwd=newsroom, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    if status:
        assert "Failed" in output and "misattributed" in output and "Josh Earnest" in output
    else:
        assert "Passed" in output
