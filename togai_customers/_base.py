"""The sans-I/O core shared by the sync and async clients.

Building an ``httpx.Request`` from a :class:`Call` (:meth:`BaseClient.build_request`, public),
turning a response into a model or an error, the retry loop and the lost-answer rule are pure
here: :meth:`BaseClient._steps` is a generator that yields what to do (:class:`Send` a request,
:class:`Sleep`, :class:`Run` another call) and is told what happened. The two clients only drive
it (their public ``send``), with their own transmission and their clock's waits.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import Generator
from typing import Any, Generic, Self, TypeVar

import attrs
import httpx

from ._clock import Clock, current_clock
from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientConfig,
)
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    RequestValidationError,
    TogaiError,
    status_error,
)
from ._operations import Call, LostAnswer
from ._pacing import Outcome, TokenBucket
from ._retry import Attempts
from ._version import __version__

__all__ = [
    "BaseClient",
    "RawResponse",
    "Run",
    "Send",
    "Sleep",
    "configure_logging_from_env",
    "tls_verify",
]

R = TypeVar("R")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

USER_AGENT = f"togai-customers-python/{__version__}"

logger = logging.getLogger("togai_customers")
logger.addHandler(logging.NullHandler())  # a library is quiet unless the application says

_NOT_SET: Any = object()


#: Proxy variables through which a plain-HTTP request may still go over TLS (to the proxy).
_PROXY_VARS = ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def tls_verify(base_url: str) -> ssl.SSLContext | bool:
    """What a client's own ``httpx`` client verifies TLS with.

    A plain-HTTP base URL (a local sandbox, a test server) makes no TLS connection, so loading
    the CA bundle (30-50 ms of CPU, a sixth of a short CLI command) is skipped: the context
    given trusts no certificate, so a TLS connection made anyway fails closed. Through a proxy
    the default is kept (the proxy itself may be HTTPS).
    """
    if base_url.startswith("http://") and not any(os.environ.get(v) for v in _PROXY_VARS):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, against no CA
    return True


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
        return structure(data, call.op.response_type)
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


def configure_logging_from_env(logger: logging.Logger = logger) -> None:
    """``TOGAI_LOG=info|debug`` attaches a stderr handler to ``logger`` at that level (once)."""
    level = os.environ.get("TOGAI_LOG", "").strip().lower()
    ours = [h for h in logger.handlers if not isinstance(h, logging.NullHandler)]
    if level not in ("debug", "info") or ours:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


# What the retry loop asks its driver to do -------------------------------------------------


@attrs.frozen
class Send:
    """Send ``request`` (attempt number ``attempt``); answer with the response or raise."""

    request: httpx.Request
    attempt: int


@attrs.frozen
class Sleep:
    """Wait ``seconds`` before going on."""

    seconds: float


@attrs.frozen
class Run:
    """Run another ``call`` (the lost-answer lookup); answer with its :class:`RawResponse`."""

    call: Call[Any]


Step = Send | Sleep | Run


def _resolve_lost_answer(
    rule: LostAnswer, call: Call[R], error: APIStatusError, found: RawResponse[Any] | None
) -> RawResponse[R]:
    result = rule.resolve(call.body, None if found is None else found.parse())
    if result is None:
        raise error
    response = error.response if found is None else found.http_response
    return RawResponse(response, call, result)


class BaseClient(Generic[HttpT]):
    """Configuration, request building and the retry loop, shared by both clients.

    ``api_key`` defaults to ``$TOGAI_API_KEY``; ``base_url`` to ``$TOGAI_BASE_URL`` or
    ``https://api.togai.com``; ``timeout`` is in seconds (or an ``httpx.Timeout``; None for
    none); ``max_retries`` counts the retries after the first attempt. ``max_requests_per_second``
    (default ``$TOGAI_MAX_RPS``, else unpaced) spaces every attempt, retries included, across
    every thread or task using the client and the copies ``with_options`` makes of it. Pass
    ``http_client`` to use your own httpx client (proxies, transports, the sandbox's
    ``SandboxTransport``); it is not closed by the SDK. ``pacer``: a pace of your own instead
    of ``max_requests_per_second`` (a :class:`TokenBucket`, or an :class:`AdaptivePace` that
    follows the 429 answers), which several clients may share. ``clock``: what the client paces
    by and waits with (default: the system's, or the one :func:`default_clock` set).
    """

    _http: HttpT
    _owns_http: bool
    _pacer: TokenBucket | None

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_requests_per_second: float | None = None,
        http_client: HttpT | None = None,
        pacer: TokenBucket | None = None,
        clock: Clock | None = None,
    ) -> None:
        if pacer is not None and max_requests_per_second is not None:
            raise TogaiError("give either pacer or max_requests_per_second, not both")
        if pacer is not None and not isinstance(pacer, TokenBucket):
            raise TogaiError(f"pacer must be a TokenBucket (got {type(pacer).__name__})")
        if clock is not None and not isinstance(clock, Clock):
            raise TogaiError(f"clock must be a togai_customers.Clock (got {type(clock).__name__})")
        self._configure(
            ClientConfig.resolve(
                api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                max_requests_per_second=max_requests_per_second,
            )
        )
        rate = self._config.max_requests_per_second
        if pacer is None and rate is not None:
            pacer = TokenBucket(rate)
        self._pacer = pacer
        self._clock = clock
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else self._new_http(self.base_url)
        configure_logging_from_env()

    def _configure(self, config: ClientConfig) -> None:
        self._config = config
        self._headers = {
            "Authorization": f"Bearer {config.api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    @staticmethod
    def _new_http(base_url: str) -> HttpT:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    @property
    def max_requests_per_second(self) -> float | None:
        """The pace of this client's requests now (None: not paced)."""
        return None if self._pacer is None else self._pacer.rate

    @property
    def pacer(self) -> TokenBucket | None:
        """What paces this client's requests (None: not paced); shared by its copies."""
        return self._pacer

    @property
    def clock(self) -> Clock:
        """What this client paces by and waits with."""
        return self._clock if self._clock is not None else current_clock()

    def with_options(
        self,
        *,
        api_key: str = _NOT_SET,
        timeout: float | httpx.Timeout | None = _NOT_SET,
        max_retries: int = _NOT_SET,
        max_requests_per_second: float | None = _NOT_SET,
    ) -> Self:
        """A client with other settings (e.g. another key) sharing this one's connection pool
        and pace (unless given its own ``max_requests_per_second``).

        Closing the copy leaves the pool open; closing this client closes it.
        """
        c = self._config
        settings: dict[str, Any] = {
            "api_key": c.api_key if api_key is _NOT_SET else api_key,
            "timeout": c.timeout if timeout is _NOT_SET else timeout,
            "max_retries": c.max_retries if max_retries is _NOT_SET else max_retries,
        }
        if max_requests_per_second is not _NOT_SET:
            settings["max_requests_per_second"] = max_requests_per_second
        else:
            settings["pacer"] = self._pacer  # one budget: the copies and the original share it
        return type(self)(
            base_url=c.base_url, http_client=self._http, clock=self._clock, **settings
        )

    def __repr__(self) -> str:
        paced = "" if self._pacer is None else f", max_requests_per_second={self._pacer.rate:g}"
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key='<redacted>', "
            f"timeout={self.timeout.read}, max_retries={self.max_retries}{paced})"
        )

    def build_request(self, call: Call[Any]) -> httpx.Request:
        """The HTTP request this client sends for ``call`` (its first attempt), without sending
        it: method, URL, headers (the API key among them) and JSON body. What ``--dry-run``
        shows."""
        from ._serde import unstructure

        return self._http.build_request(
            call.op.method,
            self.base_url + call.path(),
            params=call.wire_query() or None,
            json=None if call.body is None else unstructure(call.body),
            headers=self._headers,
            timeout=self.timeout,
        )

    def _steps(self, call: Call[R]) -> Generator[Step, Any, RawResponse[R]]:
        """The attempts of one call, as steps for a driver (see the module docstring)."""
        request = self.build_request(call)
        attempts = Attempts(call.op, self.max_retries)
        pacer = self._pacer
        clock = self.clock
        while True:
            if pacer is not None:
                reserved_at = yield from _slot(pacer, clock)
                sent_at = clock.monotonic()
            t0 = time.perf_counter()
            try:
                response: httpx.Response = yield Send(request, attempts.number)
            except (APIStatusError, APIConnectionError) as exc:
                failure = exc
            else:
                if pacer is not None:
                    pacer.observe(
                        clock.monotonic(),
                        reserved_at=reserved_at,
                        outcome="answered",
                        sent_at=sent_at,
                    )
                self._log(request, f"-> {response.status_code}", attempts.number, t0)
                return RawResponse(response, call)
            if pacer is not None:
                pacer.observe(
                    clock.monotonic(),
                    reserved_at=reserved_at,
                    outcome=_pace_outcome(failure),
                    sent_at=sent_at,
                )
            self._log(request, _outcome(failure), attempts.number, t0)
            wait = attempts.failed(failure)
            if wait is not None:
                logger.info(
                    "%s %s: retrying in %.2f s (attempt %d of %d)",
                    call.op.name,
                    _reason(failure),
                    wait,
                    attempts.number,
                    self.max_retries + 1,
                )
                yield Sleep(wait)
                continue
            rule = attempts.lost_answer(call, failure)
            if rule is None:
                raise failure
            assert isinstance(failure, APIStatusError)
            found: RawResponse[Any] | None = None
            if rule.lookup:
                found = yield Run(call.op.reader_call(call))
            logger.info(
                "%s: %d after an attempt that may have gone through: %s",
                call.op.name,
                failure.status_code,
                rule.meaning,
            )
            return _resolve_lost_answer(rule, call, failure, found)

    @staticmethod
    def _log(request: httpx.Request, outcome: str, attempt: int, t0: float) -> None:
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s %s in %.1f ms (attempt %d)",
                request.method,
                request.url.raw_path.decode("ascii", "replace"),
                outcome,
                (time.perf_counter() - t0) * 1000,
                attempt,
            )


def _slot(pacer: TokenBucket, clock: Clock) -> Generator[Step, Any, float]:
    """Wait for a slot of ``pacer`` (steps for the driver); returns when it was given."""
    while True:
        now = clock.monotonic()
        wait, granted = pacer.reserve(now)
        if wait > 0.0:
            yield Sleep(wait)
        if granted and (wait == 0.0 or pacer.still_valid(now)):
            return now


def _pace_outcome(exc: Exception) -> Outcome:
    if isinstance(exc, APIStatusError):
        return "throttled" if exc.status_code == 429 else "answered"
    return "failed"


def _outcome(exc: Exception) -> str:
    """How a failed attempt ended, for the request log: ``-> 503`` or ``failed: ReadTimeout``."""
    if isinstance(exc, APIStatusError):
        return f"-> {exc.status_code}"
    return f"failed: {_reason(exc)}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, APIStatusError):
        return str(exc.status_code)
    cause = exc.__cause__
    return type(cause if cause is not None else exc).__name__
