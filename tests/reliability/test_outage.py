"""REST and MCP during an upstream outage: clean 502/504 or error results, then recovery.

The upstream is a sandbox served over HTTP on a fixed local port. An outage is one of: every
request failing (fail_rate 1.0), the server stopped (connection refused), or the server slower
than the client's timeout. The same app instance must answer the outage cleanly and work again
once the upstream is back, without a restart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, serve_in_thread

from ._support import API_KEY, free_port

READ_TIMEOUT = 0.25


class Upstream:
    """A sandbox on a fixed port that can be broken in three ways and mended."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: AbstractContextManager[str] | None = None

    def start(self) -> None:
        self._server = serve_in_thread(self.sandbox, port=self.port)
        self._server.__enter__()

    def stop(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)
            self._server = None

    def break_(self, kind: str) -> None:
        if kind == "failing":
            self.sandbox.fail_rate = 1.0
        elif kind == "down":
            self.stop()
        else:
            self.sandbox.latency_ms = 4 * READ_TIMEOUT * 1000

    def mend(self, kind: str) -> None:
        if kind == "failing":
            self.sandbox.fail_rate = 0.0
        elif kind == "down":
            self.start()
        else:
            self.sandbox.latency_ms = 0


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """The upstream sandbox over HTTP, holding customer ``acme``."""
    with Sandbox(api_key=API_KEY) as sandbox:
        up = Upstream(sandbox)
        up.start()
        try:
            with httpx.Client(base_url=up.url) as http:
                body = {"id": "acme", "name": "Acme Corp", "primaryEmail": "b@a.io", "address": {}}
                auth = {"Authorization": f"Bearer {API_KEY}"}
                assert http.post("/customers", json=body, headers=auth).status_code == 201
            yield up
        finally:
            up.stop()


@pytest.fixture
async def sdk(upstream: Upstream) -> AsyncIterator[AsyncTogaiCustomers]:
    """The MCP server's client: one retry, a short read timeout."""
    timeout = httpx.Timeout(5.0, read=READ_TIMEOUT)
    async with AsyncTogaiCustomers(
        API_KEY, base_url=upstream.url, max_retries=1, timeout=timeout
    ) as client:
        yield client


# outage -> (REST status, start of the REST message, words of the MCP error text)
OUTAGES: dict[str, tuple[int, str, str]] = {
    "failing": (502, "Upstream", "retry later"),
    "down": (502, "Upstream unreachable", "could not reach the Togai API"),
    "slow": (504, "Upstream timeout", "timed out"),
}


# A slow upstream costs real seconds of timeouts: that case runs with the slow suites.
KINDS = [
    pytest.param(k, marks=[pytest.mark.slow, pytest.mark.waits] if k == "slow" else [])
    for k in OUTAGES
]


@pytest.mark.parametrize("kind", KINDS)
async def test_rest_answers_the_outage_then_recovers(upstream, kind, figures):
    """During the outage every call is a clean 502/504; afterwards the same app serves again."""
    status, message, _ = OUTAGES[kind]
    # The app owns its client (made and closed in its lifespan, on the test client's loop).
    # Only the slow upstream needs the short timeout: with it, a refused connection on a busy
    # machine could outlast 0.25 s and read as a timeout (504) instead of "unreachable" (502).
    timeout = READ_TIMEOUT if kind == "slow" else 5.0
    options = ServeOptions(api_key=API_KEY, base_url=upstream.url, max_retries=1, timeout=timeout)
    app = create_rest_app(options)
    async with AsyncTestClient(app=app) as api:
        assert (await api.get("/v1/customers/acme")).status_code == 200
        upstream.break_(kind)
        answers = [
            await api.get("/v1/customers/acme"),
            await api.get("/v1/customers"),
            await api.patch("/v1/customers/acme", json={"name": "Acme Renamed"}),
        ]
        for r in answers:
            assert r.status_code == status, r.text
            assert r.json()["message"].startswith(message)
            assert "Traceback" not in r.text
            assert API_KEY not in r.text
        upstream.mend(kind)
        r = await api.get("/v1/customers/acme")
        assert (r.status_code, r.json()["id"]) == (200, "acme"), r.text
        r = await api.patch("/v1/customers/acme", json={"name": "Acme Two"})
        assert (r.status_code, r.json()["name"]) == (200, "Acme Two")
    figures(
        outage=kind, error_answers=len(answers), upstream_requests=len(upstream.sandbox.requests)
    )


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


@pytest.mark.parametrize("kind", KINDS)
async def test_mcp_reports_the_outage_then_recovers(upstream, sdk, kind):
    """During the outage tool calls return isError with a reason; the same session then works."""
    _, _, words = OUTAGES[kind]
    async with Client(create_mcp_server(client=sdk)) as mcp:
        ok = await mcp.call_tool("get-customer", {"customer_id": "acme"})
        assert not ok.is_error
        assert ok.structured_content["name"] == "Acme Corp"
        upstream.break_(kind)
        for name, args in [
            ("get-customer", {"customer_id": "acme"}),
            ("list-customers", {}),
            ("update-customer", {"customer_id": "acme", "name": "Acme Renamed"}),
        ]:
            result = await mcp.call_tool(name, args)
            assert result.is_error, _text(result)
            assert words in _text(result)
            assert API_KEY not in _text(result)
        upstream.mend(kind)
        result = await mcp.call_tool("update-customer", {"customer_id": "acme", "name": "Acme Two"})
        assert not result.is_error, _text(result)
        assert result.structured_content["name"] == "Acme Two"
