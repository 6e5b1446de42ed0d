"""A real ``mcp.Client`` over streamable HTTP (a socket) and over stdio, in both connect modes:
the safety flags as the CLI takes them, and the delete confirmation on each transport."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from _server_support import (
    asgi_in_thread,
    cli_argv,
    cli_process,
    free_ports,
    stop,
    wait_until_listening,
    writes,
)
from mcp import Client, StdioServerParameters

from togai_customers import AsyncTogaiCustomers
from togai_customers_server import ServeOptions
from togai_customers_server.mcp import create_mcp_app
from togai_customers_server.mcp._confirm import NO_BACK_CHANNEL, NO_FORM, REFUSED
from togai_customers_server.sandbox import Sandbox

from ._mcp_support import Person, customer_args, ok, text_of

MODES = ["legacy", "auto"]
CONFIGS = {
    "read-only": (["--read-only"], ["list-customers", "get-customer"]),
    "tools": (["--tools", "create-customer,get-customer"], ["create-customer", "get-customer"]),
    "both": (["--tools", "create-customer,get-customer", "--read-only"], ["get-customer"]),
}


def _stdio(upstream: str, *flags: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    """``togai-customers mcp --stdio FLAGS`` with its tools on ``upstream``."""
    argv = cli_argv("--base-url", upstream, "--api-key", "test", "mcp", "--stdio", *flags)
    return StdioServerParameters(command=argv[0], args=argv[1:], env=env)


@asynccontextmanager
async def _http_cli(upstream: str, *flags: str) -> AsyncIterator[str]:
    """``togai-customers mcp`` over HTTP on a free port; yields the /mcp URL."""
    (port,) = free_ports(1)
    argv = ["--base-url", upstream, "--api-key", "test", "mcp", "--port", str(port), *flags]
    with cli_process(*argv) as proc:
        wait_until_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
        code, _, err, _ = stop(proc)
    assert code == 0, err


@pytest.fixture
def http_mcp(togai_sandbox_url: str) -> Iterator[str]:
    """The MCP app (default options) on a real socket in this process; yields the /mcp URL."""
    app = create_mcp_app(ServeOptions(base_url=togai_sandbox_url, api_key="test"))
    with asgi_in_thread(app) as base:
        yield base + "/mcp"


async def _customers(client: AsyncTogaiCustomers, *ids: str) -> None:
    for customer_id in ids:
        await client.create_customer(
            id=customer_id, name=f"Name {customer_id}", primary_email="b@x.io", address={}
        )


#: Each (transport, config), (transport, mode) and (config, mode) pair once (all pairs, not the
#: 12 combinations: the tools are chosen by the server whatever the handshake, and each case
#: starts a server process).
PAIRS = [
    ("http", "read-only", "legacy"),
    ("http", "tools", "auto"),
    ("http", "both", "legacy"),
    ("stdio", "read-only", "auto"),
    ("stdio", "tools", "legacy"),
    ("stdio", "both", "auto"),
]


@pytest.mark.parametrize(("transport", "config", "mode"), PAIRS, ids=["-".join(p) for p in PAIRS])
async def test_cli_flags_choose_the_tools(
    togai_sandbox_url: str, togai_sandbox: Sandbox, transport: str, config: str, mode: str
) -> None:
    """--read-only / --tools / both: only those tools listed; a write tool refused, nothing sent."""
    flags, expected = CONFIGS[config]

    @asynccontextmanager
    async def session() -> AsyncIterator[Client]:
        if transport == "stdio":
            async with Client(_stdio(togai_sandbox_url, *flags), mode=mode) as agent:
                yield agent
        else:
            async with _http_cli(togai_sandbox_url, *flags) as url, Client(url, mode=mode) as agent:
                yield agent

    async with session() as agent:
        assert [t.name for t in (await agent.list_tools()).tools] == expected
        refused = await agent.call_tool("update-customer", {"customer_id": "a", "name": "Abc"})
        assert refused.is_error
        assert "not available on this server" in text_of(refused)
        got = await agent.call_tool("get-customer", {"customer_id": "nobody"})
        assert got.is_error
        assert "not found" in text_of(got)
    assert writes(togai_sandbox.requests) == []
    assert [r.method for r in togai_sandbox.requests] == ["GET"]


async def test_togai_read_only_env_does_the_same(
    togai_sandbox_url: str, togai_sandbox: Sandbox
) -> None:
    """TOGAI_READ_ONLY=1 without the flag: read-only tools only."""
    params = _stdio(togai_sandbox_url, env={"TOGAI_READ_ONLY": "1"})
    async with Client(params) as agent:
        names = [t.name for t in (await agent.list_tools()).tools]
        refused = await agent.call_tool("create-customer", customer_args("env-1"))
    assert names == ["list-customers", "get-customer"]
    assert refused.is_error
    assert writes(togai_sandbox.requests) == []


# Confirmation over a real transport ----------------------------------------------------------

EXPECTED = {
    "accept": None,
    "accept-unticked": REFUSED["unticked"],
    "decline": REFUSED["decline"],
    "cancel": REFUSED["cancel"],
    None: NO_FORM,
}


async def _delete_each_way(
    agent_with: Client, agent_without: Client, person: Person, client: AsyncTogaiCustomers
) -> dict[Any, tuple[bool, str, bool]]:
    """Delete one customer per answer (and one with no callback); (isError, text, still there)."""
    outcomes: dict[Any, tuple[bool, str, bool]] = {}
    for answer in EXPECTED:
        customer_id = f"del-{answer or 'none'}"
        await _customers(client, customer_id)
        agent = agent_with if answer is not None else agent_without
        person.answer = answer or "accept"
        result = await agent.call_tool("delete-customer", {"customer_id": customer_id})
        assert result.is_error is (result.structured_content is None)
        still = [c.id async for c in client.list_customers()]
        outcomes[answer] = (bool(result.is_error), text_of(result), customer_id in still)
    return outcomes


def _check(outcomes: dict[Any, tuple[bool, str, bool]], expected: dict[Any, str | None]) -> None:
    for answer, (is_error, text, still_there) in outcomes.items():
        refusal = expected[answer]
        if refusal is None:
            assert (is_error, still_there) == (False, False), (answer, text)
        else:
            assert is_error, (answer, text)
            assert still_there, (answer, text)
            assert text == refusal, (answer, text)


@pytest.mark.parametrize("mode", MODES)
async def test_confirmation_over_stdio(
    togai_sandbox_url: str, togai_async_client: AsyncTogaiCustomers, mode: str
) -> None:
    """stdio, legacy and 2026-07-28: accept deletes; unticked/decline/cancel/no form refuse."""
    person = Person()
    async with (
        Client(_stdio(togai_sandbox_url), mode=mode, elicitation_callback=person) as agent,
        Client(_stdio(togai_sandbox_url), mode=mode) as blind,
    ):
        assert agent.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        outcomes = await _delete_each_way(agent, blind, person, togai_async_client)
    _check(outcomes, EXPECTED)
    assert len(person.questions) == 4
    assert all("cannot be undone" in q.message for q in person.questions)


async def test_confirmation_over_http_2026(
    http_mcp: str, togai_async_client: AsyncTogaiCustomers
) -> None:
    """Streamable HTTP with protocol 2026-07-28: asked through InputRequiredResult, as on stdio."""
    person = Person()
    async with (
        Client(http_mcp, elicitation_callback=person) as agent,
        Client(http_mcp) as blind,
    ):
        assert agent.protocol_version == "2026-07-28"
        outcomes = await _delete_each_way(agent, blind, person, togai_async_client)
    _check(outcomes, EXPECTED)
    assert len(person.questions) == 4


async def test_confirmation_over_http_legacy_fails_closed(
    http_mcp: str, togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """Legacy handshake over stateless HTTP cannot be asked: refused, saying how to fix it."""
    person = Person()
    async with (
        Client(http_mcp, mode="legacy", elicitation_callback=person) as agent,
        Client(http_mcp, mode="legacy") as blind,
    ):
        assert agent.protocol_version == "2025-11-25"
        outcomes = await _delete_each_way(agent, blind, person, togai_async_client)
    _check(outcomes, dict.fromkeys(EXPECTED, NO_BACK_CHANNEL))
    assert person.questions == []
    assert "2026-07-28" in NO_BACK_CHANNEL
    assert "--allow-unconfirmed-deletes" in NO_BACK_CHANNEL
    assert [r for r in togai_sandbox.requests if r.method == "DELETE"] == []


@pytest.mark.parametrize(
    ("transport", "mode"),
    [("http", "legacy"), ("stdio", "auto")],
    ids=["http-legacy", "stdio-auto"],
)  # HTTP with the legacy handshake is where a delete is otherwise refused (it cannot ask)
async def test_allow_unconfirmed_deletes_over_the_cli(
    togai_sandbox_url: str, togai_async_client: AsyncTogaiCustomers, transport: str, mode: str
) -> None:
    """--allow-unconfirmed-deletes: a client that cannot ask deletes anyway, on both transports."""
    await _customers(togai_async_client, "gone")
    flag = "--allow-unconfirmed-deletes"
    if transport == "stdio":
        async with Client(_stdio(togai_sandbox_url, flag), mode=mode) as agent:
            result = await agent.call_tool("delete-customer", {"customer_id": "gone"})
    else:
        async with _http_cli(togai_sandbox_url, flag) as url, Client(url, mode=mode) as agent:
            result = await agent.call_tool("delete-customer", {"customer_id": "gone"})
    assert ok(result) == {"success": True}
    assert [c.id async for c in togai_async_client.list_customers()] == []


@pytest.mark.parametrize("command", [["mcp", "--stdio"], ["serve", "--no-rest"]])
def test_allow_unconfirmed_deletes_is_a_startup_warning(command: list[str]) -> None:
    """The opt-out is logged as a warning on stderr when the server starts (stdio and HTTP)."""
    args = [*command, "--sandbox", "--allow-unconfirmed-deletes"]
    if command[0] == "mcp":
        done = subprocess.run(cli_argv(*args), input="", capture_output=True, text=True, timeout=60)
        err = done.stderr
        assert done.returncode == 0, err
    else:
        mcp_port, sandbox_port = free_ports(2)
        ports = ["--mcp-port", str(mcp_port), "--sandbox-port", str(sandbox_port)]
        with cli_process(*args, *ports) as proc:
            wait_until_listening(mcp_port, proc)
            code, _, err, _ = stop(proc)
        assert code == 0, err
    assert "WARNING: --allow-unconfirmed-deletes: destructive tools (delete-customer)" in err
    assert "Traceback" not in err


def test_no_warning_without_the_flag() -> None:
    """Without the opt-out, nothing is printed on stderr by a stdio server."""
    argv = cli_argv("mcp", "--stdio", "--sandbox")
    done = subprocess.run(argv, input="", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stderr == ""
