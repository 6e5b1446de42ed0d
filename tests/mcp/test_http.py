"""Streamable HTTP at /mcp, in process: bearer token, DNS-rebinding protection, forwarded keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_app, create_mcp_server
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._mcp_support import customer_args, ok, text_of

URL = "http://127.0.0.1:9090/mcp"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def _http(
    options: ServeOptions, client: AsyncTogaiCustomers, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client on the MCP app (its session manager running), no sockets."""
    server = create_mcp_server(options, client=client)
    app = create_mcp_app(options, server=server)
    async with server.session_manager.run():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, headers=headers) as http:
            yield http


async def test_the_tools_work_over_streamable_http(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """A real MCP client over the HTTP transport lists and calls the tools."""
    async with (
        _http(ServeOptions(), togai_async_client) as http,
        Client(streamable_http_client(URL, http_client=http)) as agent,
    ):
        assert len((await agent.list_tools()).tools) == 6
        created = ok(await agent.call_tool("create-customer", customer_args("http-1")))
    assert created["id"] == "http-1"


async def test_server_token_is_required_on_mcp(togai_async_client: AsyncTogaiCustomers) -> None:
    """With a server token, /mcp answers 401 without it or with another; the right one works."""
    options = ServeOptions(server_token="s3cret-token")
    async with _http(options, togai_async_client) as http:
        missing = await http.post(URL, json=INITIALIZE, headers=MCP_HEADERS)
        wrong = await http.post(
            URL, json=INITIALIZE, headers=MCP_HEADERS | {"Authorization": "Bearer nope"}
        )
    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "s3cret-token" not in missing.text
    good = {"Authorization": "Bearer s3cret-token"}
    async with (
        _http(options, togai_async_client, headers=good) as http,
        Client(streamable_http_client(URL, http_client=http)) as agent,
    ):
        assert ok(await agent.call_tool("list-customers", {}))["data"] == []


async def test_dns_rebinding_protection_refuses_foreign_hosts(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """On a loopback bind, a request naming another Host or Origin is refused."""
    async with _http(ServeOptions(), togai_async_client) as http:
        foreign_host = await http.post(
            URL, json=INITIALIZE, headers=MCP_HEADERS | {"Host": "evil.example:9090"}
        )
        foreign_origin = await http.post(
            URL, json=INITIALIZE, headers=MCP_HEADERS | {"Origin": "http://evil.example"}
        )
        local = await http.post(
            URL, json=INITIALIZE, headers=MCP_HEADERS | {"Origin": "http://localhost:3000"}
        )
    assert foreign_host.status_code == 421
    assert foreign_origin.status_code == 403
    assert local.status_code == 200


async def test_forward_auth_uses_the_callers_key() -> None:
    """--forward-auth: the caller's bearer token is the Togai key; none or a bad one is an error."""
    with Sandbox(api_key="callers-key") as sandbox:
        http_upstream = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers("not-the-key", http_client=http_upstream)
        options = ServeOptions(forward_auth=True)
        results = {}
        for name, headers in [
            ("right", {"Authorization": "Bearer callers-key"}),
            ("wrong", {"Authorization": "Bearer other-key"}),
            ("none", {}),
        ]:
            async with (
                _http(options, client, headers=headers) as http,
                Client(streamable_http_client(URL, http_client=http)) as agent,
            ):
                results[name] = await agent.call_tool("list-customers", {})
        await http_upstream.aclose()
    assert ok(results["right"])["data"] == []
    assert results["wrong"].is_error
    assert "401" in text_of(results["wrong"])
    assert results["none"].is_error
    assert "Authorization: Bearer" in text_of(results["none"])
