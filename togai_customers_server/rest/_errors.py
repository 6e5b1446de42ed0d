"""Error bodies of the REST adapter and the exception handlers that produce them.

Every error answer has one shape, ``{"message": "...", "errors": [{"field": ..., "message": ...}]}``
(``errors`` only for invalid input), whatever raised it: the SDK's validation, an upstream status,
a transport failure, Litestar's routing or a bug. No handler ever answers with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import attrs
from litestar import Request, Response
from litestar.exceptions import HTTPException

from togai_customers import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    FieldError,
    RateLimitError,
    RequestValidationError,
    TogaiError,
    spec,
)
from togai_customers.spec import Model

__all__ = ["ErrorBody", "ErrorDetail", "error_response", "exception_handlers"]

logger = logging.getLogger("togai_customers_server.rest")

AnyRequest = Request[Any, Any, Any]


@attrs.frozen(kw_only=True)
class ErrorDetail(Model):
    """One problem with one field of the request."""

    field: str = spec.field(
        description="The field, as the JSON body or the URL spells it (e.g. account.primaryEmail, "
        "pageSize, customer-id); empty for the body as a whole."
    )
    message: str = spec.field(description="What is wrong with it.")


@attrs.frozen(kw_only=True)
class ErrorBody(Model):
    """An error answer of the REST adapter."""

    message: str = spec.field(description="What went wrong, in one sentence.")
    errors: list[ErrorDetail] | None = spec.field(
        default=None, description="Each invalid field (400 answers only)."
    )


def error_response(
    status: int,
    message: str,
    errors: list[ErrorDetail] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body = ErrorBody(message=message, errors=errors or None)
    return Response(body.to_dict(), status_code=status, headers=dict(headers or {}))


def _upstream_headers(exc: APIStatusError) -> dict[str, str]:
    return {"X-Request-Id": exc.request_id} if exc.request_id else {}


def _rest_field(name: str, renames: Mapping[str, str]) -> str:
    """A field path in REST terms: SDK keyword names of URL parameters become their URL names."""
    return renames.get(name, name)


def exception_handlers(renames: Mapping[str, str]) -> dict[type[Exception] | int, Any]:
    """The exception handlers; ``renames`` maps SDK keyword names (customer_id) to URL names."""

    def invalid_request(_: AnyRequest, exc: RequestValidationError) -> Response[dict[str, Any]]:
        details = [_detail(e, renames) for e in exc.errors]
        summary = "; ".join(f"{d.field}: {d.message}" if d.field else d.message for d in details)
        return error_response(400, f"Invalid request: {summary}", details)

    def upstream_status(_: AnyRequest, exc: APIStatusError) -> Response[dict[str, Any]]:
        if exc.status_code >= 500:
            return error_response(
                502, f"Upstream error: the Togai API answered {exc}", None, _upstream_headers(exc)
            )
        return error_response(exc.status_code, exc.message, None, _upstream_headers(exc))

    def rate_limited(_: AnyRequest, exc: RateLimitError) -> Response[dict[str, Any]]:
        headers = _upstream_headers(exc)
        retry_after = exc.response.headers.get("retry-after")
        if retry_after:
            headers["Retry-After"] = retry_after
        return error_response(429, exc.message, None, headers)

    def unreachable(_: AnyRequest, exc: APIConnectionError) -> Response[dict[str, Any]]:
        return error_response(502, f"Upstream unreachable: {exc.message}")

    def timed_out(_: AnyRequest, exc: APITimeoutError) -> Response[dict[str, Any]]:
        return error_response(504, f"Upstream timeout: {exc.message}")

    def bad_upstream_body(
        _: AnyRequest, exc: APIResponseValidationError
    ) -> Response[dict[str, Any]]:
        return error_response(502, f"Upstream error: {exc.message}")

    def other_sdk_error(_: AnyRequest, exc: TogaiError) -> Response[dict[str, Any]]:
        logger.error("unexpected SDK error: %s", type(exc).__name__)
        return error_response(502, "Upstream error.")

    def http_error(_: AnyRequest, exc: HTTPException) -> Response[dict[str, Any]]:
        headers = dict(exc.headers or {})
        return error_response(exc.status_code, str(exc.detail), None, headers)

    def crash(request: AnyRequest, exc: Exception) -> Response[dict[str, Any]]:
        logger.error(
            "unhandled %s in %s %s",
            type(exc).__name__,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return error_response(500, "Internal server error.")

    return {
        RequestValidationError: invalid_request,
        APIStatusError: upstream_status,
        RateLimitError: rate_limited,
        APIConnectionError: unreachable,
        APITimeoutError: timed_out,
        APIResponseValidationError: bad_upstream_body,
        TogaiError: other_sdk_error,
        HTTPException: http_error,
        Exception: crash,
    }


def _detail(error: FieldError, renames: Mapping[str, str]) -> ErrorDetail:
    return ErrorDetail(field=_rest_field(error.wire_field, renames), message=error.message)
