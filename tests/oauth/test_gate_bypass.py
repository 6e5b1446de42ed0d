"""The OAuth gate sees the path the router routes on: no spelling of a /v1 route slips past."""

from __future__ import annotations

import pytest

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
