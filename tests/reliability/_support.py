"""Helpers of the reliability suites: servers in subprocesses, free ports, RSS, test data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

#: The key every client of these suites sends (and the one the leak checks look for).
API_KEY = "sk_rel_4a7f0c2e9b1d_never_log_me"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any TOGAI_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    """``togai-customers ARGS`` run by this interpreter (the console script of the venv)."""
    return [sys.executable, "-m", "togai_customers", *args]


def wait_until_up(url: str, proc: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    """Poll ``url`` until it answers (any status); fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def running(cmd: list[str], url: str, env: dict[str, str], log: Path) -> Iterator[Any]:
    """Start ``cmd`` in its own process group, wait for ``url``, stop it (SIGTERM, SIGKILL)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(url, proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def rss_kib(pid: int) -> int:
    """Resident set size of process ``pid`` (VmRSS from /proc), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def customer_row(i: int) -> dict[str, str]:
    """A distinct, valid customer (CSV column names = create option names)."""
    return {
        "id": f"cust-{i:05d}",
        "name": f"Customer {i:05d} Ltd",
        "primary_email": f"billing{i}@example.com",
        "line1": f"{i} Main Street",
        "city": "Springfield",
        "country": "US",
    }
