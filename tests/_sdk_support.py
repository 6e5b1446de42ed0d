"""Helpers for the tests: one way to make a client of either flavour, flavour-agnostic calls, a
scripted MockTransport handler, a recording transport and a fake clock.

Tests that run with both clients take the ``flavour`` fixture (``tests/conftest.py``: "sync", then
"async") and build their clients with :func:`sdk_client`; :func:`resolve` awaits what the async
client returns and passes the sync client's results through.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from togai_customers import AsyncTogaiCustomers, Clock, TogaiCustomers

API_KEY = "sk_test_do_not_leak_4f1c"
BASE_URL = "https://api.togai.test"

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def customer_json(customer_id: str = "c1", **overrides: Any) -> dict[str, Any]:
    """A valid upstream Customer body."""
    body: dict[str, Any] = {
        "id": customer_id,
        "togaiCustomerId": f"tc_{customer_id}",
        "name": "Acme Corp",
        "primaryEmail": "billing@acme.com",
        "billingAddress": "1 Main St, Springfield, US",
        "address": {"line1": "1 Main St", "city": "Springfield", "country": "US"},
        "status": "ACTIVE",
        "createdAt": "2024-01-02T03:04:05Z",
        "updatedAt": "2024-01-02T03:04:05Z",
    }
    body.update(overrides)
    return body


class Script:
    """A MockTransport handler answering from a queue of steps, recording every request.

    A step is a response, an exception to raise (a transport fault) or a callable of the request.
    When the queue is empty, ``default`` answers.
    """

    def __init__(self, *steps: Step, default: Step | None = None) -> None:
        self.steps = list(steps)
        self.default = default
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if self.steps else self.default
        if step is None:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def count(self) -> int:
        return len(self.requests)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


Client = TogaiCustomers | AsyncTogaiCustomers

FLAVOURS = ("sync", "async")


def sdk_client(flavour: str, transport: Any = None, **kwargs: Any) -> Client:
    """A client of ``flavour`` ("sync" or "async"), over ``transport`` when one is given (an httpx
    transport, e.g. the sandbox's or a MockTransport) or over real HTTP (``base_url=...``)."""
    kwargs.setdefault("api_key", API_KEY)
    if flavour == "sync":
        http = None if transport is None else httpx.Client(transport=transport)
        return TogaiCustomers(http_client=http, **kwargs)
    ahttp = None if transport is None else httpx.AsyncClient(transport=transport)
    return AsyncTogaiCustomers(http_client=ahttp, **kwargs)


async def close(client: Client) -> None:
    """Close a client of either flavour (and its own httpx client)."""
    http = client._http
    if isinstance(client, TogaiCustomers):
        client.close()
        http.close()  # type: ignore[union-attr]
    else:
        await client.aclose()
        await http.aclose()  # type: ignore[union-attr]


async def resolve(value: Any) -> Any:
    """Await the async client's results; pass the sync client's through."""
    return await value if inspect.isawaitable(value) else value


async def collect(client: Client, **kwargs: Any) -> list[Any]:
    """Every customer yielded by auto-pagination, for either client."""
    pages = client.list_customers(**kwargs)
    if isinstance(client, TogaiCustomers):
        return list(pages)  # type: ignore[call-overload]
    return [c async for c in pages]  # type: ignore[union-attr]


class Recorder(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a transport (the sandbox's) and keeps every request it passes on."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        response: httpx.Response = self.inner.handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self) -> Any:
        return json.loads(self.last.content)


class FakeClock(Clock):
    """Monotonic time that moves only when the test's own thread sleeps (the SDK's backoff).

    Sleeps from any other thread (e.g. a server thread left by an earlier test, whose event loop
    ticks with asyncio.sleep) go to the real functions, so they cannot move this clock.
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self._thread = threading.get_ident()
        self._real_sleep = time.sleep
        self._real_asleep = asyncio.sleep

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if threading.get_ident() != self._thread:
            self._real_sleep(seconds)
            return
        self.waits.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        if threading.get_ident() != self._thread:
            await self._real_asleep(seconds)
            return
        self.waits.append(seconds)
        self.now += seconds


class StillClock(Clock):
    """Time stands still at 50.0; each wait is recorded (from any thread) and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return 50.0

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
