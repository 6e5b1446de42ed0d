"""The sync and async clients, and their ``with_raw_response`` views.

Every operation method comes from the ``OperationMethods`` mixin (one builder per row, see
``_calls``); the classes differ only in how they transmit a request and wait (the drivers of
``BaseClient._steps``, in their public ``send``) and in what running a call returns
(``_run``/``_run_paged``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from ._base import BaseClient, RawResponse, Run, Send, Sleep, tls_verify, transport_error
from ._calls import OperationMethods
from ._exceptions import APIConnectionError, APIStatusError, status_error
from ._operations import Call
from ._pagination import AsyncPaginator, SyncPage

__all__ = ["AsyncTogaiCustomers", "AsyncWithRawResponse", "TogaiCustomers", "WithRawResponse"]

R = TypeVar("R")

_FAILURES = (APIStatusError, APIConnectionError)


class TogaiCustomers(OperationMethods, BaseClient[httpx.Client]):
    """Synchronous client for the Togai Customers API.

    ``api_key`` defaults to ``$TOGAI_API_KEY``; ``base_url`` to ``$TOGAI_BASE_URL`` or
    ``https://api.togai.com``. Pass ``http_client`` to use your own ``httpx.Client`` (proxies,
    transports, the sandbox's ``SandboxTransport``); it is not closed by :meth:`close`.
    """

    @staticmethod
    def _returns(result: Any, item: Any) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs); ``item``
        is the type of a paginated row's items (None otherwise)."""
        return result if item is None else SyncPage[item]

    @staticmethod
    def _new_http(base_url: str) -> httpx.Client:
        return httpx.Client(verify=tls_verify(base_url))

    @property
    def with_raw_response(self) -> WithRawResponse:
        """The same operations, returning the HTTP response with a ``parse()`` method."""
        return WithRawResponse(self)

    def _run(self, call: Call[R]) -> R:
        return self.send(call).parse()

    def _run_paged(self, call: Call[Any]) -> SyncPage[Any]:
        return SyncPage(self, call, self.send(call).parse())

    def _transmit(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise transport_error(exc, request) from exc
        if response.is_error:
            raise status_error(response)
        return response

    def send(self, call: Call[R]) -> RawResponse[R]:
        """Send ``call`` (from ``Operation.build``, ``from_wire`` or ``from_arguments``) with this
        client's retries, pace and lost-answer rules; the response of its last attempt, whose
        ``parse()`` is the typed result. Raises the typed errors (:class:`APIStatusError`, ...).
        """
        steps = self._steps(call)
        step = next(steps)
        clock = self.clock
        while True:
            try:
                try:
                    if isinstance(step, Send):
                        answer: Any = self._transmit(step.request)
                    elif isinstance(step, Sleep):
                        clock.sleep(step.seconds)
                        answer = None
                    else:
                        assert isinstance(step, Run)
                        answer = self.send(step.call)
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


class AsyncTogaiCustomers(OperationMethods, BaseClient[httpx.AsyncClient]):
    """Asynchronous client for the Togai Customers API (arguments as :class:`TogaiCustomers`)."""

    @staticmethod
    def _returns(result: Any, item: Any) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return Awaitable[result] if item is None else AsyncPaginator[item]

    @staticmethod
    def _new_http(base_url: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(verify=tls_verify(base_url))

    @property
    def with_raw_response(self) -> AsyncWithRawResponse:
        """The same operations, returning the HTTP response with a ``parse()`` method."""
        return AsyncWithRawResponse(self)

    async def _run(self, call: Call[R]) -> R:
        return (await self.send(call)).parse()

    def _run_paged(self, call: Call[Any]) -> AsyncPaginator[Any]:
        return AsyncPaginator(self, call)

    async def _transmit(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            raise transport_error(exc, request) from exc
        if response.is_error:
            raise status_error(response)
        return response

    async def send(self, call: Call[R]) -> RawResponse[R]:
        """Send ``call`` (from ``Operation.build``, ``from_wire`` or ``from_arguments``) with this
        client's retries, pace and lost-answer rules; the response of its last attempt, whose
        ``parse()`` is the typed result. Raises the typed errors (:class:`APIStatusError`, ...).
        """
        steps = self._steps(call)
        step = next(steps)
        clock = self.clock
        while True:
            try:
                try:
                    if isinstance(step, Send):
                        answer: Any = await self._transmit(step.request)
                    elif isinstance(step, Sleep):
                        await clock.asleep(step.seconds)
                        answer = None
                    else:
                        assert isinstance(step, Run)
                        answer = await self.send(step.call)
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


class WithRawResponse(OperationMethods):
    """Every operation of a sync client, returning :class:`RawResponse` (with ``parse()``)."""

    @staticmethod
    def _returns(result: Any, item: Any) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return RawResponse[result]

    def __init__(self, client: TogaiCustomers) -> None:
        self._client = client

    def _run(self, call: Call[R]) -> RawResponse[R]:
        return self._client.send(call)

    _run_paged = _run


class AsyncWithRawResponse(OperationMethods):
    """Every operation of an async client, returning :class:`RawResponse`."""

    @staticmethod
    def _returns(result: Any, item: Any) -> Any:
        """What an operation method returns, for its signature (``help()``, the docs)."""
        return Awaitable[RawResponse[result]]

    def __init__(self, client: AsyncTogaiCustomers) -> None:
        self._client = client

    async def _run(self, call: Call[R]) -> RawResponse[R]:
        return await self._client.send(call)

    _run_paged = _run
