"""Time as the clients see it: the clock they pace by and the way they wait.

Every wait of a client (retry backoff, ``Retry-After``, its pace) goes through a :class:`Clock`,
so tests (and programs that simulate time) can replace it: per client, ``clock=`` when it is
made; for every client that has none of its own, :func:`default_clock` while a block runs (the
sandbox's pytest fixture ``togai_instant_retries`` does that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Clock", "current_clock", "default_clock"]


class Clock:
    """The system's clock: ``time.monotonic``, ``time.sleep`` and ``anyio.sleep``.

    Subclass it to change time: :meth:`monotonic` is what pacing reads (seconds, any origin),
    :meth:`sleep` how the sync client waits and :meth:`asleep` how the async one does.
    """

    def monotonic(self) -> float:
        """Seconds from any origin, never going back (what pacing reads)."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (the sync client)."""
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Wait ``seconds`` (the async client)."""
        import anyio

        await anyio.sleep(seconds)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


_SYSTEM = Clock()
_default: Clock = _SYSTEM
_lock = threading.Lock()


def current_clock() -> Clock:
    """The clock of the clients that were given none (see :func:`default_clock`)."""
    return _default


@contextmanager
def default_clock(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the clock of every client without one of its own (in every thread), until
    the block ends; blocks nest. For tests: e.g. a clock whose waits return at once."""
    global _default
    with _lock:
        previous, _default = _default, clock
    try:
        yield clock
    finally:
        with _lock:
            _default = previous
