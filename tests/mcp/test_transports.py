"""A real ``mcp.Client`` over streamable HTTP (a socket) and over stdio, in both connect modes:
the safety flags as the CLI takes them, and the delete confirmation on each transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
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
from mcp.client.stdio import stdio_client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server import ServeOptions
from togai_customers_server.mcp import create_mcp_app
from togai_customers_server.mcp._confirm import NO_BACK_CHANNEL, NO_FORM, REFUSED
from togai_customers_server.sandbox import Sandbox

from ._mcp_support import Person, ok, text_of

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


class Stderr:
    """What a server process wrote on stderr: a file it writes into, read at the end."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w+", encoding="utf-8")
        self.text = ""

    def read(self) -> str:
        self.file.seek(0)
        self.text = self.file.read()
        self.file.close()
        return self.text


@asynccontextmanager
async def _stdio_agent(
    upstream: str, *flags: str, mode: str, stderr: Stderr, env: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """A client of ``togai-customers mcp --stdio FLAGS``; its stderr kept in ``stderr``."""
    transport = stdio_client(_stdio(upstream, *flags, env=env), errlog=stderr.file)
    try:
        async with Client(transport, mode=mode) as agent:
            yield agent
    finally:
        stderr.read()


@asynccontextmanager
async def _http_cli(
    upstream: str, *flags: str, command: str = "mcp", stderr: Stderr | None = None
) -> AsyncIterator[str]:
    """``togai-customers mcp`` (or ``serve --no-rest``) over HTTP on a free port; yields the
    /mcp URL. It must exit 0 on SIGINT; its stderr is kept in ``stderr``."""
    (port,) = free_ports(1)
    argv = ["--base-url", upstream, "--api-key", "test"]
    argv += ["mcp", "--port"] if command == "mcp" else ["serve", "--no-rest", "--mcp-port"]
    with cli_process(*argv, str(port), *flags) as proc:
        wait_until_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
        code, _, err, _ = stop(proc)
    if stderr is not None:
        stderr.text = err
    assert code == 0, err


@contextmanager
def _http_app(upstream: str, **options: Any) -> Iterator[str]:
    """The MCP app on a real socket in this process; yields the /mcp URL."""
    app = create_mcp_app(ServeOptions(base_url=upstream, api_key="test", **options))
    with asgi_in_thread(app) as base:
        yield base + "/mcp"


@pytest.fixture
def http_mcp(togai_sandbox_url: str) -> Iterator[str]:
    """The MCP app (default options: sessions) on a real socket; yields the /mcp URL."""
    with _http_app(togai_sandbox_url) as url:
        yield url


@pytest.fixture
def stateless_mcp(togai_sandbox_url: str) -> Iterator[str]:
    """The MCP app with ``stateless=True`` (``--stateless``) on a real socket."""
    with _http_app(togai_sandbox_url, stateless=True) as url:
        yield url


async def _customers(client: AsyncTogaiCustomers, *ids: str) -> None:
    for customer_id in ids:
        await client.create_customer(
            id=customer_id, name=f"Name {customer_id}", primary_email="b@x.io", address={}
        )


#: Each (transport, config), (transport, mode) and (config, mode) pair once (all pairs, not the
#: 12 combinations: the tools are chosen by the server whatever the handshake, and each case
#: starts a server process). Over stdio, read-only is asked by TOGAI_READ_ONLY=1 (the flag is
#: there in "both").
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
    togai_sandbox_url: str,
    togai_sandbox: Sandbox,
    tmp_path: Path,
    transport: str,
    config: str,
    mode: str,
) -> None:
    """--read-only (or TOGAI_READ_ONLY=1) / --tools / both: only those tools listed; a write
    tool refused, nothing sent; nothing on stderr."""
    flags, expected = CONFIGS[config]
    stderr = Stderr(tmp_path / "stderr")

    @asynccontextmanager
    async def session() -> AsyncIterator[Client]:
        if transport == "stdio":
            by_env = config == "read-only"
            env = {"TOGAI_READ_ONLY": "1"} if by_env else None
            args = [] if by_env else flags
            async with _stdio_agent(
                togai_sandbox_url, *args, mode=mode, stderr=stderr, env=env
            ) as agent:
                yield agent
        else:
            async with (
                _http_cli(togai_sandbox_url, *flags, stderr=stderr) as url,
                Client(url, mode=mode) as agent,
            ):
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
    if transport == "stdio":  # the HTTP server logs its address at startup
        assert stderr.text == ""


# Confirmation over a real transport ----------------------------------------------------------

EXPECTED = {
    "accept": None,
    "accept-unticked": REFUSED["unticked"],
    "decline": REFUSED["decline"],
    "cancel": REFUSED["cancel"],
    None: NO_FORM,
}


async def _delete_each_way(
    agent_with: Client, agent_without: Client | None, person: Person, client: AsyncTogaiCustomers
) -> dict[Any, tuple[bool, str, bool]]:
    """Delete one customer per answer (and one with no callback, given a client without one);
    (isError, text, still there)."""
    outcomes: dict[Any, tuple[bool, str, bool]] = {}
    for answer in EXPECTED if agent_without is not None else [a for a in EXPECTED if a]:
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
    """stdio, legacy and 2026-07-28: accept deletes; unticked/decline/cancel refuse. (A client
    that cannot answer is refused alike on every transport: tests/mcp/test_safety.py for both
    handshakes, and over HTTP below.)"""
    person = Person()
    params = _stdio(togai_sandbox_url)
    async with Client(params, mode=mode, elicitation_callback=person) as agent:
        assert agent.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        outcomes = await _delete_each_way(agent, None, person, togai_async_client)
    assert set(outcomes) == {"accept", "accept-unticked", "decline", "cancel"}
    _check(outcomes, EXPECTED)
    assert len(person.questions) == 4
    assert all("cannot be undone" in q.message for q in person.questions)


@pytest.mark.parametrize("stateless", [False, True], ids=["sessions", "stateless"])
async def test_confirmation_over_http_2026(
    togai_sandbox_url: str, togai_async_client: AsyncTogaiCustomers, stateless: bool
) -> None:
    """Streamable HTTP with protocol 2026-07-28: asked through InputRequiredResult, as on stdio,
    whether the server keeps sessions or not (these calls never open one)."""
    person = Person()
    with _http_app(togai_sandbox_url, stateless=stateless) as url:
        async with (
            Client(url, elicitation_callback=person) as agent,
            Client(url) as blind,
        ):
            assert agent.protocol_version == "2026-07-28"
            outcomes = await _delete_each_way(agent, blind, person, togai_async_client)
    _check(outcomes, EXPECTED)
    assert len(person.questions) == 4


async def test_confirmation_over_http_legacy_session(
    http_mcp: str, togai_async_client: AsyncTogaiCustomers
) -> None:
    """Legacy handshake over HTTP with sessions (the default): asked on the call's own stream;
    accept deletes, unticked/decline/cancel refuse, no elicitation capability refuses."""
    person = Person()
    async with (
        Client(http_mcp, mode="legacy", elicitation_callback=person) as agent,
        Client(http_mcp, mode="legacy") as blind,
    ):
        assert agent.protocol_version == "2025-11-25"
        outcomes = await _delete_each_way(agent, blind, person, togai_async_client)
    _check(outcomes, EXPECTED)
    assert len(person.questions) == 4
    assert all("cannot be undone" in q.message for q in person.questions)


async def test_confirmation_over_http_legacy_fails_closed_when_stateless(
    stateless_mcp: str, togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """Legacy handshake over --stateless HTTP cannot be asked: refused, saying how to fix it."""
    person = Person()
    async with (
        Client(stateless_mcp, mode="legacy", elicitation_callback=person) as agent,
        Client(stateless_mcp, mode="legacy") as blind,
    ):
        assert agent.protocol_version == "2025-11-25"
        outcomes = await _delete_each_way(agent, blind, person, togai_async_client)
    _check(outcomes, dict.fromkeys(EXPECTED, NO_BACK_CHANNEL))
    assert person.questions == []
    assert "2026-07-28" in NO_BACK_CHANNEL
    assert "--stateless" in NO_BACK_CHANNEL
    assert "--allow-unconfirmed-deletes" in NO_BACK_CHANNEL
    assert [r for r in togai_sandbox.requests if r.method == "DELETE"] == []


@pytest.mark.parametrize(
    ("transport", "mode"),
    [("http", "legacy"), ("stdio", "auto")],
    ids=["http-legacy", "stdio-auto"],
)  # HTTP with the legacy handshake is where a delete is otherwise refused (it cannot ask)
async def test_allow_unconfirmed_deletes_over_the_cli(
    togai_sandbox_url: str,
    togai_async_client: AsyncTogaiCustomers,
    tmp_path: Path,
    transport: str,
    mode: str,
) -> None:
    """--allow-unconfirmed-deletes: a client that cannot ask deletes anyway, on both transports
    (`mcp --stdio`, `serve --no-rest`); the server says so on stderr when it starts."""
    await _customers(togai_async_client, "gone")
    flag = "--allow-unconfirmed-deletes"
    stderr = Stderr(tmp_path / "stderr")
    if transport == "stdio":
        async with _stdio_agent(togai_sandbox_url, flag, mode=mode, stderr=stderr) as agent:
            result = await agent.call_tool("delete-customer", {"customer_id": "gone"})
    else:
        async with (
            _http_cli(togai_sandbox_url, flag, command="serve", stderr=stderr) as url,
            Client(url, mode=mode) as agent,
        ):
            result = await agent.call_tool("delete-customer", {"customer_id": "gone"})
    assert ok(result) == {"success": True}
    assert [c.id async for c in togai_async_client.list_customers()] == []
    warning = "WARNING: --allow-unconfirmed-deletes: destructive tools (delete-customer)"
    assert warning in stderr.text
    assert "Traceback" not in stderr.text
