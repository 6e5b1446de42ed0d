"""Pacing: how many requests per second a client sends, shared by every thread and task using it.

Pure decisions: the caller passes the time (monotonic seconds) and does the waiting itself (the
sync client sleeps, the async one awaits), so the same object paces both and tests drive it with a
fake clock.

* :class:`TokenBucket` spaces requests ``1 / rate`` apart (bursts of at most ``burst``).
  :meth:`~TokenBucket.reserve` takes the next free slot and says how long to wait for it; slots
  are handed out in order, so any number of threads or tasks sharing one bucket stay within the
  rate together. The SDK's ``max_requests_per_second`` is one.
* :class:`AdaptivePace` is a bucket whose rate follows the answers, the way TCP's congestion
  control does. It starts at ``start`` (Togai's documented 10 requests per second for a new
  organisation) in **slow start**: while the pace is what holds requests back, the rate doubles
  every round trip (at least 50 ms). The first 429, or the first *latency rise* (the lowest of
  the last 8 round trips at twice the lowest ever seen and 20 ms above it), ends slow start:
  ``ssthresh``, TCP's slow-start threshold, is set there and the rate grows additively from then
  on (**congestion avoidance**). A 429 is a multiplicative decrease to a fraction of the rate
  that was actually getting through, taking back the slots given at the old rate. Never above
  ``ceiling``. The CLI's bulk commands use it; it does not need ``Retry-After``.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Literal

__all__ = [
    "TOGAI_DEFAULT_RATE",
    "AdaptivePace",
    "Outcome",
    "TokenBucket",
    "check_rate",
]

#: Requests per second Togai allows a new organisation (``docs/quotas-and-limits.mdx``).
TOGAI_DEFAULT_RATE = 10.0

#: How an attempt ended, for :meth:`TokenBucket.observe`: answered (any status but 429),
#: ``throttled`` (429) or ``failed`` (no answer: a connection error or a timeout).
Outcome = Literal["answered", "throttled", "failed"]


def check_rate(value: object, name: str) -> float:
    """``value`` as a rate in requests per second (finite, > 0); ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number of requests per second > 0 (got {value!r})")
    rate = float(value)
    if not (rate > 0 and math.isfinite(rate)):
        raise ValueError(f"{name} must be a number of requests per second > 0 (got {value!r})")
    return rate


class TokenBucket:
    """At most ``rate`` requests per second, in bursts of at most ``burst`` (thread-safe).

    A request's slot is the next free one: the slots are ``1 / rate`` apart (``burst`` of them may
    coincide after a quiet spell), and a slot once given is kept, whatever the rate does later
    (the generic cell rate algorithm). ``horizon`` (seconds, None for none) limits how far ahead
    slots are given: a request that would have to wait longer gets no slot, only the time at which
    to ask again, so that a change of rate applies within ``horizon``.
    """

    def __init__(self, rate: float, *, burst: float = 1.0, horizon: float | None = None) -> None:
        self._rate = check_rate(rate, "rate")
        self._burst = check_rate(burst, "burst")
        self._horizon = math.inf if horizon is None else check_rate(horizon, "horizon")
        #: When the next request would go if requests were evenly spaced (the theoretical time).
        self._next = -math.inf
        self._lock = threading.Lock()
        #: When a request last had to wait for its slot (the pace was holding requests back).
        self._last_wait = -math.inf

    @property
    def rate(self) -> float:
        """Requests per second now."""
        return self._rate

    def reserve(self, now: float) -> tuple[float, bool]:
        """A slot for a request at time ``now``: ``(seconds to wait, granted)``.

        Granted: send after waiting (0: at once). Not granted (the slot is beyond the horizon):
        wait, then ask again.
        """
        with self._lock:
            interval = 1.0 / self._rate
            theoretical = max(self._next, now)
            at = max(now, theoretical - (self._burst - 1.0) * interval)
            wait = at - now
            ahead = max(self._horizon, interval)
            if wait > ahead:
                # Come back when the slot is within reach, but not sooner than half the horizon:
                # requests kept waiting do not all wake at each slot.
                self._last_wait = now
                return max(wait - ahead, ahead / 2), False
            self._next = theoretical + interval
            if wait > 0.0:
                self._last_wait = now
            return wait, True

    def observe(
        self,
        now: float,
        *,
        reserved_at: float,
        outcome: Outcome,
        sent_at: float | None = None,
    ) -> None:
        """How an attempt whose slot was given at ``reserved_at`` (and which was sent at
        ``sent_at``, when known: its round trip is ``now - sent_at``) ended; a fixed bucket
        ignores it."""

    def still_valid(self, reserved_at: float) -> bool:
        """Whether a slot given at ``reserved_at`` still stands once waited for (a fixed bucket's
        always does; an adaptive one takes back the slots it gave before lowering its rate)."""
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rate={self._rate:g}, burst={self._burst:g})"


class AdaptivePace(TokenBucket):
    """A :class:`TokenBucket` whose rate adapts to the answers, as TCP's congestion control does
    (see the module docstring and docs/sdk.md, "How the adaptive pace moves").

    ``start``: the first rate (default: Togai's 10/s, or ``ceiling`` when lower); ``ceiling``:
    never faster (None: no ceiling); ``floor``: never slower; ``reached``: the pace an earlier
    run reached (a resumed run starts a little below it, without slow start).

    Two states, as TCP's: **slow start** while the rate is below ``ssthresh`` (infinite at
    first), where the rate doubles every *interval* (the recent round-trip time, kept between
    ``MIN_INTERVAL`` and ``MAX_INTERVAL``); **congestion avoidance** from the first 429 or the
    first latency rise on, where it grows additively. A 429 sets ``ssthresh`` to the lowered
    rate, so slow start never resumes on its own; a latency rise sets it to the rate then.
    Increases happen only while the pace is what holds requests back (a reservation waited in
    the last second; in slow start, within the last interval or two slots), so a client slowed
    by latency or its own CPU does not inflate the rate it never uses. In slow start, slots are
    given at most one interval ahead, so a doubling applies at once. A 429 for a request given
    its slot before the last decrease was already answered for: it does not lower the rate
    again. A decrease takes back the slots given and not yet used, so the requests waiting for
    them go at the new rate.

    ``requests``, ``throttled`` and ``peak`` count what it saw; ``state`` and ``ssthresh`` say
    where it is.
    """

    #: Slow start doubles the rate once per interval: the round-trip time (the lowest of the last
    #: ``LATENCY_SAMPLES``, so that one slow first answer from a cold server does not slow the
    #: ramp), but at least ``MIN_INTERVAL`` (a loopback RTT of a millisecond would make any noise
    #: a doubling) and at most ``MAX_INTERVAL`` (also the interval before the first round trip).
    MIN_INTERVAL = 0.05
    MAX_INTERVAL = 1.0
    #: A latency rise: the *lowest* of the last ``LATENCY_SAMPLES`` round trips above
    #: ``LATENCY_RISE`` times the lowest RTT seen and by at least ``LATENCY_MARGIN`` seconds (as
    #: HyStart++ compares a round's minimum RTT). A minimum of several is robust to noise: one
    #: slow answer (a GC pause, a cold connection) cannot raise it, only a sustained rise (a
    #: queue building upstream) does; the absolute margin keeps loopback jitter out.
    LATENCY_RISE = 2.0
    LATENCY_MARGIN = 0.02
    LATENCY_SAMPLES = 8
    #: Congestion avoidance after a 429: the rate closes this fraction of its gap to the rate of
    #: the last 429 each second, then, within ``NEAR`` of it, grows by ``INCREASE`` per second
    #: (at least ``MIN_INCREASE`` requests per second per second).
    APPROACH = 0.5
    NEAR = 0.02
    INCREASE = 0.02
    MIN_INCREASE = 0.2
    #: Congestion avoidance after a latency rise (no 429 yet, nothing to close in on): the rate
    #: grows by this fraction of ``ssthresh`` per second, a straight line.
    AFTER_LATENCY = 0.1
    #: On a 429: this fraction of the rate that was getting through.
    DECREASE = 0.85
    #: The window (seconds) over which "the rate getting through" is measured.
    WINDOW = 2.0
    #: Slots are given at most this many seconds ahead, so a lower rate applies within it.
    HORIZON = 0.5

    def __init__(
        self,
        *,
        start: float | None = None,
        ceiling: float | None = None,
        floor: float = 0.5,
        reached: float | None = None,
    ) -> None:
        self._ceiling = math.inf if ceiling is None else check_rate(ceiling, "ceiling")
        self._floor = check_rate(floor, "floor")
        if reached is not None:  # an earlier run's pace: start just below it, no slow start
            start = self.DECREASE * check_rate(reached, "reached")
        first = check_rate(
            start if start is not None else min(TOGAI_DEFAULT_RATE, self._ceiling), "start"
        )
        super().__init__(min(max(first, self._floor), self._ceiling), horizon=self.HORIZON)
        self._ssthresh = math.inf if reached is None else self._rate
        self._last_decrease = -math.inf
        self._throttled_at = math.inf if reached is None else reached
        self._answered: deque[float] = deque()
        self._first_answer: float | None = None
        self._min_rtt = math.inf
        self._recent: deque[float] = deque(maxlen=self.LATENCY_SAMPLES)
        self._horizon = self._current_horizon()
        self.requests = 0
        self.throttled = 0
        self.peak = self._rate

    @property
    def ceiling(self) -> float | None:
        return None if self._ceiling == math.inf else self._ceiling

    @property
    def ssthresh(self) -> float:
        """The slow-start threshold: slow start while the rate is below it (infinite until the
        first 429 or latency rise)."""
        return self._ssthresh

    @property
    def state(self) -> Literal["slow start", "congestion avoidance"]:
        """``"slow start"`` (doubling each interval) or ``"congestion avoidance"`` (additive)."""
        return "slow start" if self._rate < self._ssthresh else "congestion avoidance"

    @property
    def interval(self) -> float:
        """Seconds in which slow start doubles the rate (the recent round-trip time, bounded)."""
        if not self._recent:
            return self.MAX_INTERVAL
        return min(max(min(self._recent), self.MIN_INTERVAL), self.MAX_INTERVAL)

    def observe(
        self,
        now: float,
        *,
        reserved_at: float,
        outcome: Outcome,
        sent_at: float | None = None,
    ) -> None:
        with self._lock:
            self.requests += 1
            if outcome == "answered":
                self._answered_at(now)
                if sent_at is not None:
                    self._round_trip(now - sent_at)
                # Grow only while the pace is what holds requests back: a reservation waited
                # within the last second (in slow start, whose growth would run far past an
                # unused rate in a second: within the last interval or two requests' spacing).
                held = 1.0
                if self._rate < self._ssthresh:
                    held = max(self.interval, 2.0 / self._rate)
                if now - self._last_wait <= held:
                    self._increase()
            elif outcome == "throttled":
                self.throttled += 1
                if reserved_at >= self._last_decrease:
                    self._decrease(now)
            self._horizon = self._current_horizon()

    def _current_horizon(self) -> float:
        # In slow start, slots are given at most one interval ahead (MIN_INTERVAL before the
        # first round trip), not HORIZON: a schedule made at the old rate would delay each
        # doubling by half a second.
        if self._rate >= min(self._ssthresh, self._ceiling):
            return self.HORIZON
        if not self._recent:
            return self.MIN_INTERVAL
        return min(self.interval, self.HORIZON)

    def _round_trip(self, rtt: float) -> None:
        rtt = max(rtt, 0.0)
        self._min_rtt = min(self._min_rtt, rtt)
        self._recent.append(rtt)
        if self._rate < self._ssthresh and len(self._recent) == self.LATENCY_SAMPLES:
            recent = min(self._recent)
            if (
                recent > self.LATENCY_RISE * self._min_rtt
                and recent - self._min_rtt > self.LATENCY_MARGIN
            ):
                # The answers slow down: the upstream is queueing. Stop doubling, grow
                # additively.
                self._ssthresh = self._rate

    def _answered_at(self, now: float) -> None:
        if self._first_answer is None:
            self._first_answer = now
        self._answered.append(now)
        while self._answered and self._answered[0] <= now - self.WINDOW:
            self._answered.popleft()

    def _increase(self) -> None:
        # Each answer arrives 1/rate after the last, so adding `per_second / rate` per answer
        # grows the rate by `per_second` each second.
        if self._rate < self._ssthresh:
            # Slow start: d(rate)/dt = rate * ln 2 / interval, i.e. doubling per interval.
            rate = min(self._rate + math.log(2.0) / self.interval, self._ssthresh)
        else:
            if self._throttled_at == math.inf:
                per_second = max(self.MIN_INCREASE, self.AFTER_LATENCY * self._ssthresh)
            else:
                gap = self._throttled_at - self._rate
                if gap > self.NEAR * self._throttled_at:
                    per_second = max(self.MIN_INCREASE, self.APPROACH * gap)
                else:
                    per_second = max(self.MIN_INCREASE, self.INCREASE * self._rate)
            rate = self._rate + per_second / self._rate
        self._set_rate(rate)

    def still_valid(self, reserved_at: float) -> bool:
        with self._lock:
            return reserved_at >= self._last_decrease

    def _decrease(self, now: float) -> None:
        self._last_decrease = now
        self._throttled_at = self._rate
        while self._answered and self._answered[0] <= now - self.WINDOW:
            self._answered.popleft()
        through = self._rate
        if self._first_answer is not None and self._answered:
            span = min(self.WINDOW, max(now - self._first_answer, 1.0))
            through = min(through, len(self._answered) / span)
        self._set_rate(self.DECREASE * through)
        # Multiplicative decrease, and no slow start after it: the threshold is the new rate.
        self._ssthresh = self._rate
        # The slots given at the old rate are taken back (see still_valid): the requests waiting
        # for them ask again, and the next goes one interval from now.
        self._next = now + 1.0 / self._rate

    def _set_rate(self, rate: float) -> None:
        self._rate = min(max(rate, self._floor), self._ceiling)
        self.peak = max(self.peak, self._rate)

    def __repr__(self) -> str:
        return (
            f"AdaptivePace(rate={self._rate:.1f}, ceiling={self.ceiling}, "
            f"state={self.state!r}, requests={self.requests}, throttled={self.throttled})"
        )
