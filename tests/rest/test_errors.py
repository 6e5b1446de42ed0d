"""Upstream failures map to clean answers: 4xx as is, 429 + Retry-After, 502, 504, no trace."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox

from ._rest_support import MakeApi, customer_body, sandbox_client, scripted_client


@pytest.mark.parametrize("fault", ["500", "503", "drop-before"])
def test_upstream_failure_becomes_502(
    make_api: MakeApi, togai_sandbox: Sandbox, fault: str
) -> None:
    """An upstream 500/503 or a connection that cannot be made answers 502 with a message."""
    api = make_api(client=sandbox_client(togai_sandbox))
    togai_sandbox.fail_next(fault)
    r = api.get("/v1/customers")
    assert r.status_code == 502, r.text
    assert r.json()["message"].startswith(("Upstream error", "Upstream unreachable"))
    assert "Traceback" not in r.text


def test_upstream_5xx_keeps_request_id(make_api: MakeApi, togai_sandbox: Sandbox) -> None:
    """The 502 answer carries the upstream X-Request-Id of the failed call."""
    api = make_api(client=sandbox_client(togai_sandbox))
    togai_sandbox.fail_next("500")
    r = api.get("/v1/customers")
    assert r.status_code == 502
    assert r.headers["x-request-id"] == togai_sandbox.requests[-1].request_id


def test_retries_hide_one_transient_failure(
    api: TestClient[Litestar], togai_sandbox: Sandbox
) -> None:
    """With the SDK's default retries, a single upstream 503 is invisible to the caller."""
    togai_sandbox.fail_next("503")
    r = api.get("/v1/customers")
    assert r.status_code == 200, r.text
    assert [q.status for q in togai_sandbox.requests] == [503, 200]


@pytest.mark.parametrize(
    "exc",
    [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy")],
    ids=["read", "connect", "pool"],
)
def test_upstream_timeout_becomes_504(make_api: MakeApi, exc: httpx.TimeoutException) -> None:
    """Any upstream timeout answers 504."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    r = make_api(client=scripted_client(handler)).get("/v1/customers/acme")
    assert r.status_code == 504, r.text
    assert r.json()["message"].startswith("Upstream timeout")


def test_rate_limit_passes_429_and_retry_after() -> None:
    """An upstream 429 answers 429 with the upstream's Retry-After."""
    with Sandbox(rate_limit=1.0, retry_after=True, clock=lambda: 0.0) as sandbox:
        app_client = sandbox_client(sandbox, max_retries=2)
        with TestClient(create_rest_app(ServeOptions(), client=app_client)) as api:
            assert api.get("/v1/customers").status_code == 200
            r = api.get("/v1/customers")
    assert r.status_code == 429, r.text
    assert r.headers["retry-after"] == "1"
    assert "Too many requests" in r.json()["message"]
    assert [q.status for q in sandbox.requests] == [200, 429, 429, 429]


@pytest.mark.parametrize(
    ("status", "message"),
    [(400, "bad cursor"), (403, "not yours"), (409, "exists"), (422, "cannot"), (418, "teapot")],
)
def test_upstream_4xx_passes_status_and_message(
    make_api: MakeApi, status: int, message: str
) -> None:
    """An upstream 4xx answers the same status with the upstream's message."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": message}, headers={"X-Request-Id": "up-1"})

    r = make_api(client=scripted_client(handler)).get("/v1/customers/acme")
    assert (r.status_code, r.json()) == (status, {"message": message})
    assert r.headers["x-request-id"] == "up-1"


def test_upstream_conflict_from_sandbox(api: TestClient[Litestar]) -> None:
    """Creating an existing id answers the sandbox's 409 and message."""
    assert api.post("/v1/customers", json=customer_body("acme")).status_code == 201
    r = api.post("/v1/customers", json=customer_body("acme"))
    assert r.status_code == 409
    assert "acme" in r.json()["message"]


def test_upstream_rejecting_the_key_answers_401(make_api: MakeApi) -> None:
    """A server key the upstream rejects answers 401 with the upstream's message."""
    with Sandbox(api_key="the-real-key") as sandbox:
        r = make_api(client=sandbox_client(sandbox, api_key="wrong")).get("/v1/customers")
    assert (r.status_code, r.json()["message"]) == (401, "Invalid API key")


def test_nonsense_upstream_body_becomes_502(make_api: MakeApi) -> None:
    """A 200 whose body does not match the schema answers 502, not a half-parsed result."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": 5})

    r = make_api(client=scripted_client(handler)).get("/v1/customers/acme")
    assert r.status_code == 502
    assert "unexpected response body" in r.json()["message"]


def test_unexpected_exception_is_a_plain_500(make_api: MakeApi) -> None:
    """A bug answers 500 with a generic message: no traceback, no exception text."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("secret internals")

    r = make_api(client=scripted_client(handler)).get("/v1/customers/acme")
    assert (r.status_code, r.json()) == (500, {"message": "Internal server error."})


def test_unknown_route_and_method_use_the_error_shape(api: TestClient[Litestar]) -> None:
    """Litestar's own 404/405 answers have the same {"message"} shape (405 keeps Allow)."""
    missing = api.get("/v1/nothing")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    wrong = api.put("/v1/customers/acme")
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) >= {"GET", "PATCH", "DELETE"}
    assert wrong.json() == {"message": "Method Not Allowed"}
