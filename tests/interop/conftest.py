"""Independent clients and a real load balancer (``nox -s interop``; marked ``interop``).

They need system tools the README's test command does not: ``node`` (with this directory's
``npm ci``) for the official TypeScript MCP SDK, and ``haproxy``. CI installs both (``.ci/run``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ._interop_support import HERE, NodeClient


@pytest.fixture(scope="session")
def node_client() -> NodeClient:
    """The official TypeScript SDK client (tests/interop/client.mjs); skips without node."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TypeScript SDK interop tests need Node.js 18+")
    sdk = HERE / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
    if not sdk.exists():
        pytest.fail(
            "the TypeScript SDK is not installed: run `npm ci --prefix tests/interop` "
            "(the `interop` nox session does)"
        )

    def run(**args: Any) -> dict[str, Any]:
        done = subprocess.run(
            [node, str(HERE / "client.mjs"), json.dumps(args)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=HERE,
        )
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    return run


@pytest.fixture(scope="session")
def ts_sdk_version() -> str:
    """The version of @modelcontextprotocol/sdk that ``npm ci`` installed."""
    package = HERE / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
    version: str = json.loads(package.read_text())["version"]
    return version


@pytest.fixture(scope="session")
def haproxy() -> str:
    """The haproxy binary; skips when it is not installed."""
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if found is None:
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy)")
    return found
