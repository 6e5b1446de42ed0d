"""A library is quiet: retries write nothing to stderr unless the application asked."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import httpx
from togai_customers import TogaiCustomers
from togai_customers_server.sandbox import Sandbox, SandboxTransport

with Sandbox() as sandbox:
    sandbox.fail_next("503")
    client = TogaiCustomers("k", http_client=httpx.Client(transport=SandboxTransport(sandbox)))
    page = client.list_customers()
    assert [r.status for r in sandbox.requests] == [503, 200]
print("listed", len(page.data))
"""


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_retried_503_prints_nothing() -> None:
    """With no logging configured, a retry after a 503 leaves stderr empty."""
    result = _run()
    assert result.returncode == 0, result.stderr
    assert result.stdout == "listed 0\n"
    assert result.stderr == ""


def test_togai_log_shows_the_retry() -> None:
    """TOGAI_LOG=info shows the request and the retry on the SDK's own logger."""
    result = _run(TOGAI_LOG="info")
    assert result.returncode == 0, result.stderr
    assert "togai_customers INFO GET /customers -> 503" in result.stderr
    assert "list_customers 503: retrying in" in result.stderr
