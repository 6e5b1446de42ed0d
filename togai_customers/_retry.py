"""What is retried, how long to wait, and when a retry's error is really our own lost success.

Pure decisions (the random source is injected); the clients only send and sleep.

* Every operation is retried when the request certainly was not processed: the connection could not
  be made (refused, DNS, connect/pool timeout), 429 Too Many Requests, 503 Service Unavailable.
* Only operations whose row has ``retry_ambiguous`` (the seed's idempotent ones, and
  create_customer, idempotent by its caller-chosen id) are retried when the request may have been
  processed: read/write timeouts, a connection dropped mid-request, 408, 500, 502, 504.
* A ``Retry-After`` header (seconds or an HTTP date) sets the wait, capped at 60 s. Togai does not
  send one (not even with 429), so the usual wait grows exponentially from 0.5 s with up to 0.5 s of
  jitter, capped at 8 s.
* A row's ``lost_answer`` rule (create meets 409, delete meets 404) applies only when an earlier
  attempt of the same call may have gone through.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from ._exceptions import APIConnectionError, APIStatusError
from ._operations import Call, LostAnswer, Operation

__all__ = [
    "BACKOFF_CAP",
    "BACKOFF_INITIAL",
    "BACKOFF_JITTER",
    "RETRY_AFTER_CAP",
    "Attempts",
    "may_have_been_processed",
    "retry_after_seconds",
]

RETRY_AFTER_CAP = 60.0
BACKOFF_INITIAL = 0.5
BACKOFF_CAP = 8.0
BACKOFF_JITTER = 0.5

_ALWAYS_STATUSES = frozenset({429, 503})
_AMBIGUOUS_STATUSES = frozenset({408, 500, 502, 504})
# The request never reached the server: safe to repeat for any operation.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The server may have processed the request.
_AMBIGUOUS = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` wait in seconds (capped at 60), or None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def may_have_been_processed(exc: Exception) -> bool:
    """Whether a failed attempt may nonetheless have been carried out by the server."""
    if isinstance(exc, APIStatusError):
        return exc.status_code in _AMBIGUOUS_STATUSES
    return isinstance(exc, APIConnectionError) and isinstance(exc.__cause__, _AMBIGUOUS)


def _retryable(op: Operation[Any], exc: Exception) -> bool:
    if isinstance(exc, APIStatusError):
        status = exc.status_code
        return status in _ALWAYS_STATUSES or (op.retry_ambiguous and status in _AMBIGUOUS_STATUSES)
    if isinstance(exc, APIConnectionError):
        cause = exc.__cause__
        return isinstance(cause, _NOT_SENT) or (
            op.retry_ambiguous and isinstance(cause, _AMBIGUOUS)
        )
    return False


class Attempts:
    """The retry policy applied to one call: feed it each failure, it says whether to go on.

    ``number`` is the attempt about to be made (1 for the first). ``uniform`` draws the jitter
    (injected so tests can fix it).
    """

    def __init__(
        self,
        op: Operation[Any],
        max_retries: int,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self._op = op
        self._limit = max_retries + 1
        self._uniform = uniform
        self.number = 1
        self.failures: list[Exception] = []

    def failed(self, exc: Exception) -> float | None:
        """Seconds to wait before the next attempt, or None to give up (``exc`` stands)."""
        self.failures.append(exc)
        if self.number >= self._limit or not _retryable(self._op, exc):
            return None
        wait = retry_after_seconds(exc.response) if isinstance(exc, APIStatusError) else None
        if wait is None:
            exponential = BACKOFF_INITIAL * 2.0 ** (self.number - 1)
            wait = min(BACKOFF_CAP, exponential + self._uniform(0.0, BACKOFF_JITTER))
        self.number += 1
        return wait

    def lost_answer(self, call: Call[Any], exc: Exception) -> LostAnswer | None:
        """The row's lost-answer rule, when ``exc`` (the last failure) may be our own success.

        That is: the rule's status, after an earlier attempt of this call that may have gone
        through. After only unprocessed failures the status has its usual meaning.
        """
        rule = call.op.lost_answer
        if rule is None or not isinstance(exc, APIStatusError) or exc.status_code != rule.status:
            return None
        earlier = [f for f in self.failures if f is not exc]
        return rule if any(may_have_been_processed(f) for f in earlier) else None
