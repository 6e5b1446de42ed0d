"""Fault injection: seeded random failures, one-shot queued failures and a rate limit.

Kinds of fault (:data:`FAULTS`), and when they strike relative to processing:

* ``"500"``: 500 Internal Server Error, *before* processing (nothing was changed).
* ``"503"``: 503 Service Unavailable, *before* processing.
* ``"drop-before"``: the connection drops before the request is processed. The in-process
  transport raises ``httpx.ConnectError`` (the request never arrived); over HTTP the client sees
  the connection close without a response.
* ``"drop-after"``: the request **is processed** (a create is stored), then the connection drops
  before the response is sent: the transport raises ``httpx.RemoteProtocolError``, over HTTP the
  response is cut off. This is the "processed but response lost" case.

``fail_next`` also takes ``"429"``: 429 Too Many Requests before processing, as the rate limit
answers (with ``Retry-After`` only when the sandbox sends it), without having to reach the limit;
``fail_rate`` never draws it.
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Callable
from typing import Final

__all__ = ["FAULTS", "QUEUEABLE_FAULTS", "FaultPlan", "RateLimiter"]

FAULTS: Final = ("500", "503", "drop-before", "drop-after")
#: What ``fail_next`` takes: the faults, and a rate-limit answer.
QUEUEABLE_FAULTS: Final = (*FAULTS, "429")


class FaultPlan:
    """Decides, per request, whether and how it fails (thread-safe, reproducible with a seed)."""

    def __init__(self, fail_rate: float, seed: int | None) -> None:
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError(f"fail_rate must be between 0 and 1 (got {fail_rate!r})")
        self.fail_rate = fail_rate
        self._rng = random.Random(seed)  # noqa: S311  # reproducible test faults, not crypto
        self._queued: deque[str] = deque()
        self._lock = threading.Lock()

    def queue(self, *kinds: str) -> None:
        for kind in kinds:
            if kind not in QUEUEABLE_FAULTS:
                raise ValueError(
                    f"unknown fault {kind!r}; expected one of {', '.join(QUEUEABLE_FAULTS)}"
                )
        with self._lock:
            self._queued.extend(kinds)

    def draw(self) -> str | None:
        """The fault for the next request, or None; queued faults come first."""
        with self._lock:
            if self._queued:
                return self._queued.popleft()
            # Draw only when enabled, so a seed gives the same faults whatever else is on.
            if self.fail_rate > 0.0 and self._rng.random() < self.fail_rate:
                return self._rng.choice(FAULTS)
        return None


class RateLimiter:
    """Token bucket: ``rate`` requests per second, bursts up to ``burst`` (default one second's
    worth, ``max(1, rate)``)."""

    def __init__(self, rate: float, clock: Callable[[], float], burst: int | None = None) -> None:
        if not rate > 0:
            raise ValueError(f"rate_limit must be > 0 requests per second (got {rate!r})")
        if burst is not None and burst < 1:
            raise ValueError(f"rate_limit_burst must be >= 1 (got {burst!r})")
        self.rate = rate
        self.burst = burst
        self._capacity = float(burst) if burst is not None else max(1.0, rate)
        self._tokens = self._capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> int | None:
        """None if the request may proceed, else the whole seconds to wait (for Retry-After)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - self._tokens) / self.rate))
