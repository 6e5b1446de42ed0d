"""OAuth and the audit trail: each write names the token's issuer, subject and client, refused
ones (403 insufficient_scope) included, on REST and MCP; no token ever reaches the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jwt

from .conftest import HTTP, RESOURCE, IssuerProcess, Servers
from .test_tokens import MCP_HEADERS


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _caller(issuer: IssuerProcess, token: str) -> dict[str, Any]:
    claims = jwt.decode(token, options={"verify_signature": False})
    sub, client_id = claims["sub"], claims["client_id"]
    return {"kind": "oauth", "iss": issuer.url, "sub": sub, "client_id": client_id}


def test_rest_writes_and_scope_refusals_name_the_oauth_caller(issuer, make_servers, tmp_path):
    """A writer's create is done and its delete refused (403), each one line naming the
    token's iss, sub and client_id; a reader's read writes nothing; no token in the file."""
    log = tmp_path / "audit.jsonl"
    servers: Servers = make_servers(issuer, audit_log=str(log))
    writer = issuer.token("writer", resource=RESOURCE)
    reader = issuer.token("reader", resource=RESOURCE)
    auth = {"Authorization": f"Bearer {writer}"}
    body = {"id": "aud-1", "name": "Audited", "primaryEmail": "a@b.io", "address": {}}
    assert HTTP.post(servers.rest + "/v1/customers", json=body, headers=auth).status_code == 201
    refused = HTTP.delete(servers.rest + "/v1/customers/aud-1", headers=auth)
    assert refused.status_code == 403, refused.text
    read = HTTP.get(
        servers.rest + "/v1/customers/aud-1", headers={"Authorization": f"Bearer {reader}"}
    )
    assert read.status_code == 200
    created, deleted = _lines(log)
    assert created["caller"] == _caller(issuer, writer) == deleted["caller"]
    assert (created["operation"], created["target"], created["outcome"]) == (
        "create_customer",
        "aud-1",
        "done",
    )
    assert (deleted["operation"], deleted["target"], deleted["outcome"]) == (
        "delete_customer",
        "aud-1",
        "refused",
    )
    assert (deleted["error"], deleted["status"], deleted["surface"]) == (
        "insufficient_scope",
        403,
        "rest",
    )
    text = log.read_text()
    assert writer not in text
    assert reader not in text


def test_mcp_scope_refusal_is_audited_before_the_403(issuer, make_servers, tmp_path):
    """A reader calling delete-customer gets the 403 step-up challenge, and the file already
    holds the refused write with its target and the reader's identity."""
    log = tmp_path / "audit.jsonl"
    servers: Servers = make_servers(issuer, audit_log=str(log))
    reader = issuer.token("reader", resource=RESOURCE)
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "delete-customer", "arguments": {"customer_id": "cust-9"}},
    }
    answer = HTTP.post(
        servers.mcp + "/mcp",
        json=call,
        headers={**MCP_HEADERS, "Authorization": f"Bearer {reader}"},
    )
    assert answer.status_code == 403
    assert 'scope="customers:delete"' in answer.headers["www-authenticate"]
    (line,) = _lines(log)
    assert line["caller"] == _caller(issuer, reader)
    assert (line["surface"], line["operation"], line["target"]) == (
        "mcp",
        "delete_customer",
        "cust-9",
    )
    assert (line["outcome"], line["error"], line["status"]) == (
        "refused",
        "insufficient_scope",
        403,
    )
    assert reader not in log.read_text()
