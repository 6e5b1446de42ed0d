"""Pacing: the token bucket (pure, fake clock) and ``max_requests_per_second`` on every client."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator

import httpx
import pytest
from _sdk_support import FakeClock, Script, StillClock, customer_json, resolve, sdk_client

from togai_customers import (
    AsyncTogaiCustomers,
    TogaiCustomers,
    TogaiError,
    TokenBucket,
    default_clock,
)


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=customer_json())


# The bucket, pure --------------------------------------------------------------------------


def test_slots_are_one_interval_apart():
    """Requests asking at the same moment get slots 1/rate apart, the first one at once."""
    bucket = TokenBucket(5.0)
    reserved = [bucket.reserve(100.0) for _ in range(4)]
    assert [granted for _, granted in reserved] == [True] * 4
    assert [wait for wait, _ in reserved] == pytest.approx([0.0, 0.2, 0.4, 0.6])


def test_waiting_time_passes_and_a_quiet_spell_gives_no_extra_burst():
    """After the slots are used up by waiting, the next request goes at once; a burst of one
    does not save up tokens during a quiet spell."""
    bucket = TokenBucket(2.0)
    assert bucket.reserve(10.0) == (0.0, True)
    assert bucket.reserve(10.0) == (0.5, True)
    assert bucket.reserve(11.0) == (0.0, True)  # its slot (11.0) has come
    assert bucket.reserve(60.0) == (0.0, True)
    assert bucket.reserve(60.0) == (0.5, True)


def test_a_burst_goes_at_once_then_the_rate_holds():
    """With ``burst=3`` three requests go at once after a quiet spell, then one per interval."""
    bucket = TokenBucket(10.0, burst=3)
    waits = [bucket.reserve(5.0)[0] for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_the_horizon_gives_no_slot_too_far_ahead():
    """Beyond the horizon a request gets no slot, only when to ask again."""
    bucket = TokenBucket(10.0, horizon=0.25)
    granted = [bucket.reserve(0.0) for _ in range(3)]
    assert granted == [(0.0, True), (0.1, True), (0.2, True)]
    wait, ok = bucket.reserve(0.0)  # its slot, 0.3, is beyond 0.25
    assert not ok
    assert wait > 0
    assert bucket.reserve(wait)[1]  # asked again when told: within reach now


def test_one_bucket_shared_by_threads_gives_every_request_its_own_slot():
    """Eight threads reserving at the same moment get 200 distinct slots, 1/rate apart."""
    bucket = TokenBucket(100.0)
    waits: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def reserve() -> None:
        start.wait()
        for _ in range(25):
            wait, granted = bucket.reserve(7.0)
            assert granted
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w * 100) for w in waits) == list(range(200))


@pytest.mark.parametrize("bad", [0, -1.5, float("inf"), float("nan"), True, "5"])
def test_a_bad_rate_is_refused(bad):
    """A rate must be a finite number > 0."""
    with pytest.raises(ValueError, match="rate must be a number of requests per second > 0"):
        TokenBucket(bad)


# The clients -------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """A fake clock for the pace and the waits: sleeping moves it, nothing else does."""
    with default_clock(FakeClock()) as fake:
        yield fake


async def test_every_attempt_is_paced_retries_included(flavour, clock):
    """At 2 requests/s each attempt, the retries of a 429 too, goes at least 0.5 s after the
    one before (on the client's clock)."""
    sent: list[float] = []

    def at(response: httpx.Response):
        def answer(request: httpx.Request) -> httpx.Response:
            sent.append(clock.now)
            return response

        return answer

    script = Script(
        at(httpx.Response(429, json={"message": "slow down"})),
        at(httpx.Response(200, json=customer_json())),
        at(httpx.Response(200, json=customer_json())),
        at(httpx.Response(200, json=customer_json())),
    )
    client = sdk_client(flavour, httpx.MockTransport(script), max_requests_per_second=2)
    for _ in range(3):
        await resolve(client.get_customer("c1"))
    assert script.count == 4
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert all(gap >= 0.5 - 1e-9 for gap in gaps), gaps


def test_threads_sharing_a_client_share_its_pace():
    """Ten threads calling one sync client at once are given ten slots 0.25 s apart."""
    still = StillClock()  # time stands still
    waits = still.waits
    http = httpx.Client(transport=httpx.MockTransport(_ok))
    client = TogaiCustomers("k", http_client=http, max_requests_per_second=4, clock=still)
    start = threading.Barrier(10)

    def call() -> None:
        start.wait()
        client.get_customer("c1")

    threads = [threading.Thread(target=call) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(round(w / 0.25) for w in waits) == list(range(1, 10))  # one went at once


async def test_tasks_sharing_an_async_client_share_its_pace():
    """Ten tasks calling one async client at once are given ten slots 0.1 s apart."""
    still = StillClock()
    waits = still.waits
    http = httpx.AsyncClient(transport=httpx.MockTransport(_ok))
    client = AsyncTogaiCustomers("k", http_client=http, max_requests_per_second=10, clock=still)
    await asyncio.gather(*(client.get_customer("c1") for _ in range(10)))
    assert sorted(round(w * 10) for w in waits) == list(range(1, 10))


async def test_copies_from_with_options_share_the_pace(flavour):
    """A copy made by with_options draws from the same bucket; one given its own rate does not."""
    still = StillClock()
    waits = still.waits
    client = sdk_client(flavour, httpx.MockTransport(_ok), max_requests_per_second=5, clock=still)
    copy = client.with_options(max_retries=0, api_key="other")
    own = client.with_options(max_requests_per_second=1)
    assert copy.pacer is client.pacer
    assert own.pacer is not client.pacer
    assert copy.max_requests_per_second == 5.0
    assert own.max_requests_per_second == 1.0
    await resolve(client.get_customer("c1"))
    await resolve(copy.get_customer("c1"))
    await resolve(own.get_customer("c1"))  # its own bucket: no wait
    assert waits == [pytest.approx(0.2)]


def test_unpaced_by_default_and_the_environment_sets_the_pace(monkeypatch):
    """No pace unless asked; TOGAI_MAX_RPS sets the default; the argument wins over it."""
    assert TogaiCustomers("k").max_requests_per_second is None
    monkeypatch.setenv("TOGAI_MAX_RPS", "7.5")
    assert TogaiCustomers("k").max_requests_per_second == 7.5
    assert AsyncTogaiCustomers("k", max_requests_per_second=3).max_requests_per_second == 3.0
    assert "max_requests_per_second=7.5" in repr(TogaiCustomers("k"))


@pytest.mark.parametrize("bad", [0, -2, float("inf"), "10", True])
def test_a_bad_max_requests_per_second_is_an_error_naming_it(bad):
    """A pace that is not a number > 0 is refused at construction, naming the argument."""
    with pytest.raises(TogaiError, match=r"^max_requests_per_second must be a number"):
        TogaiCustomers("k", max_requests_per_second=bad)


@pytest.mark.parametrize("bad", ["fast", "0", "-1", "inf"])
def test_a_bad_togai_max_rps_is_an_error_naming_it(bad, monkeypatch):
    """A bad TOGAI_MAX_RPS is refused at construction, naming the variable and its value."""
    monkeypatch.setenv("TOGAI_MAX_RPS", bad)
    with pytest.raises(TogaiError, match=f"^TOGAI_MAX_RPS must be a number .*{bad!r}"):
        AsyncTogaiCustomers("k")
