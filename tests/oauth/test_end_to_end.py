"""End to end: the official Python MCP client's OAuth support against ``togai-customers serve``.

The client is given only the MCP URL and its client credentials: it finds the issuer from the
server's 401 (RFC 9728 metadata), gets a token with the client-credentials grant and calls tools.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from tests._server_support import cli_process, free_ports, wait_until_listening

from .conftest import HTTP, IssuerProcess

# Each test starts `serve` and the issuer as processes: a few seconds.
pytestmark = pytest.mark.long


class MemoryStorage:
    """The client's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@pytest.fixture
def serve(issuer: IssuerProcess) -> Iterator[dict[str, str]]:
    """``togai-customers serve --sandbox --oauth-issuer ISSUER`` as a process; its URLs."""
    rest, mcp, sandbox = free_ports(3)
    args = [
        "serve",
        "--sandbox",
        "--oauth-issuer",
        issuer.url,
        "--rest-port",
        str(rest),
        "--mcp-port",
        str(mcp),
        "--sandbox-port",
        str(sandbox),
    ]
    with cli_process(*args) as proc:
        wait_until_listening(mcp, proc)
        wait_until_listening(rest, proc)
        yield {"mcp": f"http://127.0.0.1:{mcp}/mcp", "rest": f"http://127.0.0.1:{rest}"}
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)


def _text(result: Any) -> str:
    return "".join(getattr(part, "text", "") for part in result.content)


async def _session(url: str, issuer: str, client_id: str) -> tuple[set[str], list[Any]]:
    provider = ClientCredentialsOAuthProvider(
        server_url=url,
        storage=MemoryStorage(),
        client_id=client_id,
        client_secret=f"{client_id}-secret",
        issuer=issuer,
    )
    async with (
        httpx2.AsyncClient(auth=provider) as http,
        Client(streamable_http_client(url, http_client=http)) as agent,
    ):
        names = {tool.name for tool in (await agent.list_tools()).tools}
        created = await agent.call_tool(
            "create-customer",
            {
                "id": f"e2e-{client_id}",
                "name": "E2E",
                "primary_email": "e2e@example.com",
                "address": {"country": "US"},
            },
        )
        listed = await agent.call_tool("list-customers", {})
    return names, [created, listed]


async def test_the_python_client_discovers_the_issuer_and_calls_tools(issuer, serve):
    """A writer client signs in by itself from the 401 and creates then lists customers."""
    names, (created, listed) = await _session(serve["mcp"], issuer.url, "writer")
    assert "create-customer" in names
    assert "delete-customer" not in names
    assert not created.is_error, _text(created)
    assert json.loads(_text(created))["id"] == "e2e-writer"
    assert "e2e-writer" in _text(listed)


def test_rest_takes_the_same_token(issuer, serve):
    """A token for the MCP resource works on the REST adapter; its scopes apply there too."""
    resource = serve["mcp"]
    token = issuer.token("reader", resource=resource)
    auth = {"Authorization": f"Bearer {token}"}
    assert HTTP.get(serve["rest"] + "/v1/customers", headers=auth).status_code == 200
    refused = HTTP.post(serve["rest"] + "/v1/customers", json={}, headers=auth)
    assert refused.status_code == 403
    assert 'scope="customers:write"' in refused.headers["www-authenticate"]
    spec = HTTP.get(serve["rest"] + "/schema/openapi.json").json()
    assert spec["components"]["securitySchemes"]["oauth"]["type"] == "openIdConnect"
    by_route = {
        (path, method): item["security"]
        for path, methods in spec["paths"].items()
        for method, item in methods.items()
        if path.startswith("/v1/")
    }
    assert by_route[("/v1/customers/{customer-id}", "delete")] == [{"oauth": ["customers:delete"]}]
    assert by_route[("/v1/customers", "get")] == [{"oauth": ["customers:read"]}]
    assert by_route[("/v1/customers/{customer-id}/contacts", "post")] == [
        {"oauth": ["customers:write"]}
    ]
