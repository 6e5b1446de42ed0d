"""The SDK against real faults over HTTP: a sandbox behind a flaky gateway on 127.0.0.1.

The sandbox injects 500s and dropped connections itself; the gateway in front of it adds what a
load balancer does (502, 504, a stall past the client's timeout). Every attempt is counted where
it arrives, so the retry counts asserted here are the ones a real server would see.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
from _sdk_support import FakeClock, close, resolve, sdk_client

from togai_customers import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncTogaiCustomers,
    InternalServerError,
    TogaiCustomers,
    default_clock,
)
from togai_customers._operations import OPERATIONS
from togai_customers_server.sandbox import Sandbox, SandboxTransport, create_app
from togai_customers_server.sandbox._server import serve_app_in_thread

from ._support import API_KEY

Client = TogaiCustomers | AsyncTogaiCustomers

#: The client's read timeout in these tests, and how long a stalled request is held.
READ_TIMEOUT = 1.0  # generous: a loaded machine (tests run in parallel) must not time out
STALL = 1.5


class Gateway:
    """ASGI app in front of a sandbox app: answers 502/504 or stalls when told, counts attempts."""

    def __init__(self) -> None:
        self.app: Any = None
        self.plan: deque[str] = deque()
        self.seen: list[tuple[str, str, str | None]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.plan.popleft() if self.plan else None
        self.seen.append((scope["method"], scope["path"], fault))
        if fault in ("502", "504"):
            body = json.dumps({"message": f"gateway says {fault}"}).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": int(fault), "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if fault == "stall":
            await anyio.sleep(STALL)  # the client has given up by now; nothing is processed
            return
        await self.app(scope, receive, send)

    def attempts(self, method: str) -> int:
        return sum(1 for m, _, _ in self.seen if m == method)


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[Gateway, str]]:
    """One gateway server for the module (a fresh sandbox behind it per test)."""
    gw = Gateway()
    with serve_app_in_thread(gw) as url:
        yield gw, url


@pytest.fixture
def upstream(gateway: tuple[Gateway, str]) -> Iterator[Sandbox]:
    """A fresh sandbox behind the gateway, holding customer ``c1``."""
    gw, _ = gateway
    with Sandbox(api_key=API_KEY) as sandbox:
        gw.app = create_app(sandbox)
        gw.plan.clear()
        gw.seen.clear()
        with TogaiCustomers(
            API_KEY, http_client=httpx.Client(transport=SandboxTransport(sandbox))
        ) as c:
            c.create_customer(id="c1", name="Acme Corp", primary_email="b@acme.com", address={})
        yield sandbox


@pytest.fixture
async def make_client(
    flavour: str, gateway: tuple[Gateway, str]
) -> AsyncIterator[Callable[..., Client]]:
    """Build SDK clients of the test's flavour talking HTTP to the gateway."""
    made: list[Client] = []

    def make(**kwargs: Any) -> Client:
        kwargs.setdefault("timeout", httpx.Timeout(5.0, read=READ_TIMEOUT))
        client = sdk_client(flavour, api_key=API_KEY, base_url=gateway[1], **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await close(client)


# Each operation that may be retried after an ambiguous failure: (call, check of its result).
CALLS: dict[str, tuple[Callable[[Client], Any], Callable[[Any], bool]]] = {
    "create_customer": (
        lambda c: c.create_customer(id="c2", name="Beta Inc", primary_email="b@b.io", address={}),
        lambda r: r.id == "c2" and r.name == "Beta Inc",
    ),
    "list_customers": (lambda c: c.list_customers(), lambda r: [x.id for x in r.data] == ["c1"]),
    "get_customer": (lambda c: c.get_customer("c1"), lambda r: r.name == "Acme Corp"),
    "update_customer": (
        lambda c: c.update_customer("c1", name="Acme Renamed"),
        lambda r: r.name == "Acme Renamed",
    ),
    "delete_customer": (lambda c: c.delete_customer("c1"), lambda r: r.success is True),
}
METHOD = {op.name: op.method for op in OPERATIONS}

# fault -> (who injects it, error after the retries run out)
FAULTS: dict[str, tuple[str, type[Exception]]] = {
    "500": ("sandbox", InternalServerError),
    "drop-before": ("sandbox", APIConnectionError),
    "502": ("gateway", APIStatusError),
    "504": ("gateway", APIStatusError),
    "stall": ("gateway", APITimeoutError),
}


def _waits(fault: str) -> list[pytest.MarkDecorator]:
    """A stall waits for the client's timeout: such tests are spread out (tests/conftest.py)."""
    return [pytest.mark.waits] if fault == "stall" else []


def _inject(gw: Gateway, sandbox: Sandbox, fault: str, times: int) -> None:
    if FAULTS[fault][0] == "sandbox":
        sandbox.fail_next(*[fault] * times)
    else:
        gw.plan.extend([fault] * times)


def test_every_ambiguous_retry_operation_is_covered():
    """The calls below cover exactly the operations the table allows to retry ambiguously."""
    assert sorted(CALLS) == sorted(op.name for op in OPERATIONS if op.retry_ambiguous)


# The full operation x fault matrix is slow (stalls take real time); get_customer, and every
# operation with a 502, run in the quick suite.
MATRIX = [
    pytest.param(
        op,
        fault,
        marks=[
            *([] if op == "get_customer" or fault == "502" else [pytest.mark.slow]),
            *_waits(fault),
        ],
        id=f"{op}-{fault}",
    )
    for op in CALLS
    for fault in FAULTS
]


@pytest.mark.parametrize(("op", "fault"), MATRIX)
async def test_idempotent_operation_recovers_within_max_retries(
    make_client, gateway, upstream, op, fault
):
    """Two faults in a row, max_retries=2: the third attempt succeeds and the result is right."""
    gw, _ = gateway
    _inject(gw, upstream, fault, 2)
    call, ok = CALLS[op]
    result = await resolve(call(make_client(max_retries=2)))
    assert ok(result)
    assert gw.attempts(METHOD[op]) == 3


@pytest.mark.parametrize("fault", [pytest.param(f, marks=_waits(f)) for f in FAULTS])
async def test_retries_stop_after_max_retries(make_client, gateway, upstream, fault):
    """Three faults, max_retries=2: three attempts, then the fault's error (nothing else sent)."""
    gw, _ = gateway
    _inject(gw, upstream, fault, 3)
    with pytest.raises(FAULTS[fault][1]):
        await resolve(make_client(max_retries=2).get_customer("c1"))
    assert gw.attempts("GET") == 3


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(f, marks=_waits(f))
        for f in ["500", "502", "504", "stall", "drop-before", "drop-after"]
    ],
)
async def test_create_contact_is_sent_once_after_an_ambiguous_failure(
    make_client, gateway, upstream, fault
):
    """A contact create that may have been processed is never repeated: one attempt, an error."""
    gw, _ = gateway
    if fault == "drop-after":
        upstream.fail_next("drop-after")
    else:
        _inject(gw, upstream, fault, 1)
    client = make_client(max_retries=5)
    with pytest.raises((APIStatusError, APIConnectionError)):
        await resolve(client.create_customer_contact("c1", name="Jane Doe", email="jane@acme.com"))
    assert gw.attempts("POST") == 1
    contact_posts = [r for r in upstream.requests if r.path.endswith("/contacts")]
    assert len(contact_posts) == (0 if fault in ("502", "504", "stall") else 1)


async def test_create_contact_is_retried_when_certainly_not_processed(
    make_client, gateway, upstream
):
    """A 503 means nothing was done: the contact create is retried and made exactly once."""
    gw, _ = gateway
    upstream.fail_next("503", "503")
    contact = await resolve(
        make_client(max_retries=2).create_customer_contact("c1", name="Jane Doe", email="j@a.io")
    )
    assert contact.name == "Jane Doe"
    assert gw.attempts("POST") == 3
    assert [r.status for r in upstream.requests if r.path.endswith("/contacts")] == [503, 503, 201]


async def test_create_whose_response_was_lost_returns_the_stored_customer(
    make_client, gateway, upstream, figures
):
    """Processed but the answer lost (connection cut): the retry's 409 yields the same customer."""
    _gw, _ = gateway
    upstream.fail_next("drop-after")
    created = await resolve(
        make_client(max_retries=2).create_customer(
            id="lost", name="Lost Answer Ltd", primary_email="l@a.io", address={"city": "Oslo"}
        )
    )
    log = [(r.method, r.path, r.status, r.fault) for r in upstream.requests]
    assert log == [
        ("POST", "/customers", 201, None),  # the fixture's c1
        ("POST", "/customers", 201, "drop-after"),
        ("POST", "/customers", 409, None),
        ("GET", "/customers/lost", 200, None),
    ]
    auth = {"Authorization": f"Bearer {API_KEY}"}
    stored = json.loads(upstream.handle("GET", "/customers/lost", headers=auth).body)
    assert created.togai_customer_id == stored["togaiCustomerId"]
    assert (created.name, created.address.city) == ("Lost Answer Ltd", "Oslo")
    figures(requests=len(log) - 1, faults_injected=1)


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    """Real backoff; the SDK's waits advance a fake clock instead of sleeping."""
    with default_clock(FakeClock()) as clock:
        yield clock


@pytest.mark.parametrize(("rate", "retry_after"), [(1.0, 1.0), (0.25, 4.0)])
async def test_retry_after_from_the_rate_limiter_is_waited_exactly(
    fake_clock, flavour, rate, retry_after
):
    """The sandbox's 429 says Retry-After N; the SDK sleeps exactly N, then gets through."""
    with Sandbox(rate_limit=rate, retry_after=True, clock=fake_clock) as sandbox:
        client = sdk_client(flavour, SandboxTransport(sandbox), api_key=API_KEY)
        await resolve(client.list_customers())  # the burst allowance
        page = await resolve(client.list_customers())
        await close(client)
        assert page.data == []
        assert [r.status for r in sandbox.requests] == [200, 429, 200]
    assert fake_clock.waits == [retry_after]
