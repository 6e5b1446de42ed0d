"""Two ``serve --stateless`` processes on one upstream share traffic with no affinity; GET /mcp
and shutdown, with and without MCP sessions.

The upstream is one sandbox (served from this process, so its request log can be read); two
``togai-customers serve --stateless`` processes point at it. Calls alternate between the
processes like a round-robin load balancer would send them: REST and MCP, a paging walk whose
pages come from different processes, and a confirmed delete whose question and answer reach
different processes. (With sessions, the default, replicas need affinity: tests/interop.)
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import httpx2
from _server_support import cli_process, free_ports, stop, wait_until_listening
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from togai_customers_server.mcp._confirm import NO_BACK_CHANNEL, STOPPING
from togai_customers_server.sandbox import Sandbox
from togai_customers_server.serve import GRACEFUL_SHUTDOWN_SECONDS


class Process:
    """One ``serve`` process: its REST and MCP ports."""

    def __init__(self, proc: Any, rest: int, mcp: int) -> None:
        self.proc, self.rest, self.mcp = proc, rest, mcp


@contextmanager
def serve_pair(upstream: str, *flags: str) -> Iterator[list[Process]]:
    """Two ``serve`` processes on ``upstream``; both stopped with SIGINT (exit 0) at the end."""
    with ExitStack() as stack:
        pair = []
        for _ in range(2):
            rest, mcp = free_ports(2)
            args = ["--base-url", upstream, "--api-key", "test", "serve"]
            args += ["--rest-port", str(rest), "--mcp-port", str(mcp), *flags]
            proc = stack.enter_context(cli_process(*args))
            pair.append(Process(proc, rest, mcp))
        for p in pair:
            wait_until_listening(p.rest, p.proc)
            wait_until_listening(p.mcp, p.proc)
        yield pair
        for p in pair:
            code, _, err, _ = stop(p.proc)
            assert code == 0, err


class RoundRobin(httpx2.AsyncHTTPTransport):
    """A load balancer in the client: each HTTP request goes to the next port in turn."""

    def __init__(self, ports: list[int]) -> None:
        super().__init__()
        self.ports = ports
        self.hits: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = self.ports[len(self.hits) % len(self.ports)]
        self.hits.append(port)
        request.url = request.url.copy_with(port=port)
        return await super().handle_async_request(request)


def _customer(customer_id: str) -> dict[str, Any]:
    return {
        "id": customer_id,
        "name": f"Name {customer_id}",
        "primaryEmail": "b@x.io",
        "address": {},
    }


async def _yes(ctx: Any, params: Any) -> Any:
    from mcp.types import ElicitResult

    return ElicitResult(action="accept", content={"confirm": True})


def _get_mcp(port: int, headers: dict[str, str]) -> tuple[int, str | None, float]:
    started = time.monotonic()
    with httpx.stream(
        "GET", f"http://127.0.0.1:{port}/mcp", headers=headers, timeout=2.0
    ) as response:
        response.read()
        return response.status_code, response.headers.get("allow"), time.monotonic() - started


#: GET /mcp as clients send it: without a protocol version, and with each one.
GET_HEADERS = {
    "no-version": {"Accept": "text/event-stream"},
    "2025-11-25": {"Accept": "text/event-stream", "MCP-Protocol-Version": "2025-11-25"},
    "2026-07-28": {"Accept": "text/event-stream", "MCP-Protocol-Version": "2026-07-28"},
}


async def test_two_processes_share_rest_and_mcp_traffic(
    togai_sandbox_url: str, togai_sandbox: Sandbox
) -> None:
    """--stateless, alternating calls: REST writes and a paging walk, MCP calls and a confirmed
    delete; a legacy client's calls spread too (its delete fails closed); GET /mcp is 405."""
    with serve_pair(togai_sandbox_url, "--stateless") as (a, b):
        # GET /mcp: 405 Allow: POST at once, whatever the protocol header (no idle stream).
        for name, headers in GET_HEADERS.items():
            status, allow, seconds = _get_mcp(a.mcp, headers)
            assert (status, allow) == (405, "POST"), name
            assert seconds < 1.0, name
        rest = [httpx.Client(base_url=f"http://127.0.0.1:{p.rest}", timeout=10.0) for p in (a, b)]
        # REST: creates alternate; each page of the walk comes from the other process.
        for i in range(5):
            created = rest[i % 2].post("/v1/customers", json=_customer(f"r{i}"))
            assert created.status_code == 201, created.text
        seen: list[str] = []
        params: dict[str, Any] = {"pageSize": 2}
        for page_number in range(10):
            page = rest[page_number % 2].get("/v1/customers", params=params).json()
            seen += [c["id"] for c in page["data"]]
            if not page.get("nextToken"):
                break
            params = {"nextToken": page["nextToken"]}
        assert seen == [f"r{i}" for i in range(5)]
        assert page_number >= 2  # at least three pages, from both processes
        for client in rest:
            client.close()

        # MCP, protocol 2026-07-28: every POST to the next process.
        balancer = RoundRobin([a.mcp, b.mcp])
        async with (
            httpx2.AsyncClient(transport=balancer, timeout=10.0) as http,
            Client(
                streamable_http_client("http://127.0.0.1:1/mcp", http_client=http),
                elicitation_callback=_yes,
            ) as agent,
        ):
            assert agent.protocol_version == "2026-07-28"
            pages: list[tuple[list[str], set[int]]] = []
            args: dict[str, Any] = {"page_size": 2}
            while True:
                before = len(balancer.hits)
                result = await agent.call_tool("list-customers", args)
                assert not result.is_error
                page = result.structured_content or {}
                pages.append(([c["id"] for c in page["data"]], set(balancer.hits[before:])))
                if "nextToken" not in page:
                    break
                args = {"page_size": 2, "next_token": page["nextToken"]}
            assert [i for ids, _ in pages for i in ids] == [f"r{i}" for i in range(5)]
            served_by = [ports for _, ports in pages]
            assert {a.mcp} in served_by
            assert {b.mcp} in served_by  # pages came from both processes

            before = len(balancer.hits)
            deleted = await agent.call_tool("delete-customer", {"customer_id": "r0"})
            assert not deleted.is_error, deleted.content
            assert deleted.structured_content == {"success": True}
            assert set(balancer.hits[before:]) == {a.mcp, b.mcp}  # question and answer split

        # MCP, legacy handshake: initialize on one process, calls on both; deletes fail closed.
        balancer = RoundRobin([a.mcp, b.mcp])
        async with (
            httpx2.AsyncClient(transport=balancer, timeout=10.0) as http,
            Client(
                streamable_http_client("http://127.0.0.1:1/mcp", http_client=http),
                mode="legacy",
                elicitation_callback=_yes,
            ) as agent,
        ):
            for customer_id in ("r1", "r2", "r3"):
                got = await agent.call_tool("get-customer", {"customer_id": customer_id})
                assert not got.is_error
            refused = await agent.call_tool("delete-customer", {"customer_id": "r1"})
            assert refused.is_error
            assert refused.content[0].text == NO_BACK_CHANNEL  # type: ignore[union-attr]
        assert set(balancer.hits) == {a.mcp, b.mcp}
    deletes = [r.path for r in togai_sandbox.requests if r.method == "DELETE"]
    assert deletes == ["/customers/r0"]


def test_get_mcp_answers_405_at_once(togai_sandbox_url: str) -> None:
    """GET /mcp is 405 immediately, whatever the protocol header (no idle stream); Allow names
    DELETE, which ends a session. (--stateless: Allow: POST, in the test above.)"""
    (port,) = free_ports(1)
    args = ["--base-url", togai_sandbox_url, "--api-key", "test", "mcp", "--port", str(port)]
    with cli_process(*args) as proc:  # one server for the three GETs: each is its own request
        wait_until_listening(port, proc)
        answers = {name: _get_mcp(port, headers) for name, headers in GET_HEADERS.items()}
        code, _, err, _ = stop(proc)
    for name, (status, allow, seconds) in answers.items():
        assert (status, allow) == (405, "POST, DELETE"), name
        assert seconds < 1.0, name
    assert code == 0, err


MCP = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _open_session(http: httpx.Client, url: str) -> dict[str, str]:
    """A 2025-11-25 session that can show forms, by hand; the headers of its later requests."""
    params = {
        "protocolVersion": "2025-11-25",
        "capabilities": {"elicitation": {"form": {}}},
        "clientInfo": {"name": "by-hand", "version": "1"},
    }
    opened = http.post(
        url, headers=MCP, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    )
    assert opened.status_code == 200, opened.text
    headers = MCP | {
        "Mcp-Session-Id": opened.headers["mcp-session-id"],
        "MCP-Protocol-Version": "2025-11-25",
    }
    done = http.post(
        url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"}
    )
    assert done.status_code == 202
    return headers


def test_sigint_with_open_connections_exits_at_once(
    togai_sandbox_url: str, togai_sandbox: Sandbox
) -> None:
    """Open GET /mcp, keep-alive and idle connections, idle MCP sessions and a delete waiting
    for the person's answer: SIGINT exits 0 at once (without waiting out the graceful shutdown
    period), the waiting call is answered "not deleted", nothing is deleted, no traceback."""
    rest, mcp = free_ports(2)
    args = ["--base-url", togai_sandbox_url, "--api-key", "test", "serve"]
    url = f"http://127.0.0.1:{mcp}/mcp"
    with cli_process(*args, "--rest-port", str(rest), "--mcp-port", str(mcp)) as proc:
        wait_until_listening(rest, proc)
        wait_until_listening(mcp, proc)
        keep_alive = httpx.Client(timeout=5.0)
        assert keep_alive.get(f"http://127.0.0.1:{rest}/health").status_code == 200
        assert keep_alive.get(url).status_code == 405
        created = keep_alive.post(f"http://127.0.0.1:{rest}/v1/customers", json=_customer("kept"))
        assert created.status_code == 201, created.text
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for port in (rest, mcp)]
        sessions = httpx.Client(timeout=5.0)
        for _ in range(3):
            asking = _open_session(sessions, url)  # the last one asks; the others stay idle
        stream = httpx.Client(timeout=5.0)
        call = {"name": "delete-customer", "arguments": {"customer_id": "kept"}}
        events: list[dict[str, Any]] = []
        with (
            stream.stream("GET", url, headers={"Accept": "text/event-stream"}) as held,
            sessions.stream(
                "POST",
                url,
                headers=asking,
                json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call},
            ) as question,
        ):
            assert held.status_code == 405
            assert question.status_code == 200
            for line in question.iter_lines():
                if not line.startswith("data: "):
                    continue
                events.append(json.loads(line[len("data: ") :]))
                if events[-1].get("method") == "elicitation/create":
                    started = time.monotonic()
                    proc.send_signal(signal.SIGINT)  # the person has not answered
            out, err = proc.communicate(timeout=15)
            seconds = time.monotonic() - started
        for sock in idle:
            sock.close()
        for client in (keep_alive, sessions, stream):
            client.close()
    assert proc.returncode == 0, err
    # About 0.7 s on an idle machine; waiting for the open streams would take the period.
    assert seconds < GRACEFUL_SHUTDOWN_SECONDS
    assert "Traceback" not in err + out
    result = events[-1]["result"]
    assert result["isError"] is True
    assert result["content"][0]["text"] == STOPPING
    assert [r for r in togai_sandbox.requests if r.method == "DELETE"] == []
