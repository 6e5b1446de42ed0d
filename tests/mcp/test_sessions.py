"""MCP sessions over HTTP (the default): the Python SDK's plain ``ClientSession`` gets the delete
confirmation; sessions expire, are capped, end on DELETE, answer 404 when unknown, and serve only
the caller that opened them. (The TypeScript SDK and HAProxy: tests/interop.)"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from _server_support import asgi_in_thread
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_app, create_mcp_server
from togai_customers_server.mcp._confirm import REFUSED
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._mcp_support import Person, text_of

URL = "http://127.0.0.1:9090/mcp"
MCP = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
SDK_LOGGER = "mcp.server.streamable_http_manager"


def _initialize(capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
    params = {
        "protocolVersion": "2025-11-25",
        "capabilities": capabilities or {},
        "clientInfo": {"name": "by-hand", "version": "1"},
    }
    return {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}


def _call(name: str, arguments: dict[str, Any], request_id: int = 2) -> dict[str, Any]:
    params = {"name": name, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


PING = {"jsonrpc": "2.0", "id": 7, "method": "ping"}


def _messages(response: httpx2.Response) -> list[dict[str, Any]]:
    """The JSON-RPC messages of an SSE (or JSON) answer."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return [response.json()]
    return [
        json.loads(line[len("data: ") :])
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]


class Endpoint:
    """Raw HTTP on the MCP app in process (its session manager running), no sockets."""

    def __init__(self, http: httpx2.AsyncClient) -> None:
        self.http = http

    async def open(self, headers: dict[str, str] | None = None) -> tuple[int, str | None]:
        """initialize: (status, session id)."""
        r = await self.http.post(URL, json=_initialize(), headers=MCP | (headers or {}))
        return r.status_code, r.headers.get("mcp-session-id")

    async def send(
        self, session: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx2.Response:
        extra = {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
        return await self.http.post(URL, json=body, headers=MCP | extra | (headers or {}))

    async def end(self, session: str, headers: dict[str, str] | None = None) -> int:
        extra = {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"}
        r = await self.http.delete(URL, headers=MCP | extra | (headers or {}))
        return r.status_code


@asynccontextmanager
async def _endpoint(options: ServeOptions, client: AsyncTogaiCustomers) -> AsyncIterator[Endpoint]:
    server = create_mcp_server(options, client=client)
    app = create_mcp_app(options, server=server)
    async with server.session_manager.run():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, timeout=10.0) as http:
            yield Endpoint(http)


# The Python SDK's ClientSession, as the tutorials use it --------------------------------------


async def test_plain_client_session_is_asked_and_deletes_on_accept(
    togai_sandbox_url: str, togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """``ClientSession`` over ``streamable_http_client`` (2025-11-25): the question comes on the
    call's stream; decline keeps the customer, accept deletes it (one DELETE upstream)."""
    for customer_id in ("keep-me", "drop-me"):
        await togai_async_client.create_customer(
            id=customer_id, name=f"Name {customer_id}", primary_email="b@x.io", address={}
        )
    person = Person()
    app = create_mcp_app(ServeOptions(base_url=togai_sandbox_url, api_key="test"))
    with asgi_in_thread(app) as base:
        async with (
            streamable_http_client(base + "/mcp") as (read, write),
            ClientSession(read, write, elicitation_callback=person) as session,
        ):
            init = await session.initialize()
            assert init.protocol_version == "2025-11-25"
            person.answer = "decline"
            declined = await session.call_tool("delete-customer", {"customer_id": "keep-me"})
            person.answer = "accept"
            accepted = await session.call_tool("delete-customer", {"customer_id": "drop-me"})
    assert declined.is_error
    assert text_of(declined) == REFUSED["decline"]
    assert not accepted.is_error, text_of(accepted)
    assert accepted.structured_content == {"success": True}
    assert [q.message.split("?")[0] for q in person.questions] == [
        "Delete customer Name keep-me (id keep-me, primary email b@x.io)",
        "Delete customer Name drop-me (id drop-me, primary email b@x.io)",
    ]
    deletes = [r.path for r in togai_sandbox.requests if r.method == "DELETE"]
    assert deletes == ["/customers/drop-me"]
    assert [c.id async for c in togai_async_client.list_customers()] == ["keep-me"]


async def test_a_2026_call_opens_no_session_on_a_server_with_sessions(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """Sessions on (the default): a 2026-07-28 tools/call (docs/mcp.md's curl) is answered with
    no Mcp-Session-Id, so a balancer has nothing to stick to. A 2025-11-25 call without a session
    is 400 (it must initialize first); the id the SDK's answer names was never kept (404)."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = _call("list-customers", {"page_size": 5})
    modern = {
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "list-customers",
    }
    async with _endpoint(ServeOptions(), togai_async_client) as mcp:
        answers = [
            await mcp.http.post(
                URL, json=body | {"params": body["params"] | {"_meta": meta}}, headers=MCP | modern
            )
            for _ in range(2)
        ]
        legacy = await mcp.http.post(URL, json=body, headers=MCP)
        named = await mcp.send(legacy.headers.get("mcp-session-id", "none"), PING)
    assert [r.status_code for r in answers] == [200, 200]
    assert [r.headers.get("mcp-session-id") for r in answers] == [None, None]
    (result,) = [m["result"] for m in _messages(answers[0]) if "result" in m]
    assert result["structuredContent"]["data"] == []
    assert legacy.status_code == 400
    assert _messages(legacy)[0]["error"]["message"] == "Bad Request: Missing session ID"
    assert named.status_code == 404


# Bounds: expiry, the cap, DELETE, unknown ids ------------------------------------------------


@pytest.mark.waits
async def test_an_idle_session_expires_and_a_used_one_does_not(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """--session-idle: a session used every 0.1 s outlives the idle time; left idle, its id
    answers 404 and a new initialize opens another."""
    async with _endpoint(ServeOptions(session_idle=0.5), togai_async_client) as mcp:
        (_, used), (_, left) = await mcp.open(), await mcp.open()
        assert used
        assert left
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            assert (await mcp.send(used, PING)).status_code == 200
            await anyio.sleep(0.1)
        expired = await mcp.send(left, PING)
        await anyio.sleep(1.0)
        after_idle = await mcp.send(used, PING)
        status, fresh = await mcp.open()
        assert status == 200
        assert fresh not in (used, left)
        assert (await mcp.send(fresh, PING)).status_code == 200
    assert expired.status_code == 404
    assert after_idle.status_code == 404
    assert _messages(expired)[0]["error"]["message"] == "Session not found"


class SlowPerson(Person):
    """A person who takes ``seconds`` to answer."""

    def __init__(self, seconds: float) -> None:
        super().__init__("accept")
        self.seconds = seconds

    async def __call__(self, ctx: Any, params: Any) -> Any:
        await anyio.sleep(self.seconds)
        return await super().__call__(ctx, params)


@pytest.mark.waits
async def test_a_question_waiting_longer_than_the_idle_time_keeps_its_session(
    togai_sandbox_url: str, togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """--session-idle 0.5 and a person who takes 1.5 s to accept: the waiting call counts as a
    request, so the session outlives it, the delete goes through and the session still works."""
    await togai_async_client.create_customer(
        id="slow", name="Slow Inc", primary_email="b@x.io", address={}
    )
    person = SlowPerson(1.5)
    options = ServeOptions(base_url=togai_sandbox_url, api_key="test", session_idle=0.5)
    with asgi_in_thread(create_mcp_app(options)) as base:
        async with (
            streamable_http_client(base + "/mcp") as (read, write),
            ClientSession(read, write, elicitation_callback=person) as session,
        ):
            await session.initialize()
            deleted = await session.call_tool("delete-customer", {"customer_id": "slow"})
            after = await session.call_tool("list-customers", {})
    assert not deleted.is_error, text_of(deleted)
    assert deleted.structured_content == {"success": True}
    assert not after.is_error, text_of(after)
    assert [r.path for r in togai_sandbox.requests if r.method == "DELETE"] == ["/customers/slow"]


async def test_the_cap_refuses_new_sessions_until_one_ends(
    togai_async_client: AsyncTogaiCustomers, caplog: pytest.LogCaptureFixture
) -> None:
    """--max-sessions 3: a 4th initialize is 503 (nothing kept); DELETE /mcp ends one, which
    makes room for exactly one more; the ids are distinct random (version 4) UUIDs in hex."""
    caplog.set_level(logging.WARNING, logger=SDK_LOGGER)
    async with _endpoint(ServeOptions(max_sessions=3), togai_async_client) as mcp:
        opened = [await mcp.open() for _ in range(3)]
        flood = [await mcp.open() for _ in range(20)]
        ended = await mcp.end(opened[0][1] or "")
        gone = await mcp.send(opened[0][1] or "", PING)
        again = [await mcp.open() for _ in range(2)]
        still = [(await mcp.send(sid or "", PING)).status_code for _, sid in opened[1:]]
    assert [status for status, _ in opened] == [200, 200, 200]
    assert {status for status, _ in flood} == {503}
    assert {sid for _, sid in flood} == {None}
    assert (ended, gone.status_code) == (200, 404)
    assert [status for status, _ in again] == [200, 503]
    assert still == [200, 200]
    ids = [sid for _, sid in opened] + [again[0][1]]
    assert len(set(ids)) == 4
    assert all(
        sid is not None and len(sid) == 32 and uuid.UUID(hex=sid).version == 4 for sid in ids
    )
    assert "Refusing to open a new session" in caplog.text


async def test_an_unknown_session_id_is_404_and_nothing_runs(
    togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """A made-up or malformed Mcp-Session-Id: 404 with a JSON-RPC error, for a call and a
    DELETE alike; nothing reaches Togai."""
    async with _endpoint(ServeOptions(), togai_async_client) as mcp:
        answers = [
            await mcp.send(sid, _call("list-customers", {}))
            for sid in ("0" * 32, "not-a-session", "x" * 300)
        ]
        deleted = await mcp.end("0" * 32)
    assert [r.status_code for r in answers] == [404, 404, 404]
    assert all(_messages(r)[0]["error"]["message"] == "Session not found" for r in answers)
    assert deleted == 404
    assert togai_sandbox.requests == []


# Bound to the caller -------------------------------------------------------------------------


class KeyRecorder(httpx.AsyncBaseTransport):
    """In front of a sandbox taking any key: which bearer token reached it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.inner = SandboxTransport(sandbox)
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("authorization", ""))
        return await self.inner.handle_async_request(request)


async def test_forward_auth_session_serves_only_its_callers_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """--forward-auth: a session opened with key A answers 404 to key B and to no key (a call,
    a DELETE), is logged, never served; A keeps using it. No key appears in any log."""
    caplog.set_level(logging.INFO)
    a = {"Authorization": "Bearer key-alice-0001"}
    b = {"Authorization": "Bearer key-bob-0002"}
    with Sandbox() as sandbox:
        recorder = KeyRecorder(sandbox)
        upstream = AsyncTogaiCustomers("unused", http_client=httpx.AsyncClient(transport=recorder))
        async with _endpoint(ServeOptions(forward_auth=True), upstream) as mcp:
            status, session = await mcp.open(a)
            assert status == 200
            assert session
            listing = _call("list-customers", {})
            hijacks = [
                await mcp.send(session, listing, b),
                await mcp.send(session, listing),
                await mcp.send(session, listing, {"Authorization": "Bearer key-alice-0001x"}),
            ]
            ended = await mcp.end(session, b)
            own = await mcp.send(session, listing, a)
        await upstream.aclose()
    assert [r.status_code for r in hijacks] == [404, 404, 404]
    assert ended == 404
    assert own.status_code == 200
    (result,) = [m["result"] for m in _messages(own) if "result" in m]
    assert result["structuredContent"]["data"] == []
    assert recorder.keys == ["Bearer key-alice-0001"]  # only A's own call went upstream
    refusals = [
        r
        for r in caplog.records
        if r.name == SDK_LOGGER
        and r.levelno == logging.WARNING
        and "credential does not match" in r.getMessage()
    ]
    assert len(refusals) == 4
    assert "key-alice" not in caplog.text
    assert "key-bob" not in caplog.text


async def test_server_token_session_refuses_another_token_first(
    togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """--server-token: a request for a session with another token is 401 before the session is
    looked at; the token's own caller keeps the session."""
    good = {"Authorization": "Bearer the-server-token"}
    async with _endpoint(ServeOptions(server_token="the-server-token"), togai_async_client) as mcp:
        status, session = await mcp.open(good)
        assert status == 200
        assert session
        wrong = await mcp.send(
            session, _call("list-customers", {}), {"Authorization": "Bearer guess"}
        )
        none = await mcp.send(session, _call("list-customers", {}))
        own = await mcp.send(session, _call("list-customers", {}), good)
    assert (wrong.status_code, none.status_code, own.status_code) == (401, 401, 200)
    assert [r.method for r in togai_sandbox.requests] == ["GET"]


class OAuthStandIn:
    """What the SDK's BearerAuthBackend does (issue 21): the verified token's user in the scope.
    Here the subject is simply the ``X-Test-Subject`` header."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            subject = dict(scope["headers"]).get(b"x-test-subject", b"").decode()
            token = AccessToken(token="opaque", client_id="app", scopes=[], subject=subject)
            scope = {**scope, "user": AuthenticatedUser(token)}
        await self.app(scope, receive, send)


async def test_a_user_put_in_the_scope_by_an_oauth_layer_binds_by_its_subject(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """An AuthenticatedUser already in the scope is kept (not replaced by the bearer's
    fingerprint): the same bearer with another token subject cannot use the session."""
    options = ServeOptions(forward_auth=True)
    server = create_mcp_server(options, client=togai_async_client)
    app = OAuthStandIn(create_mcp_app(options, server=server))
    bearer = {"Authorization": "Bearer shared-bearer"}
    async with server.session_manager.run():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, timeout=10.0) as http:
            mcp = Endpoint(http)
            _, session = await mcp.open(bearer | {"X-Test-Subject": "alice"})
            assert session
            other = await mcp.send(session, PING, bearer | {"X-Test-Subject": "mallory"})
            own = await mcp.send(session, PING, bearer | {"X-Test-Subject": "alice"})
    assert (other.status_code, own.status_code) == (404, 200)
