"""Inbound auth: the server token guards /v1; forward-auth uses each caller's own Togai key."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox

from ._rest_support import MakeApi, customer_body, sandbox_client, scripted_client

TOKEN = "server-token-123"


@pytest.fixture
def guarded(make_api: MakeApi) -> TestClient[Litestar]:
    """The app with a server token."""
    client: TestClient[Litestar] = make_api(ServeOptions(server_token=TOKEN))
    return client


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
    ids=["none", "wrong", "no-scheme", "basic"],
)
def test_server_token_required_on_v1(
    guarded: TestClient[Litestar], togai_sandbox: Sandbox, headers: dict[str, str]
) -> None:
    """Without 'Bearer <server token>' every /v1 call (even an unknown one) answers 401."""
    for path in ("/v1/customers", "/v1/customers/acme", "/v1/unknown"):
        r = guarded.get(path, headers=headers)
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert togai_sandbox.requests == []


def test_server_token_accepted(guarded: TestClient[Litestar]) -> None:
    """The right server token gets through to the upstream."""
    r = guarded.post(
        "/v1/customers", json=customer_body(), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 201, r.text


def test_probes_and_docs_need_no_token(guarded: TestClient[Litestar]) -> None:
    """/health, /ready and /schema stay open for load balancers and readers."""
    for path in ("/health", "/ready", "/schema/openapi.json"):
        assert guarded.get(path).status_code == 200, path


def test_forward_auth_needs_a_bearer_token(make_api: MakeApi, togai_sandbox: Sandbox) -> None:
    """In forward-auth mode a /v1 call without a bearer token answers 401 and goes nowhere."""
    api = make_api(ServeOptions(forward_auth=True))
    r = api.get("/v1/customers")
    assert r.status_code == 401
    assert "bearer token" in r.json()["message"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    invalid_body = api.post("/v1/customers", content=b"{")
    assert invalid_body.status_code == 401  # authentication comes before validation
    assert togai_sandbox.requests == []


def test_forward_auth_uses_the_callers_key() -> None:
    """The caller's bearer token is the Togai key: the right one works, another gets 401."""
    with Sandbox(api_key="tenant-key") as sandbox:
        app = create_rest_app(
            ServeOptions(forward_auth=True), client=sandbox_client(sandbox, api_key="unused")
        )
        with TestClient(app) as api:
            ok = api.get("/v1/customers", headers={"Authorization": "Bearer tenant-key"})
            bad = api.get("/v1/customers", headers={"Authorization": "Bearer other-key"})
    assert ok.status_code == 200, ok.text
    assert (bad.status_code, bad.json()["message"]) == (401, "Invalid API key")


async def test_interleaved_callers_keys_never_mix() -> None:
    """Concurrent callers with different keys: each upstream call carries its caller's key."""

    async def handler(request: httpx.Request) -> httpx.Response:
        key = request.headers["authorization"].removeprefix("Bearer ")
        await asyncio.sleep(0.001)  # let the other callers' requests interleave
        return httpx.Response(200, json={"data": [], "nextToken": f"seen-{key}"})

    app = create_rest_app(ServeOptions(forward_auth=True), client=scripted_client(handler))
    async with AsyncTestClient(app=app) as api:

        async def call(key: str) -> str:
            r = await api.get("/v1/customers", headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 200, r.text
            return str(r.json()["nextToken"])

        keys = [f"key-{n % 2}-{n}" for n in range(40)]
        seen = await asyncio.gather(*(call(k) for k in keys))
    assert seen == [f"seen-{k}" for k in keys]


def test_forward_auth_and_server_token_cannot_combine() -> None:
    """Both modes use the Authorization header, so asking for both is refused at creation."""
    with pytest.raises(ValueError, match="cannot be combined"):
        create_rest_app(ServeOptions(forward_auth=True, server_token=TOKEN))


def test_upstream_key_never_in_answers_or_logs(
    make_api: MakeApi, togai_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's Togai key never shows in any answer or log line, errors included."""
    secret = "sk-live-very-secret"
    api = make_api(client=sandbox_client(togai_sandbox, api_key=secret))
    caplog.set_level(logging.DEBUG)
    togai_sandbox.fail_next("500")
    answers = [
        api.get("/v1/customers"),
        api.post("/v1/customers", json=customer_body()),
        api.get("/v1/customers/missing"),
        api.post("/v1/customers", content=b"{"),
        api.get("/ready"),
        api.get("/schema/openapi.json"),
    ]
    text = "\n".join(r.text + json.dumps(dict(r.headers)) for r in answers)
    assert secret not in text
    assert secret not in caplog.text


@pytest.mark.parametrize("path", ["//v1/customers", "///v1/customers/acme", "//v1//customers"])
def test_server_token_guards_doubled_slash_spellings(
    guarded: TestClient[Litestar], togai_sandbox: Sandbox, path: str
) -> None:
    """A path the router reaches /v1 by, with doubled slashes, needs the server token too."""
    # A URL, not a string: httpx reads "//v1/..." as a host ("v1") and a path.
    r = guarded.get(httpx.URL("http://testserver").copy_with(raw_path=path.encode()))
    assert r.status_code == 401, (path, r.text)
    assert togai_sandbox.requests == []
