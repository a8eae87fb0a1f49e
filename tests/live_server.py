"""A real `quoteproof serve` process for tests: start it on a free port, stop it, talk raw HTTP to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(seed_db: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start `python -m verifier serve` on a free port; return the process and its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "verifier", "serve", "--port", str(port), "--corpus", str(seed_db), *args],
        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stdout.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not start in 30 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def raw_exchange(port: int, data: bytes, wait: float = 10, half_close: bool = False) -> bytes:
    """Send raw bytes (then, with `half_close`, end the sending side), return what the server answers
    until it closes (or `wait` seconds pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return read_until_closed(s)


def read_until_closed(connection: socket.socket) -> bytes:
    """Return what the server sends on a connection until it closes it (or the socket times out)."""
    out = b""
    try:
        while chunk := connection.recv(65536):
            out += chunk
    except OSError:
        pass
    return out
