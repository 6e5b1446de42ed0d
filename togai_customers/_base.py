"""The sans-I/O core shared by the sync and async clients.

Configuration, building an ``httpx.Request`` from a :class:`Call`, turning a response into a
model or an error, request logging, and the create-customer conflict rule are pure functions
here; the two clients only add ``send`` (and stamina's sleep) around them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import attrs
import httpx

from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConflictError,
    RequestValidationError,
    TogaiError,
    status_error,
)
from ._models import CreateCustomerRequest, CreateCustomerResponse, Customer
from ._operations import CREATE_CUSTOMER, GET_CUSTOMER, Operation
from ._retry import BACKOFF, may_have_been_processed, retry_hook
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "BaseClient",
    "Call",
    "RawResponse",
    "configure_logging_from_env",
]

R = TypeVar("R")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

DEFAULT_BASE_URL = "https://api.togai.com"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
USER_AGENT = f"togai-customers-python/{__version__}"

logger = logging.getLogger("togai_customers")


@attrs.frozen
class Call(Generic[R]):
    """One operation invocation, validated and ready to send: the row plus its arguments."""

    op: Operation
    response_type: type[R]
    path_params: Mapping[str, str] = attrs.field(factory=dict)
    query: Mapping[str, str | int] = attrs.field(factory=dict)
    body: Any = None  # a request model, or None

    def path(self) -> str:
        return self.op.upstream_path(**{k: quote(v, safe="") for k, v in self.path_params.items()})


class RawResponse(Generic[R]):
    """The HTTP response of a call, with :meth:`parse` to get the typed result."""

    def __init__(self, response: httpx.Response, call: Call[R], parsed: R | None = None) -> None:
        self.http_response = response
        self._call = call
        self._parsed = parsed

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        value: str | None = self.http_response.headers.get("x-request-id")
        return value

    def parse(self) -> R:
        """The typed result (parsed once, then cached)."""
        if self._parsed is None:
            self._parsed = parse_response(self._call, self.http_response)
        return self._parsed

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self._call.op.name}>"


def parse_response(call: Call[R], response: httpx.Response) -> R:
    """The typed body of a success response (raises for an error status or a bad body)."""
    if response.is_error:
        raise status_error(response)
    try:
        data = response.json()
    except ValueError:
        raise APIResponseValidationError(
            f"{call.op.name}: response is not JSON", response=response
        ) from None
    from ._serde import structure  # deferred: cattrs loads on the first call, not at import

    try:
        return structure(data, call.response_type)
    except RequestValidationError as exc:
        details = "; ".join(e.describe(wire=True) for e in exc.errors)
        raise APIResponseValidationError(
            f"{call.op.name}: unexpected response body: {details}", response=response
        ) from None


def transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Our error for an httpx transport failure (the cause is kept for the retry policy)."""
    where = f"{request.method} {request.url.copy_with(query=None)}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"Request timed out ({type(exc).__name__}): {where}", request=request
        )
    detail = str(exc) or type(exc).__name__
    return APIConnectionError(f"Connection error: {detail}: {where}", request=request)


def recover_conflict(
    call: Call[Any], error: APIStatusError, existing: Customer
) -> CreateCustomerResponse:
    """A create retried after an ambiguous failure met 409: was it our own earlier attempt?

    It was if the stored customer has the name and primary email we sent; then return it.
    """
    body: CreateCustomerRequest = call.body
    if existing.name != body.name or existing.primary_email != body.primary_email:
        raise error
    return CreateCustomerResponse(
        id=existing.id,
        togai_customer_id=existing.togai_customer_id,
        name=existing.name,
        primary_email=existing.primary_email,
        billing_address=existing.billing_address,
        address=existing.address,
        settings=body.settings,
    )


def is_recoverable_conflict(
    call: Call[Any], exc: APIStatusError, failures: list[Exception]
) -> bool:
    """A create answered 409 after an earlier attempt that may have gone through.

    Only then can the conflict be our own lost create; after failures that certainly were not
    processed (refused connection, 429, 503) the customer existed before this call.
    """
    return (
        call.op is CREATE_CUSTOMER
        and isinstance(exc, ConflictError)
        and any(may_have_been_processed(f) for f in failures if f is not exc)
    )


def get_call(customer_id: str) -> Call[Customer]:
    return Call(GET_CUSTOMER, Customer, path_params={"customer_id": customer_id})


def configure_logging_from_env(logger: logging.Logger = logger) -> None:
    """``TOGAI_LOG=info|debug`` attaches a stderr handler to ``logger`` at that level (once)."""
    level = os.environ.get("TOGAI_LOG", "").strip().lower()
    if level not in ("debug", "info") or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


class BaseClient(Generic[HttpT]):
    """Configuration and the pure parts of sending, shared by both clients."""

    _http: HttpT
    _owns_http: bool

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("TOGAI_API_KEY")
        if not key:
            raise TogaiError(
                "No API key: pass api_key=... to the client or set the TOGAI_API_KEY "
                "environment variable."
            )
        url = (base_url or os.environ.get("TOGAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise TogaiError(f"base_url must start with http:// or https:// (got {url!r})")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise TogaiError(f"max_retries must be an integer >= 0 (got {max_retries!r})")
        self._api_key = key
        self.base_url = url
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_retries = max_retries
        self._headers = {
            "Authorization": f"Bearer {key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        configure_logging_from_env()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key='<redacted>', "
            f"timeout={self.timeout.read}, max_retries={self.max_retries})"
        )

    def _build_request(self, call: Call[Any]) -> httpx.Request:
        from ._serde import unstructure

        return self._http.build_request(
            call.op.method,
            self.base_url + call.path(),
            params=call.query or None,
            json=None if call.body is None else unstructure(call.body),
            headers=self._headers,
            timeout=self.timeout,
        )

    def _retrying(self, call: Call[Any], failures: list[Exception]) -> Any:
        """stamina's retry context for ``call`` (iterate it with ``for`` or ``async for``).

        Every failed attempt is appended to ``failures`` (the create-conflict rule reads them).
        """
        import stamina  # deferred: stamina+tenacity cost ~10 ms of import time

        decide = retry_hook(call.op)

        def on(exc: Exception) -> bool | float:
            failures.append(exc)
            return decide(exc)

        return stamina.retry_context(on=on, attempts=self.max_retries + 1, timeout=None, **BACKOFF)

    @staticmethod
    def _check(request: httpx.Request, response: httpx.Response, attempt: int, t0: float) -> None:
        """Log one attempt and raise the status error for an error response."""
        elapsed_ms = (time.perf_counter() - t0) * 1000
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s -> %d in %.1f ms (attempt %d)",
                request.method,
                request.url.raw_path.decode("ascii", "replace"),
                response.status_code,
                elapsed_ms,
                attempt,
            )
        if response.is_error:
            raise status_error(response)

    @staticmethod
    def _log_failure(request: httpx.Request, exc: Exception, attempt: int) -> None:
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s failed: %s (attempt %d)",
                request.method,
                request.url.raw_path.decode("ascii", "replace"),
                type(exc).__name__,
                attempt,
            )
