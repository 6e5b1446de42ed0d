"""Attacks on the OAuth gate: path spellings the router accepts, bodies the gate must survive."""

from __future__ import annotations

import pytest

from togai_customers_server._oauth import called_tools

from .conftest import HTTP, RESOURCE, Servers

#: Spellings Litestar routes to /v1/customers (it drops empty path segments).
SPELLINGS = ["//v1/customers", "///v1/customers", "/v1//customers", "//v1//customers/"]


@pytest.mark.parametrize("path", SPELLINGS)
def test_doubled_slashes_do_not_skip_the_token_check(issuer, make_servers, path):
    """//v1/customers without a token: 401 like /v1/customers, never the list."""
    servers: Servers = make_servers(issuer)
    answer = HTTP.get(servers.rest + path)
    assert answer.status_code == 401, (path, answer.text)
    assert answer.headers["www-authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("path", SPELLINGS)
def test_doubled_slashes_do_not_skip_the_scope_check(issuer, make_servers, path):
    """A read-only token POSTing to //v1/customers gets 403 insufficient_scope; nothing made."""
    servers: Servers = make_servers(issuer)
    token = issuer.token("reader", resource=RESOURCE)
    auth = {"Authorization": f"Bearer {token}"}
    body = {"id": "sneaky", "name": "Sneaky", "primaryEmail": "s@example.com", "address": {}}
    answer = HTTP.post(servers.rest + path, json=body, headers=auth)
    assert answer.status_code == 403, (path, answer.text)
    assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]
    assert HTTP.get(servers.rest + "/v1/customers/sneaky", headers=auth).status_code == 404


#: A tools/call whose arguments nest deeper than Python's json module recurses.
DEEP = (
    b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete-customer",'
    b'"arguments":{"x":' + b"[" * 50_000 + b"]" * 50_000 + b"}}}"
)


def test_called_tools_survives_a_deeply_nested_body():
    """A body too deep to parse calls no tool the gate can see (no RecursionError)."""
    assert called_tools(DEEP) == []


def test_a_deeply_nested_mcp_body_is_a_400_not_a_500(issuer, make_servers):
    """The MCP gate does not crash on a deep body: the SDK refuses it, the server keeps serving."""
    servers: Servers = make_servers(issuer)
    token = issuer.token("reader", resource=RESOURCE)
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
    }
    answer = HTTP.post(servers.mcp + "/mcp", content=DEEP, headers=headers)
    assert answer.status_code == 400, answer.text
    assert HTTP.get(servers.rest + "/v1/customers", headers=headers).status_code == 200
