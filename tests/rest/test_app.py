"""The app factory: probes, lifespan-owned client, env configuration, access log, request ids."""

from __future__ import annotations

import logging

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app, options_from_env
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._rest_support import MakeApi, customer_body, sandbox_client, scripted_client


def test_health_makes_no_upstream_call(api: TestClient[Litestar], togai_sandbox: Sandbox) -> None:
    """GET /health answers 200 without touching the upstream."""
    r = api.get("/health")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    assert togai_sandbox.requests == []


def test_ready_checks_upstream_with_one_cheap_call(
    api: TestClient[Litestar], togai_sandbox: Sandbox
) -> None:
    """GET /ready answers 200 after one list call of page size 1."""
    r = api.get("/ready")
    assert (r.status_code, r.json()) == (200, {"status": "ready"})
    assert [q.path for q in togai_sandbox.requests] == ["/customers"]


@pytest.mark.parametrize("fault", ["503", "drop-before"])
def test_ready_is_503_when_upstream_is_down(
    api: TestClient[Litestar], togai_sandbox: Sandbox, fault: str
) -> None:
    """An upstream 5xx or an unreachable upstream makes /ready answer 503, without retrying."""
    togai_sandbox.fail_next(fault)
    r = api.get("/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    assert len(togai_sandbox.requests) == 1


def test_ready_counts_a_rejected_key_as_reachable(make_api: MakeApi) -> None:
    """Forward-auth servers hold no key: an upstream 401 still proves the upstream is up."""
    with Sandbox(api_key="tenant") as sandbox:
        api = make_api(ServeOptions(forward_auth=True), client=sandbox_client(sandbox))
        assert api.get("/ready").status_code == 200


def test_request_id_passes_through(api: TestClient[Litestar], togai_sandbox: Sandbox) -> None:
    """The upstream X-Request-Id is the answer's X-Request-Id, for successes and errors."""
    ok = api.post("/v1/customers", json=customer_body())
    missing = api.get("/v1/customers/nope")
    ids = [q.request_id for q in togai_sandbox.requests]
    assert [ok.headers["x-request-id"], missing.headers["x-request-id"]] == ids


def test_access_log_one_line_per_request(
    make_api: MakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    """Each request logs one line with method, path, status and request id, and no token."""
    api = make_api(ServeOptions(server_token="tok-secret"))
    caplog.set_level(logging.INFO, logger="togai_customers_server.rest")
    auth = {"Authorization": "Bearer tok-secret"}
    api.post("/v1/customers", json=customer_body(), headers=auth)
    api.get("/v1/customers?pageSize=2", headers=auth)
    api.get("/v1/customers")
    lines = [r.getMessage() for r in caplog.records if r.name == "togai_customers_server.rest"]
    assert len(lines) == 3
    assert lines[0].startswith("POST /v1/customers 201 ")
    assert "request_id=req_" in lines[0]
    assert lines[1].startswith("GET /v1/customers 200 ")
    assert lines[2].startswith("GET /v1/customers 401 ")
    assert "tok-secret" not in caplog.text


def test_passed_in_client_is_not_closed(togai_sandbox: Sandbox) -> None:
    """A client given to the factory belongs to the caller: shutdown leaves it open."""
    http = httpx.AsyncClient(transport=SandboxTransport(togai_sandbox))
    client = AsyncTogaiCustomers(api_key="test", http_client=http)
    with TestClient(create_rest_app(ServeOptions(), client=client)) as api:
        assert api.get("/v1/customers").status_code == 200
    assert not http.is_closed


def test_owned_client_over_http_lifecycle(togai_sandbox_url: str, togai_sandbox: Sandbox) -> None:
    """Without a client the app builds one from options at startup (real HTTP) and closes it."""
    app = create_rest_app(ServeOptions(api_key="k", base_url=togai_sandbox_url, max_retries=0))
    state = app.state["togai_rest"]
    assert state.client is None
    with TestClient(app) as api:
        assert api.post("/v1/customers", json=customer_body()).status_code == 201
        assert state.client is not None
        http = state.client._http
    assert state.client is None
    assert http.is_closed
    assert togai_sandbox.requests[-1].status == 201


def test_zero_argument_factory_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, togai_sandbox_url: str
) -> None:
    """create_rest_app() (uvicorn --factory) takes key, base URL and server token from TOGAI_*."""
    monkeypatch.setenv("TOGAI_API_KEY", "k")
    monkeypatch.setenv("TOGAI_BASE_URL", togai_sandbox_url)
    monkeypatch.setenv("TOGAI_SERVER_TOKEN", "tok")
    with TestClient(create_rest_app()) as api:
        assert api.get("/v1/customers").status_code == 401
        r = api.get("/v1/customers", headers={"Authorization": "Bearer tok"})
        assert r.status_code == 200, r.text


def test_options_from_env_parses_every_variable() -> None:
    """All TOGAI_* settings are read, with types converted."""
    env = {
        "TOGAI_API_KEY": "k",
        "TOGAI_BASE_URL": "http://127.0.0.1:4010",
        "TOGAI_FORWARD_AUTH": "yes",
        "TOGAI_TIMEOUT": "2.5",
        "TOGAI_MAX_RETRIES": "0",
    }
    options = options_from_env(env)
    assert (options.api_key, options.base_url, options.forward_auth) == (
        "k",
        "http://127.0.0.1:4010",
        True,
    )
    assert (options.timeout, options.max_retries, options.server_token) == (2.5, 0, None)


@pytest.mark.parametrize(
    ("name", "value"), [("TOGAI_FORWARD_AUTH", "maybe"), ("TOGAI_TIMEOUT", "soon")]
)
def test_options_from_env_names_a_bad_variable(name: str, value: str) -> None:
    """A malformed variable is refused with its name."""
    with pytest.raises(ValueError, match=name):
        options_from_env({name: value})


def test_factory_without_any_key_is_refused() -> None:
    """No key, no client and no forward-auth: refused at creation, not at the first request."""
    with pytest.raises(ValueError, match="TOGAI_API_KEY"):
        create_rest_app(ServeOptions())


def test_forward_auth_factory_needs_no_server_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forward-auth mode starts without any server key and sends none upstream."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"data": []})

    api_client = scripted_client(handler)
    app = create_rest_app(ServeOptions(forward_auth=True), client=api_client)
    with TestClient(app) as api:
        api.get("/v1/customers", headers={"Authorization": "Bearer caller-key"})
    assert seen == ["Bearer caller-key"]
