"""Helpers for the ``togai-customers serve`` tests: free ports and a server subprocess (the
suite's own, from ``tests/_server_support.py``)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from _server_support import cli_process, free_ports, wait_until_listening

__all__ = ["free_ports", "rest_client", "serve_process", "wait_until_listening"]


@contextmanager
def serve_process(*args: str) -> Iterator[subprocess.Popen[str]]:
    """``togai-customers serve ARGS`` in a subprocess; killed if the test did not stop it."""
    with cli_process("serve", *args) as proc:
        yield proc


def rest_client(port: int, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10.0)
