"""MCP with OAuth: tools/list shows what the token's scopes allow; other calls get 403."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from .conftest import HTTP, RESOURCE, Servers
from .test_tokens import MCP_HEADERS

READ = {"list-customers", "get-customer"}
WRITE = {"create-customer", "update-customer", "create-contact-customer"}
DELETE = {"delete-customer"}


async def _tool_names(url: str, token: str) -> set[str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers) as http,
        Client(streamable_http_client(url + "/mcp", http_client=http)) as agent,
    ):
        return {tool.name for tool in (await agent.list_tools()).tools}


@pytest.mark.parametrize(
    ("client", "expected"),
    [("reader", READ), ("writer", READ | WRITE), ("admin", READ | WRITE | DELETE)],
)
async def test_tools_list_shows_only_what_the_scopes_allow(issuer, make_servers, client, expected):
    """A reader sees the read tools, a writer also the write tools, only admin sees delete."""
    servers: Servers = make_servers(issuer)
    assert await _tool_names(servers.mcp, issuer.token(client, resource=RESOURCE)) == expected


async def test_tools_list_is_intersected_with_read_only(issuer, make_servers):
    """--read-only wins over the token's scopes: an admin token sees only the read tools."""
    servers: Servers = make_servers(issuer, read_only=True)
    assert await _tool_names(servers.mcp, issuer.token("admin", resource=RESOURCE)) == READ


def _call(name: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": name, "arguments": {"customer_id": "x"}},
    }


@pytest.mark.parametrize(
    ("client", "tool", "needed"),
    [
        ("reader", "create-customer", "customers:write"),
        ("writer", "delete-customer", "customers:delete"),
        ("reader", "delete-customer", "customers:delete"),
    ],
)
def test_calling_a_tool_without_its_scope_is_a_403_step_up(
    issuer, make_servers, client, tool, needed
):
    """tools/call of a tool the token lacks the scope for: 403 insufficient_scope naming it."""
    servers: Servers = make_servers(issuer)
    token = issuer.token(client, resource=RESOURCE)
    answer = HTTP.post(
        servers.mcp + "/mcp",
        json=_call(tool),
        headers=MCP_HEADERS | {"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="insufficient_scope"')
    assert challenge.endswith(f'scope="{needed}"')


def test_a_tool_call_with_its_scope_passes_the_gate(issuer, make_servers):
    """The same call with a token that has the scope reaches the MCP server (no 401/403)."""
    servers: Servers = make_servers(issuer)
    token = issuer.token("admin", resource=RESOURCE)
    answer = HTTP.post(
        servers.mcp + "/mcp",
        json=_call("delete-customer"),
        headers=MCP_HEADERS | {"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code not in (401, 403), answer.text


def test_metadata_documents(issuer, make_servers):
    """Both well-known paths serve RFC 9728 metadata naming the resource, issuer and scopes."""
    servers: Servers = make_servers(issuer, tools=["list-customers", "create-customer"])
    for path in (
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ):
        data = HTTP.get(servers.mcp + path).json()
        assert data["resource"] == RESOURCE
        assert data["authorization_servers"] == [issuer.url]
        assert data["scopes_supported"] == ["customers:read", "customers:write"]
        assert data["bearer_methods_supported"] == ["header"]
