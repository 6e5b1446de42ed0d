"""The sync and async clients.

Each operation method is a thin descriptor over the builder in ``_calls`` (one signature, one
docstring); the classes differ only in how they send a request (and stamina's sleep inside the
retry loop).
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from types import MethodType, TracebackType
from typing import Any, Generic, ParamSpec, Self, TypeVar, overload

import httpx

from . import _calls
from ._base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    BaseClient,
    Call,
    RawResponse,
    get_call,
    is_recoverable_conflict,
    recover_conflict,
    transport_error,
)
from ._exceptions import APIConnectionError, APIStatusError
from ._models import CustomerPage
from ._pagination import AsyncPaginator, SyncPage

__all__ = ["AsyncTogaiCustomers", "TogaiCustomers"]

P = ParamSpec("P")
R = TypeVar("R")

_NOT_SET: Any = object()

# _replay_note: the first attempt of every call runs outside stamina (building its retry context
# costs more than the rest of our per-call overhead). Only after a failure does the retry loop
# start, and its first "attempt" re-raises that failure: stamina sees the same sequence of
# outcomes as if it had run the first send itself, so the retry decision, the backoff, its
# instrumentation and its testing mode are unchanged.


def _method(
    build: Callable[P, Call[R]], run: Callable[[Any, Call[R]], Any], return_note: str
) -> Callable[..., Any]:
    """The function behind ``client.<op>``: build the call from the user's arguments, run it.

    Made once per operation and bound with ``MethodType`` on access: no per-call signature or
    closure work, and no reference cycle through the client.
    """

    @functools.wraps(build)
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        return run(self, build(*args, **kwargs))

    sig = inspect.signature(build)
    this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    method.__signature__ = sig.replace(  # type: ignore[attr-defined]
        parameters=[this, *sig.parameters.values()], return_annotation=return_note
    )
    return method


def _run_sync(client: TogaiCustomers, call: Call[R]) -> R:
    return client._execute(call).parse()


async def _run_async(client: AsyncTogaiCustomers, call: Call[R]) -> R:
    return (await client._execute(call)).parse()


def _run_raw(raw: WithRawResponse | AsyncWithRawResponse, call: Call[R]) -> Any:
    return raw._client._execute(call)


class _Op(Generic[P, R]):
    """``client.<op>(...)`` on the sync client: returns the parsed result."""

    def __init__(self, build: Callable[P, Call[R]]) -> None:
        self._method = _method(build, _run_sync, "result")
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: TogaiCustomers, owner: type[Any]) -> Callable[P, R]: ...
    def __get__(self, obj: TogaiCustomers | None, owner: type[Any]) -> Any:
        return self if obj is None else MethodType(self._method, obj)


class _AsyncOp(Generic[P, R]):
    """``await client.<op>(...)`` on the async client: returns the parsed result."""

    def __init__(self, build: Callable[P, Call[R]]) -> None:
        self._method = _method(build, _run_async, "awaitable result")
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: AsyncTogaiCustomers, owner: type[Any]) -> Callable[P, Awaitable[R]]: ...
    def __get__(self, obj: AsyncTogaiCustomers | None, owner: type[Any]) -> Any:
        return self if obj is None else MethodType(self._method, obj)


class _RawOp(Generic[P, R]):
    """``client.with_raw_response.<op>(...)``: the :class:`RawResponse` instead of the result."""

    def __init__(self, build: Callable[P, Call[R]]) -> None:
        self._method = _method(build, _run_raw, "RawResponse")
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: WithRawResponse, owner: type[Any]) -> Callable[P, RawResponse[R]]: ...
    def __get__(self, obj: WithRawResponse | None, owner: type[Any]) -> Any:
        return self if obj is None else MethodType(self._method, obj)


class _AsyncRawOp(Generic[P, R]):
    """``await client.with_raw_response.<op>(...)`` on the async client."""

    def __init__(self, build: Callable[P, Call[R]]) -> None:
        self._method = _method(build, _run_raw, "awaitable RawResponse")
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(
        self, obj: AsyncWithRawResponse, owner: type[Any]
    ) -> Callable[P, Awaitable[RawResponse[R]]]: ...
    def __get__(self, obj: AsyncWithRawResponse | None, owner: type[Any]) -> Any:
        return self if obj is None else MethodType(self._method, obj)


class WithRawResponse:
    """Every operation of a sync client, returning :class:`RawResponse` (with ``parse()``)."""

    create_customer = _RawOp(_calls.create_customer)
    list_customers = _RawOp(_calls.list_customers)
    get_customer = _RawOp(_calls.get_customer)
    update_customer = _RawOp(_calls.update_customer)
    delete_customer = _RawOp(_calls.delete_customer)
    create_customer_contact = _RawOp(_calls.create_customer_contact)

    def __init__(self, client: TogaiCustomers) -> None:
        self._client = client


class AsyncWithRawResponse:
    """Every operation of an async client, returning :class:`RawResponse`."""

    create_customer = _AsyncRawOp(_calls.create_customer)
    list_customers = _AsyncRawOp(_calls.list_customers)
    get_customer = _AsyncRawOp(_calls.get_customer)
    update_customer = _AsyncRawOp(_calls.update_customer)
    delete_customer = _AsyncRawOp(_calls.delete_customer)
    create_customer_contact = _AsyncRawOp(_calls.create_customer_contact)

    def __init__(self, client: AsyncTogaiCustomers) -> None:
        self._client = client


class TogaiCustomers(BaseClient[httpx.Client]):
    """Synchronous client for the Togai Customers API.

    ``api_key`` defaults to ``$TOGAI_API_KEY``; ``base_url`` to ``$TOGAI_BASE_URL`` or
    ``https://api.togai.com``. Pass ``http_client`` to use your own ``httpx.Client`` (proxies,
    transports, the sandbox's ``SandboxTransport``); it is not closed by :meth:`close`.
    """

    create_customer = _Op(_calls.create_customer)
    get_customer = _Op(_calls.get_customer)
    update_customer = _Op(_calls.update_customer)
    delete_customer = _Op(_calls.delete_customer)
    create_customer_contact = _Op(_calls.create_customer_contact)

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()

    def list_customers(
        self,
        *,
        page_size: int | None = None,
        next_token: str | None = None,
        max_items: int | None = None,
    ) -> SyncPage:
        """The first page of customers; iterate it for every customer across pages.

        ``page_size`` 1-50 (server default 10); ``next_token`` resumes from a saved cursor;
        ``max_items`` stops the iteration after that many customers.
        """
        call = _calls.list_customers(page_size=page_size, next_token=next_token)
        page: CustomerPage = self._execute(call).parse()
        return SyncPage(self, call, page, max_items)

    @property
    def with_raw_response(self) -> WithRawResponse:
        """The same operations, returning the HTTP response with a ``parse()`` method."""
        return WithRawResponse(self)

    def with_options(
        self,
        *,
        api_key: str = _NOT_SET,
        timeout: float | httpx.Timeout = _NOT_SET,
        max_retries: int = _NOT_SET,
    ) -> TogaiCustomers:
        """A client with other settings (e.g. another key) sharing this one's connection pool."""
        clone = TogaiCustomers(
            self._api_key if api_key is _NOT_SET else api_key,
            base_url=self.base_url,
            timeout=self.timeout if timeout is _NOT_SET else timeout,
            max_retries=self.max_retries if max_retries is _NOT_SET else max_retries,
            http_client=self._http,
        )
        return clone

    def _send(self, request: httpx.Request, attempt: int) -> httpx.Response:
        t0 = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            self._log_failure(request, exc, attempt)
            raise transport_error(exc, request) from exc
        self._check(request, response, attempt, t0)
        return response

    def _execute(self, call: Call[R]) -> RawResponse[R]:
        request = self._build_request(call)
        try:
            return RawResponse(self._send(request, 1), call)
        except (APIStatusError, APIConnectionError) as exc:
            first = exc
        attempts = 0
        failures: list[Exception] = []
        try:
            for attempt in self._retrying(call, failures):
                with attempt:
                    attempts += 1
                    if attempts == 1:
                        raise first  # replayed: see _replay_note
                    response = self._send(request, attempts)
        except APIStatusError as exc:
            if not is_recoverable_conflict(call, exc, failures):
                raise
            fetched = self._execute(get_call(call.body.id))
            recovered: Any = recover_conflict(call, exc, fetched.parse())
            return RawResponse(fetched.http_response, call, recovered)
        return RawResponse(response, call)

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


class AsyncTogaiCustomers(BaseClient[httpx.AsyncClient]):
    """Asynchronous client for the Togai Customers API (arguments as :class:`TogaiCustomers`)."""

    create_customer = _AsyncOp(_calls.create_customer)
    get_customer = _AsyncOp(_calls.get_customer)
    update_customer = _AsyncOp(_calls.update_customer)
    delete_customer = _AsyncOp(_calls.delete_customer)
    create_customer_contact = _AsyncOp(_calls.create_customer_contact)

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()

    def list_customers(
        self,
        *,
        page_size: int | None = None,
        next_token: str | None = None,
        max_items: int | None = None,
    ) -> AsyncPaginator:
        """``await`` it for the first page, or ``async for`` over it for every customer.

        ``page_size`` 1-50 (server default 10); ``next_token`` resumes from a saved cursor;
        ``max_items`` stops the iteration after that many customers.
        """
        call = _calls.list_customers(page_size=page_size, next_token=next_token)
        return AsyncPaginator(self, call, max_items)

    @property
    def with_raw_response(self) -> AsyncWithRawResponse:
        """The same operations, returning the HTTP response with a ``parse()`` method."""
        return AsyncWithRawResponse(self)

    def with_options(
        self,
        *,
        api_key: str = _NOT_SET,
        timeout: float | httpx.Timeout = _NOT_SET,
        max_retries: int = _NOT_SET,
    ) -> AsyncTogaiCustomers:
        """A client with other settings (e.g. another key) sharing this one's connection pool."""
        return AsyncTogaiCustomers(
            self._api_key if api_key is _NOT_SET else api_key,
            base_url=self.base_url,
            timeout=self.timeout if timeout is _NOT_SET else timeout,
            max_retries=self.max_retries if max_retries is _NOT_SET else max_retries,
            http_client=self._http,
        )

    async def _send(self, request: httpx.Request, attempt: int) -> httpx.Response:
        t0 = time.perf_counter()
        try:
            response = await self._http.send(request)
        except httpx.TransportError as exc:
            self._log_failure(request, exc, attempt)
            raise transport_error(exc, request) from exc
        self._check(request, response, attempt, t0)
        return response

    async def _execute(self, call: Call[R]) -> RawResponse[R]:
        request = self._build_request(call)
        try:
            return RawResponse(await self._send(request, 1), call)
        except (APIStatusError, APIConnectionError) as exc:
            first = exc
        attempts = 0
        failures: list[Exception] = []
        try:
            async for attempt in self._retrying(call, failures):
                with attempt:
                    attempts += 1
                    if attempts == 1:
                        raise first  # replayed: see _replay_note
                    response = await self._send(request, attempts)
        except APIStatusError as exc:
            if not is_recoverable_conflict(call, exc, failures):
                raise
            fetched = await self._execute(get_call(call.body.id))
            recovered: Any = recover_conflict(call, exc, fetched.parse())
            return RawResponse(fetched.http_response, call, recovered)
        return RawResponse(response, call)

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
