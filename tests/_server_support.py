"""Helpers for tests that run a server for real: free ports, CLI subprocesses, a threaded uvicorn.

Every server binds 127.0.0.1 on a free port; subprocesses are killed if a test did not stop them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on 127.0.0.1 right now."""
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def wait_until_listening(port: int, proc: subprocess.Popen[str], timeout: float = 20.0) -> None:
    """Block until something accepts connections on ``port`` (or fail if ``proc`` died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"server exited early ({proc.returncode}): {err}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port} after {timeout}s")


def cli_argv(*args: str) -> list[str]:
    """The command line of ``togai-customers ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "togai_customers", *args]


@contextmanager
def cli_process(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """``togai-customers ARGS`` in a subprocess (stdout/stderr piped); killed if left running."""
    proc = subprocess.Popen(
        cli_argv(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@contextmanager
def mcp_over_http(upstream: str, *flags: str) -> Iterator[str]:
    """``togai-customers mcp`` (HTTP) with ``flags``, its tools on ``upstream``; yields /mcp URL."""
    (port,) = free_ports(1)
    args = ["--base-url", upstream, "--api-key", "test", "mcp", "--port", str(port), *flags]
    with cli_process(*args) as proc:
        wait_until_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)


def stop(
    proc: subprocess.Popen[str], sig: signal.Signals = signal.SIGINT
) -> tuple[int, str, str, float]:
    """Send ``sig``; wait for the exit. Returns (exit code, stdout, stderr, seconds taken)."""
    started = time.monotonic()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=15)
    return proc.returncode, out, err, time.monotonic() - started


@contextmanager
def asgi_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` (its lifespan on) with uvicorn in a background thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20.0
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError("the threaded server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10.0)
        sock.close()


def writes(requests: Sequence[Any]) -> list[tuple[str, str]]:
    """The (method, path) of every non-GET request in a sandbox's request log."""
    return [(r.method, r.path) for r in requests if r.method != "GET"]
