"""What is retried, and how long to wait (the policy; stamina runs the loop).

* Every operation is retried when the request certainly was not processed: the connection could not
  be made (refused, DNS, connect/pool timeout), 429 Too Many Requests, 503 Service Unavailable.
* Only operations whose row has ``retry_ambiguous`` (the seed's idempotent ones, and
  create_customer, idempotent by its caller-chosen id) are retried when the request may have been
  processed: read/write timeouts, a connection dropped mid-request, 408, 500, 502, 504.
* A ``Retry-After`` header (seconds or an HTTP date) sets the wait, capped at 60 s; otherwise the
  wait grows exponentially from 0.5 s with up to 0.5 s of jitter, capped at 8 s.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import httpx

from ._exceptions import APIConnectionError, APIStatusError
from ._operations import Operation

__all__ = [
    "BACKOFF",
    "RETRY_AFTER_CAP",
    "may_have_been_processed",
    "retry_after_seconds",
    "retry_hook",
]

RETRY_AFTER_CAP = 60.0
#: stamina's backoff parameters (exponential from 0.5 s, jitter up to 0.5 s, at most 8 s).
BACKOFF: dict[str, float] = {
    "wait_initial": 0.5,
    "wait_max": 8.0,
    "wait_jitter": 0.5,
    "wait_exp_base": 2.0,
}

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


def retry_hook(op: Operation) -> Callable[[Exception], bool | float]:
    """stamina backoff hook for ``op``: False (give up), True (back off) or seconds to wait."""

    def decide(exc: Exception) -> bool | float:
        if isinstance(exc, APIStatusError):
            status = exc.status_code
            if status in _ALWAYS_STATUSES or (op.retry_ambiguous and status in _AMBIGUOUS_STATUSES):
                wait = retry_after_seconds(exc.response)
                return True if wait is None else wait
            return False
        if isinstance(exc, APIConnectionError):
            cause = exc.__cause__
            if isinstance(cause, _NOT_SENT):
                return True
            return op.retry_ambiguous and isinstance(cause, _AMBIGUOUS)
        return False

    return decide
