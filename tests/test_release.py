"""The release as a user gets it: `python -m build` (an sdist, then a wheel built from that sdist), `twine check
--strict` on both, and the wheel alone installed in a fresh virtual environment outside the checkout.

Needs the package index (pip installs the build backend and the wheel's dependencies), as CI's install does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from verifier import __version__

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
MISATTRIBUTED = "“We’re of course aware of these concerns,” Reid said."


def _env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would let the checkout or this venv leak into a subprocess."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


def _run(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_env(**extra), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], out)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("quoteproof-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(dist: Path, wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system packages, not the checkout) with only the wheel and its dependencies."""
    home = tmp_path_factory.mktemp("user")
    env_dir = home / "venv"
    venv.create(env_dir, with_pip=True)
    pip = _run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], home)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return env_dir


def test_build_makes_an_sdist_and_a_wheel_of_the_version_in_the_package(dist: Path):
    names = sorted(p.name for p in dist.iterdir())
    assert names == [f"quoteproof-{__version__}-py3-none-any.whl", f"quoteproof-{__version__}.tar.gz"]


def test_twine_check_strict_passes_on_both(dist: Path):
    checked = _run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))], dist)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


@pytest.mark.parametrize(("field", "value"), [
    ("Name", "quoteproof"),
    ("Version", __version__),
    ("License-Expression", "MIT"),
    ("License-File", "LICENSE"),
    ("Description-Content-Type", "text/markdown"),
])
def test_wheel_metadata_names_the_release(wheel: Path, field: str, value: str):
    with zipfile.ZipFile(wheel) as zf:
        metadata = Parser().parsestr(zf.read(f"quoteproof-{__version__}.dist-info/METADATA").decode())
    assert metadata[field] == value


def test_wheel_metadata_has_classifiers_and_project_urls(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        metadata = Parser().parsestr(zf.read(f"quoteproof-{__version__}.dist-info/METADATA").decode())
    assert "License :: OSI Approved :: MIT License" not in metadata.get_all("Classifier")  # the expression says it
    assert "Programming Language :: Python :: 3.11" in metadata.get_all("Classifier")
    assert metadata.get_all("Project-URL")


def test_wheel_ships_the_corpus_the_page_and_the_license(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert {"verifier/_corpus/quotes.jsonl", "verifier/_corpus/speakers.jsonl", "verifier/_corpus/sources.jsonl",
            "verifier/static/page.js", f"quoteproof-{__version__}.dist-info/licenses/LICENSE"} <= names
    assert not any(name.startswith(("tests/", "corpus/")) for name in names)


def test_installed_wheel_is_not_the_checkout(installed: Path, tmp_path: Path):
    where = _run([str(installed / "bin" / "python"), "-c", "import verifier; print(verifier.__file__)"], tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(installed)


def test_installed_wheel_reports_its_version(installed: Path, tmp_path: Path):
    shown = _run([str(installed / "bin" / "quoteproof"), "--version"], tmp_path)
    assert shown.stdout.strip() == f"quoteproof, version {__version__}"


def test_installed_wheel_checks_a_draft_against_the_shipped_corpus(installed: Path, tmp_path: Path):
    checked = _run([str(installed / "bin" / "quoteproof"), "check", "--text", MISATTRIBUTED], tmp_path,
                   QUOTEPROOF_CACHE_DIR=str(tmp_path / "cache"))
    assert checked.returncode == 1, checked.stderr  # misattributed blocks at the default --fail-on
    assert "✗ misattributed" in checked.stdout
    assert "said by:     Josh Earnest" in checked.stdout
    assert checked.stderr == ""
