"""pytest fixtures for testing code that uses togai_customers against the sandbox.

Installed with the package (entry point ``pytest11``), so they are available in any project:

* ``togai_sandbox``: a fresh in-memory :class:`Sandbox` per test (override this fixture to
  change its knobs);
* ``togai_client`` / ``togai_async_client``: SDK clients (API key ``"test"``) wired to it
  in-process through :class:`SandboxTransport`;
* ``togai_sandbox_url``: the same sandbox served over real HTTP on 127.0.0.1 and a free port
  (one server for the whole session, serving the running test's own sandbox);
* ``togai_instant_retries``: the SDK keeps every retry but does not wait between attempts (nor
  for its pace).

Kept free of heavy imports: this module is loaded in every pytest run of every project that
installs the package.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from togai_customers import AsyncTogaiCustomers, Clock, TogaiCustomers, default_clock

from .._security import ASGIApp, Receive, Scope, Send
from ._asgi import create_app
from ._sandbox import Sandbox
from ._server import serve_app_in_thread
from ._transport import SandboxTransport

__all__ = [
    "togai_async_client",
    "togai_client",
    "togai_instant_retries",
    "togai_sandbox",
    "togai_sandbox_url",
]


@pytest.fixture
def togai_sandbox() -> Iterator[Sandbox]:
    """A fresh in-memory sandbox, closed after the test."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def togai_client(togai_sandbox: Sandbox) -> Iterator[TogaiCustomers]:
    """A sync client talking to ``togai_sandbox`` in-process."""
    http = httpx.Client(transport=SandboxTransport(togai_sandbox))
    with http, TogaiCustomers(api_key="test", http_client=http) as client:
        yield client


@pytest.fixture
def togai_async_client(togai_sandbox: Sandbox) -> AsyncTogaiCustomers:
    """An async client talking to ``togai_sandbox`` in-process.

    A plain (sync) fixture, so it works whatever the pytest-asyncio mode; the in-process
    transport holds no connections, so there is nothing to close.
    """
    http = httpx.AsyncClient(transport=SandboxTransport(togai_sandbox))
    return AsyncTogaiCustomers(api_key="test", http_client=http)


class _RunningTest:
    """The ASGI app of the running test's sandbox: one server per session (a server per test
    would start and stop uvicorn each time) serves each test's own fresh sandbox."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "http":  # a request between tests
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            body = b'{"message": "No test is running: its sandbox is gone"}'
            await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="session")
def _togai_sandbox_server() -> Iterator[tuple[_RunningTest, str]]:
    running = _RunningTest()
    with serve_app_in_thread(running) as url:
        yield running, url


@pytest.fixture
def togai_sandbox_url(
    togai_sandbox: Sandbox, _togai_sandbox_server: tuple[_RunningTest, str]
) -> Iterator[str]:
    """``togai_sandbox`` served over HTTP on 127.0.0.1 (free port); yields the base URL."""
    running, url = _togai_sandbox_server
    running.app = create_app(togai_sandbox)
    try:
        yield url
    finally:
        running.app = None


class _SkippedTime(Clock):
    """Waits that return at once, and a pacing clock that counts them as time gone by."""

    def __init__(self) -> None:
        import threading

        self._skipped = 0.0
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._skipped += max(seconds, 0.0)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def monotonic(self) -> float:
        return super().monotonic() + self._skipped


@pytest.fixture
def togai_instant_retries() -> Iterator[None]:
    """The SDK's waits (retry backoff, ``Retry-After``, ``max_requests_per_second``) return at
    once; every retry still runs, and the pace counts a skipped wait as time gone by (for every
    client without a clock of its own: :func:`togai_customers.default_clock`)."""
    with default_clock(_SkippedTime()):
        yield
