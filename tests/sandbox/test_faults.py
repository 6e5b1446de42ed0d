"""Fault injection: seeded failures, queued one-shot faults, latency and the rate limit."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import anyio
import httpx
import pytest

from togai_customers import (
    APIConnectionError,
    AsyncTogaiCustomers,
    InternalServerError,
    RateLimitError,
    TogaiCustomers,
)
from togai_customers_server.sandbox import FAULTS, Sandbox, SandboxTransport

VALID = {"id": "acme", "name": "Acme Corp", "primaryEmail": "a@acme.com", "address": {}}


def outcomes(sandbox: Sandbox, n: int) -> list[str]:
    """What n GET requests experience: a status code or the transport error's name."""
    seen = []
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://s",
        headers={"Authorization": "Bearer t"},
    ) as c:
        for _ in range(n):
            try:
                seen.append(str(c.get("/customers").status_code))
            except httpx.TransportError as exc:
                seen.append(type(exc).__name__)
    return seen


def test_faults_are_off_by_default(sandbox: Sandbox) -> None:
    """Without knobs every request succeeds."""
    assert set(outcomes(sandbox, 200)) == {"200"}


def test_fail_rate_is_reproducible_with_a_seed() -> None:
    """The same seed gives the same sequence of faults; another seed a different one."""
    runs = []
    for seed in (7, 7, 8):
        with Sandbox(fail_rate=0.3, seed=seed) as sb:
            runs.append(outcomes(sb, 200))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_fail_rate_mixes_every_fault_kind() -> None:
    """fail_rate=0.3 fails about 30% of requests with 500, 503 and both kinds of drop."""
    with Sandbox(fail_rate=0.3, seed=1) as sb:
        counts = Counter(outcomes(sb, 1000))
        kinds = Counter(r.fault for r in sb.requests)
    assert 230 <= 1000 - counts["200"] <= 370
    assert {"500", "503", "ConnectError", "RemoteProtocolError"} <= set(counts)
    assert set(kinds) == {None, *FAULTS}


def test_fail_rate_one_fails_everything() -> None:
    """fail_rate=1 fails every request."""
    with Sandbox(fail_rate=1.0, seed=3) as sb:
        assert "200" not in outcomes(sb, 50)


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_fail_rate_out_of_range_is_refused(bad: float) -> None:
    """fail_rate must be within 0..1."""
    with pytest.raises(ValueError, match="fail_rate"):
        Sandbox(fail_rate=bad)


@pytest.mark.parametrize(
    ("fault", "seen", "stored"),
    [
        ("500", "500", False),
        ("503", "503", False),
        ("drop-before", "ConnectError", False),
        ("drop-after", "RemoteProtocolError", True),
    ],
)
def test_queued_faults_strike_before_or_after_processing(
    sandbox: Sandbox, raw: httpx.Client, fault: str, seen: str, stored: bool
) -> None:
    """500, 503 and drop-before leave the state untouched; drop-after processes the request and
    loses the response."""
    sandbox.fail_next(fault)
    try:
        outcome = str(raw.post("/customers", json=VALID).status_code)
    except httpx.TransportError as exc:
        outcome = type(exc).__name__
    assert outcome == seen
    assert (raw.get("/customers/acme").status_code == 200) is stored


def test_a_queued_429_answers_as_the_rate_limit_does(sandbox: Sandbox) -> None:
    """fail_next("429") answers 429 without Retry-After (with it when the sandbox sends it),
    before processing; fail_rate never draws it."""
    with httpx.Client(transport=SandboxTransport(sandbox), base_url="http://sb") as raw:
        raw.headers["Authorization"] = "Bearer k"
        sandbox.fail_next("429")
        first = raw.post("/customers", json=VALID)
        assert (first.status_code, first.headers.get("retry-after")) == (429, None)
        assert raw.get("/customers/acme").status_code == 404  # not processed
        sandbox.retry_after = True
        sandbox.fail_next("429")
        assert raw.get("/customers/acme").headers["retry-after"] == "1"
    assert [r.fault for r in sandbox.requests] == ["429", None, "429"]
    assert "429" not in FAULTS


def test_unknown_fault_name_is_refused(sandbox: Sandbox) -> None:
    """fail_next rejects names outside FAULTS."""
    with pytest.raises(ValueError, match="unknown fault"):
        sandbox.fail_next("boom")


async def test_sdk_recovers_a_create_whose_response_was_lost(api: Any, sandbox: Sandbox) -> None:
    """A create processed but answered by a dropped connection is retried, meets 409 and the SDK
    returns the stored customer."""
    sandbox.fail_next("drop-after")
    created = await api.create("acme")
    assert created.id == "acme"
    assert [(r.method, r.status, r.fault) for r in sandbox.requests] == [
        ("POST", 201, "drop-after"),
        ("POST", 409, None),
        ("GET", 200, None),
    ]


async def test_sdk_retries_503_then_succeeds(api: Any, sandbox: Sandbox) -> None:
    """The SDK retries a 503 and a drop before processing, then gets the answer."""
    sandbox.fail_next("503", "drop-before")
    assert (await api.all_customers()) == []
    assert [r.fault for r in sandbox.requests] == ["503", "drop-before", None]


async def test_sdk_gives_up_after_its_retries(api: Any, sandbox: Sandbox) -> None:
    """With failures on every attempt the SDK raises the last error."""
    sandbox.fail_next("500", "500", "500")
    with pytest.raises(InternalServerError):
        await api.get_customer("acme")
    sandbox.fail_next("drop-before", "drop-before", "drop-before")
    with pytest.raises(APIConnectionError):
        await api.get_customer("acme")


def test_latency_delays_sync_requests() -> None:
    """latency_ms delays each in-process request by about that long."""
    with Sandbox(latency_ms=60) as sb:
        t0 = time.perf_counter()
        outcomes(sb, 3)
        assert time.perf_counter() - t0 >= 0.18


async def test_latency_does_not_block_the_event_loop() -> None:
    """Async requests wait concurrently: ten 150 ms requests take far less than 1.5 s."""
    with Sandbox(latency_ms=150) as sb:
        async with AsyncTogaiCustomers(
            api_key="t", http_client=httpx.AsyncClient(transport=SandboxTransport(sb))
        ) as client:
            await client.create_customer(id="acme", name="Acme", primary_email="a@b.co", address={})
            t0 = time.perf_counter()
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(client.get_customer, "acme")
            elapsed = time.perf_counter() - t0
    assert 0.15 <= elapsed < 0.6


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_answers_429_with_retry_after() -> None:
    """Over the rate the sandbox answers 429 with an integer Retry-After; tokens refill with
    time."""
    clock = FakeClock()
    with Sandbox(rate_limit=2, retry_after=True, clock=clock) as sb:
        assert outcomes(sb, 3) == ["200", "200", "429"]
        with httpx.Client(transport=SandboxTransport(sb)) as c:
            r = c.get("http://s/customers", headers={"Authorization": "Bearer t"})
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "1"
        assert r.json()["message"]
        clock.now += 0.5  # one token back
        assert outcomes(sb, 2) == ["200", "429"]


def test_slow_rate_gives_longer_retry_after() -> None:
    """At 0.2 requests per second the second request is told to wait 5 seconds."""
    with Sandbox(rate_limit=0.2, retry_after=True, clock=FakeClock()) as sb:
        assert outcomes(sb, 1) == ["200"]
        with httpx.Client(transport=SandboxTransport(sb)) as c:
            r = c.get("http://s/customers", headers={"Authorization": "Bearer t"})
        assert (r.status_code, r.headers["Retry-After"]) == (429, "5")


def test_sdk_reports_rate_limit_retry_after() -> None:
    """The SDK retries 429 and finally raises RateLimitError with retry_after from the header."""
    with Sandbox(rate_limit=1, retry_after=True, clock=FakeClock()) as sb:
        http = httpx.Client(transport=SandboxTransport(sb))
        with TogaiCustomers(api_key="t", http_client=http, max_retries=1) as client:
            client.list_customers()
            with pytest.raises(RateLimitError) as info:
                client.list_customers()
        assert info.value.retry_after == 1.0
        assert [r.status for r in sb.requests] == [200, 429, 429]


@pytest.mark.parametrize("bad", [0, -1])
def test_rate_limit_must_be_positive(bad: float) -> None:
    """A rate limit of zero or less is refused."""
    with pytest.raises(ValueError, match="rate_limit"):
        Sandbox(rate_limit=bad)


def test_knobs_can_change_on_a_live_sandbox(sandbox: Sandbox) -> None:
    """fail_rate, rate_limit and latency_ms can be changed between requests."""
    sandbox.fail_rate = 1.0
    assert "200" not in outcomes(sandbox, 5)
    sandbox.fail_rate = 0.0
    sandbox.rate_limit = 1
    assert outcomes(sandbox, 2) == ["200", "429"]
    sandbox.rate_limit = None
    assert outcomes(sandbox, 2) == ["200", "200"]
