"""``togai-customers serve --sandbox`` as a real process: REST + MCP + sandbox, one shared state."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
from _server_support import cli_process
from _server_support import stop as stop_process
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from togai_customers_server.sandbox import Sandbox
from togai_customers_server.serve import GRACEFUL_SHUTDOWN_SECONDS

from ._serve_support import free_ports, rest_client, serve_process, wait_until_listening


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    code, out, err, _ = stop_process(proc)
    return code, out, err


CUSTOMER = {
    "id": "acme-corp",
    "name": "Acme Corp",
    "primaryEmail": "billing@acme.com",
    "address": {"city": "Austin", "country": "US"},
}


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str, float]:
    started = time.monotonic()
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=15)
    return proc.returncode, out, time.monotonic() - started


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _open_session(url: str, headers: dict[str, str]) -> dict[str, str]:
    """A 2025-11-25 session opened by hand; the headers naming it (without the credential)."""
    params = {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "by-hand", "version": "1"},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    opened = httpx2.post(url, json=body, headers=MCP_HEADERS | headers, timeout=10.0)
    assert opened.status_code == 200, opened.text
    return MCP_HEADERS | {
        "Mcp-Session-Id": opened.headers["mcp-session-id"],
        "MCP-Protocol-Version": "2025-11-25",
    }


@contextmanager
def _serve_sandbox(*flags: str) -> Iterator[tuple[subprocess.Popen[str], int, int]]:
    """``serve --sandbox FLAGS`` on free ports, once all three listen; yields (the process, its
    REST port, its MCP port)."""
    rest, mcp_port, sandbox = free_ports(3)
    with serve_process(
        "--sandbox", "--rest-port", str(rest), "--mcp-port", str(mcp_port),
        "--sandbox-port", str(sandbox), *flags,
    ) as proc:  # fmt: skip
        for port in (rest, mcp_port, sandbox):
            wait_until_listening(port, proc)
        yield proc, rest, mcp_port


async def test_serve_sandbox_shares_state_between_rest_and_mcp() -> None:
    """A customer created over REST is visible over MCP; SIGINT exits 0 within seconds."""
    with _serve_sandbox() as (proc, rest, mcp_port):
        with rest_client(rest) as http:
            created = http.post("/v1/customers", json=CUSTOMER)
            assert created.status_code == 201, created.text
            assert http.get("/schema").status_code == 200
        async with (
            httpx2.AsyncClient(timeout=10.0) as http2,
            Client(
                streamable_http_client(f"http://127.0.0.1:{mcp_port}/mcp", http_client=http2)
            ) as agent,
        ):
            result = await agent.call_tool("get-customer", {"customer_id": "acme-corp"})
            assert not result.is_error
            assert result.structured_content is not None
            assert result.structured_content["primaryEmail"] == "billing@acme.com"
            made = await agent.call_tool(
                "create-customer",
                {"id": "via-mcp", "name": "Via MCP", "primary_email": "m@x.io", "address": {}},
            )
            assert not made.is_error
        with rest_client(rest) as http:
            ids = [c["id"] for c in http.get("/v1/customers").json()["data"]]
        assert ids == ["acme-corp", "via-mcp"]
        code, out, seconds = _stop(proc, signal.SIGINT)
    assert code == 0
    assert seconds < 5
    assert f"http://127.0.0.1:{rest}/schema" in out
    assert f"http://127.0.0.1:{mcp_port}/mcp" in out


async def test_serve_with_a_server_token_guards_both_surfaces() -> None:
    """--server-token: REST and MCP answer 401 without it and work with it; a session's id sent
    with another token (or none) is 401 and logged, neither token shown; SIGTERM with the
    session still open exits 0 without waiting out the graceful period."""
    token = "tok-" + "x" * 20
    with _serve_sandbox("--server-token", token) as (proc, rest, mcp_port):
        with rest_client(rest) as http:
            assert http.get("/v1/customers").status_code == 401
        with rest_client(rest, token) as http:
            assert http.get("/v1/customers").status_code == 200
        async with httpx2.AsyncClient(timeout=10.0) as http2:
            refused = await http2.post(
                f"http://127.0.0.1:{mcp_port}/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"Accept": "application/json, text/event-stream"},
            )
        assert refused.status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(timeout=10.0, headers=headers) as http2,
            Client(
                streamable_http_client(f"http://127.0.0.1:{mcp_port}/mcp", http_client=http2)
            ) as agent,
        ):
            assert len((await agent.list_tools()).tools) == 6
        url = f"http://127.0.0.1:{mcp_port}/mcp"
        session = _open_session(url, headers)
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        stolen = [
            httpx2.post(url, json=ping, headers=session | extra, timeout=10.0).status_code
            for extra in ({"Authorization": "Bearer tok-guessed-0000"}, {}, headers)
        ]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)  # the session is still open
        out, err = proc.communicate(timeout=15)
        seconds = time.monotonic() - started
    assert stolen == [401, 401, 200]
    assert proc.returncode == 0, err
    assert seconds < GRACEFUL_SHUTDOWN_SECONDS
    refusals = [line for line in err.splitlines() if "Refused a request for MCP session" in line]
    assert len(refusals) == 2, err
    assert all(line.startswith("WARNING: ") for line in refusals)
    assert session["Mcp-Session-Id"] not in err  # a prefix names it, not the whole id
    assert session["Mcp-Session-Id"][:8] in refusals[0]
    for secret in (token, "tok-guessed"):
        assert secret not in out + err


async def test_serve_read_only_guards_both_surfaces(
    togai_sandbox_url: str, togai_sandbox: Sandbox
) -> None:
    """serve --read-only: REST writes 403, MCP lists only reads (TOGAI_READ_ONLY=1 gives the
    same options: tests/serve/test_options.py)."""
    rest, mcp_port = free_ports(2)
    args = ["--base-url", togai_sandbox_url, "--api-key", "test", "serve", "--read-only"]
    args += ["--rest-port", str(rest), "--mcp-port", str(mcp_port)]
    with cli_process(*args) as proc:
        wait_until_listening(rest, proc)
        wait_until_listening(mcp_port, proc)
        with rest_client(rest) as http:
            refused = http.post("/v1/customers", json=CUSTOMER)
            listed = http.get("/v1/customers")
        async with (
            httpx2.AsyncClient(timeout=10.0) as http2,
            Client(
                streamable_http_client(f"http://127.0.0.1:{mcp_port}/mcp", http_client=http2)
            ) as agent,
        ):
            names = [t.name for t in (await agent.list_tools()).tools]
            denied = await agent.call_tool("delete-customer", {"customer_id": "acme-corp"})
        code, out, err = stop(proc)
    assert refused.status_code == 403
    assert "--read-only" in refused.json()["message"]
    assert listed.status_code == 200
    assert names == ["list-customers", "get-customer"]
    assert denied.is_error
    assert [r.method for r in togai_sandbox.requests] == ["GET"]
    assert "Read-only    yes" in out
    assert code == 0, err


def test_ctrl_c_twice_stops_at_once_without_a_traceback() -> None:
    """A second SIGINT forces the stop: exit 0 within seconds, and nothing but the banner
    printed (no traceback from the apps' lifespans)."""
    with _serve_sandbox() as (proc, _, _):
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
        seconds = time.monotonic() - started
    assert proc.returncode == 0, err
    assert seconds < 5
    assert "Traceback" not in err
    assert "ERROR" not in err
