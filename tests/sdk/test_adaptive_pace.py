"""The adaptive pace (slow start, then AIMD; pure with a given clock), and what it does against a
sandbox (rate-limited, without ``Retry-After``, or not), in virtual time (an event loop whose
clock jumps)."""

from __future__ import annotations

import asyncio
import math
import selectors

import httpx
import pytest

from togai_customers import AdaptivePace, AsyncTogaiCustomers, Clock, RateLimitError
from togai_customers._pacing import TOGAI_DEFAULT_RATE
from togai_customers_server.sandbox import Sandbox, SandboxTransport


def _answered_for(
    pace: AdaptivePace, start: float, seconds: float, rtt: float | None = None
) -> float:
    """Send as fast as the pace allows from ``start`` for ``seconds``, every answer a 200 (each
    answered ``rtt`` after it was sent, when given)."""
    now = start
    while now < start + seconds:
        wait, granted = pace.reserve(now)
        now += wait
        if granted:
            sent_at = None if rtt is None else now - rtt
            pace.observe(now, reserved_at=now - wait, outcome="answered", sent_at=sent_at)
    return now


def test_starts_at_togai_default_or_at_the_ceiling():
    """Without a ceiling the pace starts at Togai's 10/s; with one, at the ceiling."""
    assert AdaptivePace().rate == TOGAI_DEFAULT_RATE == 10.0
    assert AdaptivePace(start=25, ceiling=25).rate == 25.0
    assert AdaptivePace(ceiling=4).rate == 4.0


def test_slow_start_doubles_each_second_while_the_pace_holds_requests_back():
    """Before any 429, a second of answered requests sent at the full pace doubles it."""
    pace = AdaptivePace()
    _answered_for(pace, 0.0, 1.0)
    assert 18.0 <= pace.rate <= 22.0
    _answered_for(pace, 1.0, 1.0)
    assert 36.0 <= pace.rate <= 44.0


def test_slow_start_doubles_each_round_trip_once_round_trips_are_measured():
    """With answers 0.2 s after sending, slow start doubles the rate every 0.2 s."""
    pace = AdaptivePace()
    end = _answered_for(pace, 0.0, 0.6, rtt=0.2)
    assert pace.interval == pytest.approx(0.2)
    assert 45.0 <= pace.rate <= 100.0  # three doublings from 10 (a little less: discrete steps)
    before = pace.rate
    _answered_for(pace, end, 0.2, rtt=0.2)
    assert 1.7 * before <= pace.rate <= 2.3 * before
    assert (pace.state, pace.ssthresh) == ("slow start", math.inf)


def test_slow_start_interval_is_bounded_below_so_a_loopback_rtt_does_not_explode_it():
    """With 1 ms round trips the rate still doubles at most every 50 ms: half a second is about
    ten doublings (somewhat fewer: the steps are discrete), not five hundred."""
    pace = AdaptivePace()
    _answered_for(pace, 0.0, 0.5, rtt=0.001)
    assert pace.interval == AdaptivePace.MIN_INTERVAL == 0.05
    assert 10.0 * 2**6 <= pace.rate <= 10.0 * 2**10


def test_a_429_ends_slow_start_for_good_and_sets_ssthresh():
    """After a 429 the pace is in congestion avoidance at ssthresh (the lowered rate) and
    grows additively: a second of success adds far less than a doubling, and slow start never
    resumes however long the success lasts."""
    pace = AdaptivePace()
    end = _answered_for(pace, 0.0, 0.6, rtt=0.1)
    refused = pace.rate
    pace.observe(end, reserved_at=end, outcome="throttled")
    assert pace.rate < refused
    assert pace.ssthresh == pace.rate
    assert pace.state == "congestion avoidance"
    lowered = pace.rate
    end = _answered_for(pace, end + 0.01, 1.0, rtt=0.1)
    assert lowered < pace.rate <= refused  # closing in on the refused rate, not doubling
    _answered_for(pace, end, 10.0, rtt=0.1)
    assert pace.state == "congestion avoidance"
    assert pace.rate < 1.5 * refused


def test_a_sustained_latency_rise_ends_slow_start_without_lowering_the_pace():
    """Round trips rising from 10 ms to 60 ms (a queue upstream) end slow start at the rate
    then (ssthresh), with no decrease; afterwards the pace grows in a straight line."""
    pace = AdaptivePace()
    end = _answered_for(pace, 0.0, 0.3, rtt=0.01)
    assert pace.state == "slow start"
    for _ in range(AdaptivePace.LATENCY_SAMPLES):
        pace.reserve(end)
        pace.observe(end, reserved_at=end, outcome="answered", sent_at=end - 0.06)
        end += 0.001
    assert pace.state == "congestion avoidance"
    at_exit = pace.ssthresh
    assert at_exit == pytest.approx(pace.rate, rel=0.05)
    _answered_for(pace, end, 1.0, rtt=0.06)
    expected = at_exit + AdaptivePace.AFTER_LATENCY * at_exit  # one second of the straight line
    assert pace.rate == pytest.approx(expected, rel=0.05)


def test_latency_noise_does_not_end_slow_start():
    """Single slow answers among fast ones, and a rise of a few ms on loopback (below the 20 ms
    margin), leave slow start running."""
    pace = AdaptivePace()
    for i in range(80):  # one answer in five 50 times slower
        now = i * 0.002
        pace.reserve(now)
        rtt = 0.5 if i % 5 == 0 else 0.01
        pace.observe(now, reserved_at=now, outcome="answered", sent_at=now - rtt)
    jittery = AdaptivePace()
    now = _answered_for(jittery, 0.0, 0.1, rtt=0.001)
    _answered_for(jittery, now, 0.1, rtt=0.008)  # eight times the minimum, but 7 ms
    assert (pace.state, jittery.state) == ("slow start", "slow start")


def test_the_pace_does_not_grow_when_it_is_not_what_holds_requests_back():
    """Answers to requests that never waited for a slot (a slow client) leave the pace alone."""
    pace = AdaptivePace()
    for i in range(100):
        now = i * 1.0  # one request a second, far below the pace
        wait, granted = pace.reserve(now)
        assert (wait, granted) == (0.0, True)
        pace.observe(now + 0.05, reserved_at=now, outcome="answered")
    assert pace.rate == 10.0


def test_a_429_lowers_the_pace_below_what_was_getting_through():
    """On a 429 the pace drops to 85% of the answered requests per second of the last 2 s."""
    pace = AdaptivePace(start=100, ceiling=100)
    for i in range(60):  # 30 answers a second for two seconds
        pace.observe(10.0 + i / 30, reserved_at=10.0 + i / 30, outcome="answered")
    pace.observe(12.0, reserved_at=11.9, outcome="throttled")
    assert pace.rate == pytest.approx(0.85 * 30, rel=0.05)
    assert (pace.requests, pace.throttled) == (61, 1)


def test_429s_of_requests_given_slots_before_the_decrease_do_not_lower_it_again():
    """One decrease per burst of 429s: those reserved before it were sent at the old pace."""
    pace = AdaptivePace(start=50, ceiling=50)
    pace.observe(5.0, reserved_at=4.9, outcome="throttled")
    lowered = pace.rate
    for t in (5.01, 5.02, 5.03):
        pace.observe(t, reserved_at=4.95, outcome="throttled")
    assert pace.rate == lowered
    pace.observe(5.5, reserved_at=5.2, outcome="throttled")  # given its slot after: counts
    assert pace.rate < lowered
    assert pace.throttled == 5


def test_a_decrease_takes_back_the_slots_given_at_the_old_rate():
    """Slots given before a 429 no longer stand: their requests ask again, at the new rate."""
    pace = AdaptivePace(start=20, ceiling=20)
    given = [pace.reserve(1.0) for _ in range(5)]  # 1.0, 1.05, ... 1.2
    assert all(granted for _, granted in given)
    pace.observe(1.01, reserved_at=0.9, outcome="throttled")
    assert not pace.still_valid(1.0)
    wait, granted = pace.reserve(1.05)
    assert granted
    assert wait == pytest.approx(1.01 + 1 / pace.rate - 1.05)  # one new interval after the 429
    assert pace.still_valid(1.05)


def test_never_above_the_ceiling_nor_below_the_floor():
    """However long the success, the pace stays at the ceiling; however many 429s, at the floor."""
    pace = AdaptivePace(ceiling=12.0)
    _answered_for(pace, 0.0, 5.0)
    assert pace.rate == 12.0
    low = AdaptivePace(floor=2.0)
    for i in range(20):
        low.observe(float(i), reserved_at=float(i), outcome="throttled")
    assert low.rate == 2.0


def test_after_a_429_it_climbs_back_toward_the_rate_that_was_refused():
    """After a decrease the pace closes half its gap to the refused rate each second."""
    pace = AdaptivePace(start=40, ceiling=40)
    end = _answered_for(pace, 0.0, 2.0)
    pace.observe(end, reserved_at=end, outcome="throttled")
    low = pace.rate
    assert low < 40
    _answered_for(pace, end + 0.01, 1.0)
    assert low + 0.3 * (40 - low) <= pace.rate <= 40


def test_a_resumed_pace_starts_below_what_the_last_run_reached_without_slow_start():
    """``reached=40``: it starts at 34 and climbs back toward 40, not doubling past it."""
    pace = AdaptivePace(reached=40.0)
    assert pace.rate == pytest.approx(34.0)
    _answered_for(pace, 0.0, 1.0)
    assert 34.0 < pace.rate <= 40.0
    assert AdaptivePace(reached=40.0, ceiling=20.0).rate == 20.0


def test_connection_failures_neither_raise_nor_lower_the_pace():
    """An attempt that got no answer is counted but does not move the pace."""
    pace = AdaptivePace()
    pace.observe(1.0, reserved_at=1.0, outcome="failed")
    assert (pace.rate, pace.requests, pace.throttled) == (10.0, 1, 0)


# Against the sandbox, in virtual time ------------------------------------------------------


class VirtualClock(Clock):
    """Seconds that pass only when the event loop has nothing to do but wait for a timer (its
    waits are the loop's own, on this clock)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _JumpingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """Never blocks: instead of waiting ``timeout`` seconds, moves the clock on by them."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None):  # type: ignore[no-untyped-def]
        ready = super().select(0)
        if not ready and timeout:
            self._clock.now += timeout
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(_JumpingSelector(clock))
        self._virtual = clock

    def time(self) -> float:
        return self._virtual.now


RATE_LIMIT = 50.0
ROWS = 1000


def test_finds_an_unlimited_sandbox_s_ceiling_within_a_second_of_virtual_time():
    """Against a sandbox with no limit and 20 ms latency, 16 tasks take the pace from 10/s past
    300/s within one virtual second, with no 429 (slow start by round trips)."""
    clock = VirtualClock()
    sandbox = Sandbox(latency_ms=20, clock=clock)
    pace = AdaptivePace()
    reached: list[float] = []

    async def main() -> None:
        http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers("k", http_client=http, pacer=pace, clock=clock)
        todo = iter(range(600))

        async def worker() -> None:
            for i in todo:
                await client.create_customer(
                    id=f"c{i}", name=f"Customer {i}", primary_email="a@b.io", address={}
                )
                if not reached and clock.now >= 1.0:
                    reached.append(pace.rate)

        await asyncio.gather(*(worker() for _ in range(16)))
        await http.aclose()

    loop = VirtualTimeLoop(clock)
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
        sandbox.close()
    assert reached
    assert reached[0] >= 300.0, reached
    assert pace.throttled == 0
    assert pace.interval == pytest.approx(0.05)  # the 20 ms RTT, bounded below


@pytest.mark.parametrize("workers", [8, 32])
def test_adapts_to_a_rate_limited_sandbox_without_retry_after(workers):
    """1,000 creates by 8 or 32 tasks into a sandbox allowing 50/s (40 ms latency, no
    Retry-After): every customer is created once, 429s stay under 5% of the requests, and the
    pace ends near the limit."""
    clock = VirtualClock()
    sandbox = Sandbox(rate_limit=RATE_LIMIT, latency_ms=40, clock=clock)
    pace = AdaptivePace()

    async def main() -> None:
        http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers("k", http_client=http, pacer=pace, clock=clock)
        todo = iter(range(ROWS))

        async def worker() -> None:
            for i in todo:
                while True:
                    try:
                        await client.create_customer(
                            id=f"c{i}", name=f"Customer {i}", primary_email="a@b.io", address={}
                        )
                        break
                    except RateLimitError:
                        continue  # throttled through every retry: again, at the adapted pace

        await asyncio.gather(*(worker() for _ in range(workers)))
        await http.aclose()

    loop = VirtualTimeLoop(clock)
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
        sandbox.close()

    log = sandbox.requests
    created = [r for r in log if r.status == 201]
    throttled = [r for r in log if r.status == 429]
    assert len(created) == ROWS
    assert len(throttled) <= 0.05 * len(log), (len(throttled), len(log))
    assert pace.throttled == len(throttled)
    assert 0.7 * RATE_LIMIT <= pace.rate <= 1.3 * RATE_LIMIT
    assert ROWS / clock.now >= 0.8 * RATE_LIMIT  # rows per (virtual) second
    assert not math.isinf(pace.peak)
