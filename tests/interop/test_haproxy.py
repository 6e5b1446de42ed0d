"""HAProxy, with the configuration shipped in docs/mcp.md, in front of two ``serve`` processes
(sessions on, the default) on one upstream: 2025-11-25 sessions stick to the replica that opened
them and spread over both, the TypeScript SDK's confirmed delete works through it, a 2026-07-28
client needs no affinity, and a replica dying mid-question repeats and loses nothing."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from _server_support import cli_process, free_ports, stop, wait_until_listening
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitResult

from togai_customers import AsyncTogaiCustomers
from togai_customers_server.mcp._confirm import REFUSED
from togai_customers_server.sandbox import Sandbox

from ._interop_support import NodeClient

pytestmark = [pytest.mark.interop, pytest.mark.long]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mcp.md"
MARK = "<!-- haproxy.cfg:"
MCP = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def shipped_config() -> str:
    """The HAProxy configuration block of docs/mcp.md, as shipped."""
    text = DOCS.read_text(encoding="utf-8")
    after = text[text.index(MARK) :]
    block = re.search(r"```text\n(.*?)\n```", after, re.S)
    assert block is not None
    return block.group(1) + "\n"


class Stack:
    """HAProxy on ``url`` in front of ``replicas`` (name -> (process, port))."""

    def __init__(self, url: str, replicas: dict[str, tuple[subprocess.Popen[str], int]]) -> None:
        self.url = url
        self.replicas = replicas
        self.log_path: Path | None = None

    def served_by(self) -> list[str]:
        """The replica that served each request HAProxy logged so far (``option httplog``)."""
        assert self.log_path is not None
        return re.findall(r" mcp_replicas/(\w+) ", self.log_path.read_text())

    def owner(self, session: str) -> str:
        """The one replica that knows ``session`` (asked directly, not through HAProxy)."""
        known = [
            name
            for name, (_, port) in self.replicas.items()
            if _ping(f"http://127.0.0.1:{port}/mcp", session) == 200
        ]
        assert len(known) == 1, (session, known)
        return known[0]


def _ping(url: str, session: str) -> int:
    headers = MCP | {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
    body = {"jsonrpc": "2.0", "id": 9, "method": "ping"}
    return httpx.post(url, json=body, headers=headers, timeout=10.0).status_code


def _open(url: str) -> str:
    """A 2025-11-25 session opened by hand; its id."""
    params = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "by-hand", "version": "1"},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    opened = httpx.post(url, json=body, headers=MCP, timeout=10.0)
    assert opened.status_code == 200, opened.text
    return opened.headers["mcp-session-id"]


@contextmanager
def haproxy_stack(haproxy: str, upstream: str, tmp_path: Path) -> Iterator[Stack]:
    """Two ``serve --no-rest`` replicas and HAProxy (the shipped config) in front of them."""
    front, port1, port2 = free_ports(3)
    config = (
        shipped_config()
        .replace("127.0.0.1:9090", f"127.0.0.1:{front}")
        .replace("127.0.0.1:9091", f"127.0.0.1:{port1}")
        .replace("127.0.0.1:9092", f"127.0.0.1:{port2}")
    )
    assert f":{port1} check" in config
    assert f":{port2} check" in config
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(config)
    check = subprocess.run([haproxy, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with ExitStack() as stack:
        replicas = {}
        for name, port in (("replica1", port1), ("replica2", port2)):
            args = ["--base-url", upstream, "--api-key", "test", "serve", "--no-rest"]
            proc = stack.enter_context(cli_process(*args, "--mcp-port", str(port)))
            replicas[name] = (proc, port)
        for proc, port in replicas.values():
            wait_until_listening(port, proc)
        log = tmp_path / "haproxy.log"
        with log.open("w") as out:
            balancer = subprocess.Popen(
                [haproxy, "-db", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT, text=True
            )
        try:
            wait_until_listening(front, balancer)
            result = Stack(f"http://127.0.0.1:{front}/mcp", replicas)
            result.log_path = log
            yield result
        finally:
            balancer.terminate()
            balancer.wait(10)
        for proc, _ in replicas.values():
            if proc.poll() is None:
                code, _, err, _ = stop(proc)
                assert code == 0, err


async def _customers(client: AsyncTogaiCustomers, *ids: str) -> None:
    for customer_id in ids:
        await client.create_customer(
            id=customer_id, name=f"Name {customer_id}", primary_email="b@x.io", address={}
        )


def _deletes(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.method == "DELETE"]


async def test_sessions_stick_and_spread_and_the_typescript_sdk_deletes_through_haproxy(
    haproxy: str,
    node_client: NodeClient,
    togai_sandbox_url: str,
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    """Six sessions opened through HAProxy: each known by exactly one replica, both replicas
    hold some, and every request of a session reaches its replica. The TypeScript SDK's
    confirmed delete through HAProxy deletes; its decline keeps the customer."""
    await _customers(togai_async_client, "ts-yes", "ts-no")
    with haproxy_stack(haproxy, togai_sandbox_url, tmp_path) as lb:
        sessions = [_open(lb.url) for _ in range(6)]
        owners = {session: lb.owner(session) for session in sessions}
        through = [_ping(lb.url, session) for session in sessions for _ in range(4)]
        accepted = node_client(url=lb.url, answer="accept", delete=["ts-yes"])
        declined = node_client(url=lb.url, answer="decline", delete=["ts-no"])
    assert sorted(owners.values()).count("replica1") >= 2
    assert sorted(owners.values()).count("replica2") >= 2
    assert set(through) == {200}
    assert accepted["sessionId"]
    assert accepted["results"][0]["structuredContent"] == {"success": True}
    assert len(accepted["questions"]) == 1
    assert accepted["afterEnd"] == 404  # DELETE /mcp reached the session's own replica
    assert declined["results"][0]["content"][0]["text"] == REFUSED["decline"]
    assert _deletes(togai_sandbox) == ["/customers/ts-yes"]


async def _yes(context: Any, params: Any) -> ElicitResult:
    return ElicitResult(action="accept", content={"confirm": True})


class RoundRobin(httpx2.AsyncHTTPTransport):
    """A balancer without affinity, in the client: each request to the next port in turn."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__()
        self.ports = ports
        self.sent = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.url = request.url.copy_with(port=self.ports[self.sent % len(self.ports)])
        self.sent += 1
        return await super().handle_async_request(request)


async def test_a_2026_client_needs_no_affinity_and_a_session_does(
    haproxy: str,
    togai_sandbox_url: str,
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    """mcp.Client (2026-07-28) through HAProxy: its requests go to both replicas (no session to
    stick to) and its confirmed delete works. A legacy session spread over both replicas with
    no affinity fails on the replica that did not open it (why the balancer needs one)."""
    await _customers(togai_async_client, "modern", "legacy")
    with haproxy_stack(haproxy, togai_sandbox_url, tmp_path) as lb:
        async with Client(lb.url, elicitation_callback=_yes) as agent:
            assert agent.protocol_version == "2026-07-28"
            pages = [await agent.call_tool("list-customers", {}) for _ in range(4)]
            deleted = await agent.call_tool("delete-customer", {"customer_id": "modern"})
        await anyio.sleep(0.2)  # HAProxy logs a request when its answer is complete
        served = lb.served_by()
        ports = [port for _, port in lb.replicas.values()]
        balancer = RoundRobin(ports)
        async with (
            httpx2.AsyncClient(transport=balancer, timeout=10.0) as http,
            Client(
                streamable_http_client(f"http://127.0.0.1:{ports[0]}/mcp", http_client=http),
                mode="legacy",
            ) as legacy,
        ):

            async def two_calls() -> None:
                for _ in range(2):
                    await legacy.call_tool("get-customer", {"customer_id": "legacy"})

            with pytest.raises(MCPError, match="Session not found"):
                await two_calls()
    assert all(not page.is_error for page in pages)
    assert deleted.structured_content == {"success": True}
    assert {"replica1", "replica2"} <= set(served)
    assert _deletes(togai_sandbox) == ["/customers/modern"]


async def test_a_replica_dying_mid_question_repeats_and_loses_nothing(
    haproxy: str,
    togai_sandbox_url: str,
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    """The replica holding a session is killed while its delete waits for the person: the call
    fails, nothing is deleted, the answer reaches no one; the client connects again (the other
    replica), is asked again, and the customer is deleted exactly once."""
    await _customers(togai_async_client, "doomed")
    session_ids: list[str] = []

    async def remember(response: httpx2.Response) -> None:
        if "mcp-session-id" in response.headers:
            session_ids.append(response.headers["mcp-session-id"])

    with haproxy_stack(haproxy, togai_sandbox_url, tmp_path) as lb:
        killed: list[str] = []

        async def kill_then_accept(context: Any, params: Any) -> ElicitResult:
            owner = lb.owner(session_ids[-1])
            proc, _ = lb.replicas[owner]
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            killed.append(owner)
            return ElicitResult(action="accept", content={"confirm": True})

        async with httpx2.AsyncClient(event_hooks={"response": [remember]}, timeout=20) as http:
            with anyio.fail_after(30):
                async with Client(
                    streamable_http_client(lb.url, http_client=http),
                    mode="legacy",
                    elicitation_callback=kill_then_accept,
                ) as agent:
                    with pytest.raises(MCPError):
                        await agent.call_tool("delete-customer", {"customer_id": "doomed"})
                    after_crash = _deletes(togai_sandbox)
                    still_there = [c.id async for c in togai_async_client.list_customers()]
                    with pytest.raises(MCPError, match="Session not found"):
                        await agent.call_tool("get-customer", {"customer_id": "doomed"})
        asked_again: list[str] = []

        async def accept(context: Any, params: Any) -> ElicitResult:
            asked_again.append(params.message)
            return ElicitResult(action="accept", content={"confirm": True})

        async with Client(lb.url, mode="legacy", elicitation_callback=accept) as again:
            retried = await again.call_tool("delete-customer", {"customer_id": "doomed"})
    assert len(killed) == 1
    assert after_crash == []
    assert still_there == ["doomed"]
    assert len(asked_again) == 1
    assert retried.structured_content == {"success": True}
    assert _deletes(togai_sandbox) == ["/customers/doomed"]
