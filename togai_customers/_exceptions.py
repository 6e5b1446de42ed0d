"""Errors raised by the SDK.

::

    TogaiError                          every error this package raises
    ├── RequestValidationError          (also a ValueError) bad input, caught before any I/O
    ├── APIConnectionError              no HTTP response: refused, DNS, dropped connection
    │   └── APITimeoutError             the request timed out
    ├── APIResponseValidationError      a 2xx body that does not match the schema
    └── APIStatusError                  the API answered with a 4xx/5xx status
        ├── BadRequestError             400
        ├── AuthenticationError         401
        ├── PermissionDeniedError       403
        ├── NotFoundError               404
        ├── ConflictError               409
        ├── UnprocessableEntityError    422
        ├── RateLimitError              429
        └── InternalServerError         >= 500

``APIStatusError`` carries ``status_code``, ``message`` (the body's ``message``), ``body``,
``request_id`` (the ``X-Request-Id`` response header) and ``response``. ``str(err)`` reads like
``404 Not Found: Customer with id c9 not found``. No error ever contains the API key.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import attrs

from ._lazy import LazyModule

if TYPE_CHECKING:
    import httpx
else:
    httpx = LazyModule("httpx")  # imported when first used, not to read the defaults

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "FieldError",
    "FieldProblem",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "TogaiError",
    "UnprocessableEntityError",
    "status_error",
]


class TogaiError(Exception):
    """Base class of every error raised by ``togai_customers``."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldProblem(StrEnum):
    """What kind of problem a :class:`FieldError` is, for surfaces that word it their own way."""

    #: A required field is missing.
    REQUIRED = "required"
    #: A field the request does not have.
    UNKNOWN = "unknown"
    #: A value of the wrong JSON type (``FieldError.expected`` says which).
    TYPE = "type"
    #: A value of the right type that breaks a limit (length, pattern, range, count, enum).
    VALUE = "value"


@attrs.frozen
class FieldError:
    """One problem with one field of a request.

    ``field`` is the path in Python terms (``account.primary_email``); ``wire_field`` the same
    path as the JSON body spells it (``account.primaryEmail``). The root is ``""``. ``problem``
    is the kind of problem; for a ``FieldProblem.TYPE`` one, ``expected`` names the JSON type
    wanted, with its article (``"a string"``).
    """

    field: str
    wire_field: str
    message: str
    problem: FieldProblem = FieldProblem.VALUE
    expected: str | None = None

    def describe(self, *, wire: bool = False) -> str:
        name = self.wire_field if wire else self.field
        return f"{name}: {self.message}" if name else self.message


class RequestValidationError(TogaiError, ValueError):
    """The request breaks the API's rules; nothing was sent.

    ``errors`` lists every problem found; the message names each field.
    """

    errors: tuple[FieldError, ...]

    def __init__(self, errors: Sequence[FieldError], *, wire: bool = False) -> None:
        self.errors = tuple(errors)
        details = "; ".join(e.describe(wire=wire) for e in self.errors)
        super().__init__(f"Invalid request: {details}")


class APIConnectionError(TogaiError):
    """The API could not be reached, or the connection broke before a response."""

    request: httpx.Request | None

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None):
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ):
        super().__init__(message, request=request)


class APIResponseValidationError(TogaiError):
    """A success response whose body does not match the documented schema."""

    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message)
        self.response = response


class APIStatusError(TogaiError):
    """The API answered with an error status."""

    status_code: int
    body: Any
    request_id: str | None
    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.request_id = response.headers.get("x-request-id")

    def __str__(self) -> str:
        try:
            phrase = HTTPStatus(self.status_code).phrase
        except ValueError:
            phrase = "Error"
        return f"{self.status_code} {phrase}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, request_id={self.request_id!r})"


class BadRequestError(APIStatusError):
    """400: the API rejected the request."""


class AuthenticationError(APIStatusError):
    """401: missing or invalid API key."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such customer."""


class ConflictError(APIStatusError):
    """409: a customer with this id already exists."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests; see ``retry_after``."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait, if it said."""
        from ._retry import retry_after_seconds

        return retry_after_seconds(self.response)


class InternalServerError(APIStatusError):
    """5xx: the API failed."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _message_from(response: httpx.Response, body: Any) -> str:
    if isinstance(body, dict):
        for key in ("message", "errorMessage", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    text = response.text.strip()
    if text:
        return text if len(text) <= 200 else text[:200] + "…"
    return response.reason_phrase or "no response body"


def status_error(response: httpx.Response) -> APIStatusError:
    """Build the error for an error ``response`` (its body must have been read)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text or None
    cls = _STATUS_ERRORS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(_message_from(response, body), response=response, body=body)
