"""The MCP server's audit trail: one line per write tool call, with the delete's confirmation."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from _server_support import asgi_in_thread
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitResult

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._audit import fingerprint
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_app, create_mcp_server
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._audit_support import ISSUER, OAuthStandIn, lines_of

ANSWERS = {
    "accept": ElicitResult(action="accept", content={"confirm": True}),
    "unticked": ElicitResult(action="accept", content={"confirm": False}),
    "decline": ElicitResult(action="decline"),
    "cancel": ElicitResult(action="cancel"),
}


def _client(sandbox: Sandbox) -> AsyncTogaiCustomers:
    http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
    return AsyncTogaiCustomers(api_key="test", http_client=http, max_retries=0)


def _customer(customer_id: str) -> dict[str, Any]:
    return {"id": customer_id, "name": "Acme", "primary_email": "b@acme.com", "address": {}}


def _person(answer: str) -> Any:
    async def callback(ctx: Any, params: Any) -> ElicitResult:
        return ANSWERS[answer]

    return callback


@asynccontextmanager
async def _agent(
    sandbox: Sandbox, audit_file: Path, options: ServeOptions | None = None, **kwargs: Any
) -> AsyncIterator[Client]:
    options = options or ServeOptions()
    server = create_mcp_server(
        ServeOptions(**{**_fields(options), "audit_log": str(audit_file)}), client=_client(sandbox)
    )
    async with Client(server, **kwargs) as client:
        yield client


def _fields(options: ServeOptions) -> dict[str, Any]:
    import attrs

    return attrs.asdict(options, recurse=False)


async def test_each_write_tool_gives_one_line(togai_sandbox: Sandbox, audit_file: Path) -> None:
    """Create, update, add contact, confirmed delete: one 'done' line each, caller stdio (no
    HTTP request), Togai's request id; the read tools write nothing."""
    async with _agent(togai_sandbox, audit_file, elicitation_callback=_person("accept")) as agent:
        results = [
            await agent.call_tool("create-customer", _customer("acme")),
            await agent.call_tool("update-customer", {"customer_id": "acme", "name": "Acme 2"}),
            await agent.call_tool(
                "create-contact-customer",
                {"customer_id": "acme", "name": "Jane", "email": "jane@acme.com"},
            ),
            await agent.call_tool("list-customers", {}),
            await agent.call_tool("delete-customer", {"customer_id": "acme"}),
        ]
    assert not any(r.is_error for r in results)
    lines = lines_of(audit_file)
    upstream = {r.request_id for r in togai_sandbox.requests}
    assert [
        (x["surface"], x["operation"], x["target"], x["outcome"], x["status"], x["confirmation"])
        for x in lines
    ] == [
        ("mcp", "create_customer", "acme", "done", 201, None),
        ("mcp", "update_customer", "acme", "done", 200, None),
        ("mcp", "create_customer_contact", "jane@acme.com", "done", 201, None),
        ("mcp", "delete_customer", "acme", "done", 200, "accepted"),
    ]
    assert all(x["caller"] == {"kind": "stdio"} for x in lines)
    assert all(x["request_id"] in upstream for x in lines)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
@pytest.mark.parametrize(
    ("answer", "confirmation", "error"),
    [
        ("accept", "accepted", None),
        ("unticked", "declined", "not_confirmed"),
        ("decline", "declined", "not_confirmed"),
        ("cancel", "cancelled", "not_confirmed"),
        (None, "not_asked", "cannot_confirm"),
    ],
)
async def test_a_delete_records_the_persons_answer(
    togai_sandbox: Sandbox,
    audit_file: Path,
    mode: str,
    answer: str | None,
    confirmation: str,
    error: str | None,
) -> None:
    """One line per delete call (a 2026-07-28 question round gives none, its retry one), with
    accepted / declined / cancelled, or not_asked for a client that cannot be asked."""
    await _client(togai_sandbox).create_customer(
        id="acme", name="Acme", primary_email="b@acme.com", address={}
    )
    kwargs: dict[str, Any] = {"mode": mode}
    if answer is not None:
        kwargs["elicitation_callback"] = _person(answer)
    async with _agent(togai_sandbox, audit_file, **kwargs) as agent:
        await agent.call_tool("delete-customer", {"customer_id": "acme"})
    (line,) = lines_of(audit_file)
    assert line["confirmation"] == confirmation
    assert line["error"] == error
    assert line["outcome"] == ("done" if error is None else "refused")


async def test_unconfirmed_deletes_are_not_asked(togai_sandbox: Sandbox, audit_file: Path) -> None:
    """--allow-unconfirmed-deletes: done, confirmation not_asked."""
    await _client(togai_sandbox).create_customer(
        id="acme", name="Acme", primary_email="b@acme.com", address={}
    )
    options = ServeOptions(allow_unconfirmed_deletes=True)
    async with _agent(togai_sandbox, audit_file, options) as agent:
        await agent.call_tool("delete-customer", {"customer_id": "acme"})
    (line,) = lines_of(audit_file)
    assert (line["outcome"], line["confirmation"]) == ("done", "not_asked")


async def test_refused_failed_and_lost_calls(togai_sandbox: Sandbox, audit_file: Path) -> None:
    """Bad arguments (nothing sent), Togai's 404, a lost answer, and a delete of an unknown
    customer (the lookup before the question fails: nobody is asked)."""
    async with _agent(togai_sandbox, audit_file, elicitation_callback=_person("accept")) as agent:
        await agent.call_tool("create-customer", _customer("x" * 51))
        await agent.call_tool("update-customer", {"customer_id": "nobody", "name": "Nobody Inc"})
        togai_sandbox.fail_next("drop-before")
        await agent.call_tool("create-customer", _customer("dropped"))
        await agent.call_tool("delete-customer", {"customer_id": "nobody"})
    assert [
        (x["operation"], x["outcome"], x["error"], x["status"], x["confirmation"])
        for x in lines_of(audit_file)
    ] == [
        ("create_customer", "refused", "validation", 400, None),
        ("update_customer", "failed", "not_found", 404, None),
        ("create_customer", "lost", "connection", None, None),
        ("delete_customer", "failed", "not_found", 404, "not_asked"),
    ]


async def test_read_only_refusal_of_a_hidden_write_tool(
    togai_sandbox: Sandbox, audit_file: Path
) -> None:
    """--read-only: calling a write tool anyway is refused and recorded; --tools leaving a write
    tool out records 'not_offered'."""
    async with _agent(togai_sandbox, audit_file, ServeOptions(read_only=True)) as agent:
        assert (await agent.call_tool("create-customer", _customer("ro"))).is_error
        assert not (await agent.call_tool("list-customers", {})).is_error
    only_reads = ServeOptions(tools=("get-customer",))
    async with _agent(togai_sandbox, audit_file, only_reads) as agent:
        assert (await agent.call_tool("delete-customer", {"customer_id": "ro"})).is_error
    assert [
        (x["operation"], x["target"], x["outcome"], x["error"], x["status"])
        for x in lines_of(audit_file)
    ] == [
        ("create_customer", "ro", "refused", "read_only", 403),
        ("delete_customer", "ro", "refused", "not_offered", 403),
    ]
    assert [r.method for r in togai_sandbox.requests] == ["GET"]  # the list call only


@asynccontextmanager
async def _http_agent(app: Any, headers: dict[str, str]) -> AsyncIterator[Client]:
    with asgi_in_thread(app) as url:
        async with (
            httpx2.AsyncClient(headers=headers, timeout=10.0) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
        ):
            yield client


async def test_http_callers_server_token_and_oauth(
    togai_sandbox: Sandbox, audit_file: Path
) -> None:
    """Over HTTP: a server-token caller is its token's fingerprint (not the per-process
    session principal); behind the OAuth layer (a test stand-in) it is iss, sub, client_id."""
    token = "mcp-server-token-Zq9v0123456789abcdef"
    options = ServeOptions(audit_log=str(audit_file), server_token=token, stateless=True)
    app = create_mcp_app(options, client=_client(togai_sandbox))
    async with _http_agent(app, {"Authorization": f"Bearer {token}"}) as agent:
        assert not (await agent.call_tool("create-customer", _customer("st"))).is_error
    open_options = ServeOptions(audit_log=str(audit_file), stateless=True)
    app = OAuthStandIn(create_mcp_app(open_options, client=_client(togai_sandbox)), sub="bob")
    async with _http_agent(app, {}) as agent:
        assert not (await agent.call_tool("create-customer", _customer("oa"))).is_error
    assert [(x["target"], x["caller"]) for x in lines_of(audit_file)] == [
        ("st", {"kind": "server-token", "fingerprint": fingerprint(token)}),
        ("oa", {"kind": "oauth", "iss": ISSUER, "sub": "bob", "client_id": "agent-7"}),
    ]


async def test_mcp_over_stdio_with_the_flag(audit_file: Path) -> None:
    """`togai-customers mcp --stdio --sandbox --audit-log FILE`: the caller is 'stdio'."""
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "togai_customers",
            "mcp",
            "--stdio",
            "--sandbox",
            "--audit-log",
            str(audit_file),
        ],
    )
    async with Client(params) as agent:
        assert not (await agent.call_tool("create-customer", _customer("via-stdio"))).is_error
    (line,) = lines_of(audit_file)
    assert (line["target"], line["caller"], line["outcome"]) == (
        "via-stdio",
        {"kind": "stdio"},
        "done",
    )
