"""The retry policy: what is retried for which operation, how often, and how long it waits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from _sdk_support import FakeClock, Script, customer_json, resolve

from togai_customers import (
    APIConnectionError,
    APITimeoutError,
    AsyncTogaiCustomers,
    BadRequestError,
    ConflictError,
    CreateCustomerResponse,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    default_clock,
)

NEW_CUSTOMER = {
    "id": "c1",
    "name": "Acme Corp",
    "primary_email": "billing@acme.com",
    "address": {"line1": "1 Main St", "city": "Springfield", "country": "US"},
}
CONTACT = {"name": "Jane Doe", "email": "jane@acme.com"}

# Every operation, with arguments, and a valid success response for it.
OPS: dict[str, tuple[Callable[[Any], Any], Callable[[], httpx.Response]]] = {
    "create_customer": (
        lambda c: c.create_customer(**NEW_CUSTOMER),
        lambda: httpx.Response(
            201,
            json={
                "id": "c1",
                "togaiCustomerId": "t1",
                "name": "Acme Corp",
                "primaryEmail": "billing@acme.com",
            },
        ),
    ),
    "list_customers": (
        lambda c: c.list_customers(),
        lambda: httpx.Response(200, json={"data": [customer_json()]}),
    ),
    "get_customer": (
        lambda c: c.get_customer("c1"),
        lambda: httpx.Response(200, json=customer_json()),
    ),
    "update_customer": (
        lambda c: c.update_customer("c1", name="New Name"),
        lambda: httpx.Response(200, json=customer_json()),
    ),
    "delete_customer": (
        lambda c: c.delete_customer("c1"),
        lambda: httpx.Response(200, json={"success": True}),
    ),
    "create_customer_contact": (
        lambda c: c.create_customer_contact("c1", **CONTACT),
        lambda: httpx.Response(
            201,
            json={
                "username": "janedoe",
                "name": "Jane Doe",
                "loginAccess": False,
                "createdAt": "2024-01-02T03:04:05Z",
                "verified": False,
            },
        ),
    ),
}
IDEMPOTENT = [
    "create_customer",
    "list_customers",
    "get_customer",
    "update_customer",
    "delete_customer",
]


def _err(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"message": f"status {status}"}, headers=headers)


def _not_sent() -> Exception:
    return httpx.ConnectError("connection refused")


def _dropped() -> Exception:
    return httpx.RemoteProtocolError("server disconnected without sending a response")


def _read_timeout() -> Exception:
    return httpx.ReadTimeout("read timed out")


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize(
    "fault",
    [_not_sent, lambda: _err(429), lambda: _err(503)],
    ids=["connect-error", "429", "503"],
)
async def test_unprocessed_failures_are_retried_for_every_operation(make_client, op, fault):
    """Refused connections, 429 and 503 mean nothing was processed: every operation retries."""
    call, ok = OPS[op]
    script = Script(fault(), fault(), ok())
    result = await resolve(call(make_client(script, max_retries=2)))
    assert script.count == 3
    assert result is not None


@pytest.mark.parametrize("op", IDEMPOTENT)
@pytest.mark.parametrize(
    "fault",
    [
        _read_timeout,
        _dropped,
        lambda: _err(408),
        lambda: _err(500),
        lambda: _err(502),
        lambda: _err(504),
    ],
    ids=["read-timeout", "dropped", "408", "500", "502", "504"],
)
async def test_ambiguous_failures_are_retried_for_idempotent_operations(make_client, op, fault):
    """Timeouts, dropped connections, 408/500/502/504 are retried for idempotent operations."""
    call, ok = OPS[op]
    script = Script(fault(), ok())
    await resolve(call(make_client(script)))
    assert script.count == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (_read_timeout, APITimeoutError),
        (_dropped, APIConnectionError),
        (lambda: _err(500), InternalServerError),
        (lambda: _err(502), InternalServerError),
        (lambda: _err(504), InternalServerError),
    ],
    ids=["read-timeout", "dropped", "500", "502", "504"],
)
async def test_create_contact_is_never_retried_after_an_ambiguous_failure(
    make_client, fault, error
):
    """A contact create that may have gone through is not repeated (it is not idempotent)."""
    call, ok = OPS["create_customer_contact"]
    script = Script(fault(), ok())
    with pytest.raises(error):
        await resolve(call(make_client(script, max_retries=5)))
    assert script.count == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_not_retried(make_client, status):
    """4xx answers other than 408/429 are final."""
    script = Script(default=_err(status))
    with pytest.raises(Exception) as info:
        await resolve(make_client(script, max_retries=3).get_customer("c1"))
    assert getattr(info.value, "status_code", None) == status
    assert script.count == 1


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_retries_stop_after_max_retries(make_client, max_retries):
    """A persistent failure is tried max_retries + 1 times, then raised."""
    script = Script(default=_err(503))
    with pytest.raises(InternalServerError):
        await resolve(make_client(script, max_retries=max_retries).get_customer("c1"))
    assert script.count == max_retries + 1


async def test_persistent_connection_failure_raises_connection_error(make_client):
    """When the API stays unreachable the error says so and names the request."""
    script = Script(default=_not_sent())
    with pytest.raises(APIConnectionError) as info:
        await resolve(make_client(script, max_retries=1).get_customer("c1"))
    assert "connection refused" in str(info.value)
    assert "/customers/c1" in str(info.value)
    assert script.count == 2


async def test_create_retry_answered_409_returns_the_customer_the_first_attempt_created(
    make_client,
):
    """First attempt processed but its response lost; the retry's 409 resolves to that customer."""
    script = Script(
        _dropped(),  # processed upstream, response lost
        _err(409),
        httpx.Response(200, json=customer_json("c1")),
    )
    result = await resolve(OPS["create_customer"][0](make_client(script)))
    assert isinstance(result, CreateCustomerResponse)
    assert (result.id, result.togai_customer_id, result.name) == ("c1", "tc_c1", "Acme Corp")
    assert [(r.method, r.url.path) for r in script.requests] == [
        ("POST", "/customers"),
        ("POST", "/customers"),
        ("GET", "/customers/c1"),
    ]


async def test_create_retry_answered_409_for_someone_elses_customer_raises_conflict(make_client):
    """If the existing customer differs from what was sent, the 409 stands."""
    script = Script(
        _err(500), _err(409), httpx.Response(200, json=customer_json("c1", name="Other Inc"))
    )
    with pytest.raises(ConflictError):
        await resolve(OPS["create_customer"][0](make_client(script)))
    assert script.count == 3


async def test_create_first_attempt_409_is_a_conflict(make_client):
    """A duplicate id on the first attempt is the caller's conflict: no lookup, no retry."""
    script = Script(_err(409))
    with pytest.raises(ConflictError):
        await resolve(OPS["create_customer"][0](make_client(script)))
    assert script.count == 1


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """Real backoff computation; the SDK's waits advance a fake clock instead of sleeping."""
    with default_clock(FakeClock()) as fake:
        yield fake


@pytest.mark.parametrize(
    ("header", "expected"),
    [("2", 2.0), ("0.25", 0.25), ("120", 60.0)],
    ids=["seconds", "fraction", "capped-at-60"],
)
async def test_retry_after_seconds_is_honoured(make_client, clock, header, expected):
    """The wait before a retry is the server's Retry-After (capped at 60 s)."""
    call, ok = OPS["get_customer"]
    script = Script(_err(429, **{"Retry-After": header}), ok())
    await resolve(call(make_client(script)))
    assert clock.waits == [expected]


async def test_retry_after_http_date_is_honoured(make_client, clock):
    """Retry-After given as an HTTP date waits until then."""
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    script = Script(_err(503, **{"Retry-After": when}), OPS["get_customer"][1]())
    await resolve(OPS["get_customer"][0](make_client(script)))
    assert len(clock.waits) == 1
    assert 25 <= clock.waits[0] <= 30


async def test_backoff_without_retry_after_grows_exponentially_and_is_capped(make_client, clock):
    """Without Retry-After, waits start near 0.5 s, double, and never exceed 8 s."""
    script = Script(default=_err(503))
    with pytest.raises(InternalServerError):
        await resolve(make_client(script, max_retries=6).get_customer("c1"))
    assert len(clock.waits) == 6
    assert 0.5 <= clock.waits[0] <= 1.0
    assert 1.0 <= clock.waits[1] <= 1.5
    assert all(w <= 8.0 for w in clock.waits)
    assert clock.waits[-1] == 8.0


async def test_rate_limit_error_exposes_retry_after(make_client):
    """When retries run out on 429, the error carries the server's Retry-After."""
    script = Script(default=_err(429, **{"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as info:
        await resolve(make_client(script, max_retries=0).get_customer("c1"))
    assert info.value.retry_after == 7.0


async def test_with_options_changes_retries_and_shares_the_pool(make_client):
    """with_options(max_retries=...) applies to the clone only; both use one connection pool."""
    script = Script(default=_err(503))
    client = make_client(script, max_retries=0)
    clone = client.with_options(max_retries=2)
    assert clone._http is client._http
    with pytest.raises(InternalServerError):
        await resolve(clone.get_customer("c1"))
    assert script.count == 3
    with pytest.raises(InternalServerError):
        await resolve(client.get_customer("c1"))
    assert script.count == 4


async def test_timeout_is_reported_as_api_timeout_error(make_client):
    """A read timeout that persists surfaces as APITimeoutError after the retries."""
    script = Script(default=_read_timeout())
    with pytest.raises(APITimeoutError):
        await resolve(make_client(script, max_retries=1).get_customer("c1"))
    assert script.count == 2


async def test_not_found_is_not_retried_and_typed(make_client):
    """404 raises NotFoundError at once."""
    script = Script(default=httpx.Response(404, json={"message": "Customer with id c9 not found"}))
    with pytest.raises(NotFoundError):
        await resolve(make_client(script).get_customer("c9"))
    assert script.count == 1


async def test_bad_request_keeps_upstream_message(make_client):
    """A 400 carries the upstream message verbatim."""
    script = Script(default=httpx.Response(400, json={"message": "name is too short"}))
    with pytest.raises(BadRequestError, match="name is too short"):
        await resolve(make_client(script).update_customer("c1", name="Acme"))


def test_async_client_type_is_exercised(make_client, flavour):
    """The flavour fixture really yields both client kinds."""
    client = make_client(Script())
    assert isinstance(client, AsyncTogaiCustomers) == (flavour == "async")


@pytest.mark.parametrize(
    "fault", [lambda: _err(503), lambda: _err(429), _not_sent], ids=["503", "429", "connect-error"]
)
async def test_create_409_after_only_unprocessed_failures_is_a_conflict(make_client, fault):
    """If no earlier attempt can have gone through, a retry's 409 means it existed before."""
    script = Script(fault(), _err(409))
    with pytest.raises(ConflictError):
        await resolve(OPS["create_customer"][0](make_client(script)))
    assert [r.method for r in script.requests] == ["POST", "POST"]
