"""The sync and async clients, and their ``with_raw_response`` views.

Every operation method comes from the ``Operations`` mixin (one builder per row, see ``_calls``);
the classes differ only in how they send a request and sleep (the drivers of
``BaseClient._steps``) and in what running a call returns (``_run``/``_run_paged``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from types import TracebackType
from typing import Any, Self, TypeVar

import anyio
import httpx

from ._base import BaseClient, RawResponse, Run, Send, Sleep, transport_error
from ._calls import Operations
from ._exceptions import APIConnectionError, APIStatusError, status_error
from ._models import CustomerPage
from ._operations import Call
from ._pagination import AsyncPaginator, SyncPage

__all__ = ["AsyncTogaiCustomers", "AsyncWithRawResponse", "TogaiCustomers", "WithRawResponse"]

R = TypeVar("R")

_FAILURES = (APIStatusError, APIConnectionError)


# The clients' only ways to wait (looked up at call time, so tests can replace them).
def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _asleep(seconds: float) -> None:
    await anyio.sleep(seconds)


class TogaiCustomers(Operations, BaseClient[httpx.Client]):
    """Synchronous client for the Togai Customers API.

    ``api_key`` defaults to ``$TOGAI_API_KEY``; ``base_url`` to ``$TOGAI_BASE_URL`` or
    ``https://api.togai.com``. Pass ``http_client`` to use your own ``httpx.Client`` (proxies,
    transports, the sandbox's ``SandboxTransport``); it is not closed by :meth:`close`.
    """

    @staticmethod
    def _returns(result: Any, *, paged: bool) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return SyncPage if paged else result

    @staticmethod
    def _new_http() -> httpx.Client:
        return httpx.Client()

    @property
    def with_raw_response(self) -> WithRawResponse:
        """The same operations, returning the HTTP response with a ``parse()`` method."""
        return WithRawResponse(self)

    def _run(self, call: Call[R]) -> R:
        return self._execute(call).parse()

    def _run_paged(self, call: Call[CustomerPage]) -> SyncPage:
        return SyncPage(self, call, self._execute(call).parse())

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise transport_error(exc, request) from exc
        if response.is_error:
            raise status_error(response)
        return response

    def _execute(self, call: Call[R]) -> RawResponse[R]:
        """Drive the call's steps: send, sleep, run the lookup; the result when they end."""
        steps = self._steps(call)
        step = next(steps)
        while True:
            try:
                try:
                    if isinstance(step, Send):
                        answer: Any = self._send(step.request)
                    elif isinstance(step, Sleep):
                        _sleep(step.seconds)
                        answer = None
                    else:
                        assert isinstance(step, Run)
                        answer = self._execute(step.call)
                except _FAILURES as exc:
                    step = steps.throw(exc)
                else:
                    step = steps.send(answer)
            except StopIteration as done:
                result: RawResponse[R] = done.value
                return result

    def close(self) -> None:
        """Close the connection pool (unless it was passed in or is shared)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncTogaiCustomers(Operations, BaseClient[httpx.AsyncClient]):
    """Asynchronous client for the Togai Customers API (arguments as :class:`TogaiCustomers`)."""

    @staticmethod
    def _returns(result: Any, *, paged: bool) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return AsyncPaginator if paged else Awaitable[result]

    @staticmethod
    def _new_http() -> httpx.AsyncClient:
        return httpx.AsyncClient()

    @property
    def with_raw_response(self) -> AsyncWithRawResponse:
        """The same operations, returning the HTTP response with a ``parse()`` method."""
        return AsyncWithRawResponse(self)

    async def _run(self, call: Call[R]) -> R:
        return (await self._execute(call)).parse()

    def _run_paged(self, call: Call[CustomerPage]) -> AsyncPaginator:
        return AsyncPaginator(self, call)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            raise transport_error(exc, request) from exc
        if response.is_error:
            raise status_error(response)
        return response

    async def _execute(self, call: Call[R]) -> RawResponse[R]:
        """Drive the call's steps: send, sleep, run the lookup; the result when they end."""
        steps = self._steps(call)
        step = next(steps)
        while True:
            try:
                try:
                    if isinstance(step, Send):
                        answer: Any = await self._send(step.request)
                    elif isinstance(step, Sleep):
                        await _asleep(step.seconds)
                        answer = None
                    else:
                        assert isinstance(step, Run)
                        answer = await self._execute(step.call)
                except _FAILURES as exc:
                    step = steps.throw(exc)
                else:
                    step = steps.send(answer)
            except StopIteration as done:
                result: RawResponse[R] = done.value
                return result

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in or is shared)."""
        if self._owns_http:
            await self._http.aclose()

    async def close(self) -> None:
        """Alias of :meth:`aclose`."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class WithRawResponse(Operations):
    """Every operation of a sync client, returning :class:`RawResponse` (with ``parse()``)."""

    @staticmethod
    def _returns(result: Any, *, paged: bool) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return RawResponse[result]

    def __init__(self, client: TogaiCustomers) -> None:
        self._client = client

    def _run(self, call: Call[R]) -> RawResponse[R]:
        return self._client._execute(call)

    _run_paged = _run


class AsyncWithRawResponse(Operations):
    """Every operation of an async client, returning :class:`RawResponse`."""

    @staticmethod
    def _returns(result: Any, *, paged: bool) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return Awaitable[RawResponse[result]]

    def __init__(self, client: AsyncTogaiCustomers) -> None:
        self._client = client

    async def _run(self, call: Call[R]) -> RawResponse[R]:
        return await self._client._execute(call)

    _run_paged = _run
