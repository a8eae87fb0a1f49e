"""Throwaway PostgreSQL clusters of a test's own (to restart, or to stream to a standby): initdb into a
temporary folder, a free port on 127.0.0.1, run as the `postgres` user when the tests run as root."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from live_server import free_port


def pgbin() -> str | None:
    """Return the folder of PostgreSQL's programs (QUOTEPROOF_TEST_PGBIN, else Debian's newest), or None."""
    found = os.environ.get("QUOTEPROOF_TEST_PGBIN") or (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [None])[-1]
    return found if found and os.path.exists(os.path.join(found, "initdb")) else None


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class Cluster:
    """One PostgreSQL server on its own folder and port."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port, self.bin = folder, port, pgbin()

    @classmethod
    def create(cls) -> Cluster:
        """Return a new, started cluster."""
        cluster = cls(_owned_folder(), free_port())
        cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                     "--locale=C.UTF-8")
        cluster.start()
        return cluster

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        """Return the URL of one of its databases."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(_as_postgres(os.path.join(self.bin, program), *args), check=True, capture_output=True,
                       timeout=120)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", "60", "-o",
                  f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def standby(self) -> Cluster:
        """Return a started streaming-replication standby of this cluster (pg_basebackup -R)."""
        standby = Cluster(_owned_folder(), free_port())
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-D",
                  str(standby.data), "-R", "-X", "stream")
        standby.start()
        return standby

    def create_database(self, name: str) -> str:
        """Create a database; return its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server if it runs and remove its folder."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _owned_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="quoteproof-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    return folder


def wait_for(condition, seconds: float = 30.0, every: float = 0.2) -> bool:
    """Return True as soon as `condition()` is true, False after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())
