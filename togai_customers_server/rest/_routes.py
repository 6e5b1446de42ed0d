"""Route handlers, generated from the operation table.

One handler per row of ``OPERATIONS``: its path, method, success status, operation id, summary,
description and tag all come from the row. The handler hands the request as it came (decoded path
parameters, query string, raw body) to the row's :meth:`~togai_customers.Operation.from_wire`,
which converts and checks it once (the same function the sandbox uses) and names every bad field,
then sends the call with the SDK client's public ``send``. The URL parameters are documented from
the row (``_openapi``), not from the handler's signature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import attrs
import httpx
from litestar import Request, Response, get
from litestar.enums import HttpMethod
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.handlers import HTTPRouteHandler, route
from litestar.openapi.datastructures import ResponseSpec

from togai_customers import OPERATIONS, APIConnectionError, APIStatusError, AsyncTogaiCustomers
from togai_customers.spec import Operation

from .._audit import AuditedWrite, AuditLog, audit_log_for, caller_of, is_write, target_of
from .._security import MissingCallerKeyError, client_for_caller

__all__ = [
    "URL_NAMES",
    "RestState",
    "health_handlers",
    "operation_handlers",
    "tag_of",
]

AnyRequest = Request[Any, Any, Any]

_PLACEHOLDER = re.compile(r"\{([^}]+)\}")

#: Seconds the readiness probe waits for the upstream.
READY_TIMEOUT = 5.0


@attrs.define
class RestState:
    """What the handlers share: the SDK client (set by the lifespan), the auth mode and the
    audit trail."""

    forward_auth: bool
    client: AsyncTogaiCustomers | None = None
    audit: AuditLog = attrs.field(factory=lambda: audit_log_for(None))
    #: The caller kind of a request without an OAuth token (``_audit.caller_mode``).
    caller_mode: str = "open"

    def client_for(self, request: AnyRequest) -> AsyncTogaiCustomers:
        """The client to call upstream with: the caller's own key in forward-auth mode."""
        if self.client is None:
            raise RuntimeError("the REST app's lifespan has not run: no Togai client")
        try:
            return client_for_caller(self.client, request.headers, forward_auth=self.forward_auth)
        except MissingCallerKeyError:
            raise NotAuthorizedException(
                "Missing bearer token: send your Togai API key as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": 'Bearer realm="togai-customers"'},
            ) from None


def tag_of(op: Operation[Any]) -> str:
    """An operation's OpenAPI tag: the last literal segment of its path (customers, contacts)."""
    literal = [s for s in op.rest_path.split("/") if s and not _PLACEHOLDER.fullmatch(s)]
    return literal[-1]


#: Wire name -> REST URL name of every URL parameter (for naming fields in 400 answers).
URL_NAMES: dict[str, str] = {p.wire_name: p.url_name for op in OPERATIONS for p in op.params}


def _state(request: AnyRequest) -> RestState:
    state: RestState = request.app.state["togai_rest"]
    return state


def body_fields(body: bytes | None) -> dict[str, Any]:
    """A request body's top-level fields when it is a JSON object (for the audit target)."""
    try:
        data = json.loads(body or b"")
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


async def _invoke(op: Operation[Any], request: AnyRequest) -> Response[Any]:
    state = _state(request)
    client = state.client_for(request)  # 401 first, in forward-auth mode (no caller: no line)
    # The app keeps '%' and '/' percent-encoded in path segments (see _app); decode here.
    path = {p.name: unquote(request.path_params[p.url_name]) for p in op.path_params}
    if not is_write(op):
        return await _send(op, request, client, path)
    audit = AuditedWrite(
        state.audit,
        surface="rest",
        op=op,
        target=target_of(op, path),
        caller=caller_of(request.scope.get("user"), request.headers, mode=state.caller_mode),
    )
    try:
        response = await _send(op, request, client, path, audit)
    except HTTPException as exc:  # e.g. a body over the size limit: refused by Litestar
        audit.refused("http", exc.status_code)
        raise
    except BaseException as exc:  # written before the exception handler answers
        audit.failed(exc)
        raise
    audit.done(response.headers.get("X-Request-Id"))
    return response


async def _send(
    op: Operation[Any],
    request: AnyRequest,
    client: AsyncTogaiCustomers,
    path: dict[str, str],
    audit: AuditedWrite | None = None,
) -> Response[Any]:
    query: dict[str, str] = {k: request.query_params[k] for k in request.query_params}
    body = await request.body() if op.request_type is not None else None
    if audit is not None and body is not None:
        audit.target = target_of(op, {**path, **body_fields(body)})
    call = op.from_wire(path=path, query=query, body=body)
    raw = await client.send(call)
    headers = {"X-Request-Id": raw.request_id} if raw.request_id else {}
    return Response(raw.parse().to_dict(), status_code=op.success_status, headers=headers)


def _handler(op: Operation[Any], operation_class: type[Any]) -> HTTPRouteHandler:
    async def handler(request: AnyRequest) -> Response[Any]:
        return await _invoke(op, request)

    handler.__name__ = handler.__qualname__ = op.name
    handler.__doc__ = op.description
    path = _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + ":str}", op.rest_path)
    return route(
        path,
        http_method=[HttpMethod(op.method)],
        status_code=op.success_status,
        name=op.name,
        operation_id=op.operation_id,
        summary=op.summary,
        description=op.description,
        tags=[tag_of(op)],
        operation_class=operation_class,
    )(handler)


def operation_handlers(
    operation_class: Callable[[Operation[Any]], type[Any]],
) -> list[HTTPRouteHandler]:
    """One route handler per operation of the table; ``operation_class(row)`` documents it."""
    return [_handler(op, operation_class(op)) for op in OPERATIONS]


@get(
    "/health",
    operation_id="health",
    summary="Liveness",
    description="Answers 200 while the process serves requests; never calls the Togai API.",
    tags=["health"],
    sync_to_thread=False,
)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/ready",
    operation_id="ready",
    summary="Readiness",
    description=(
        "Answers 200 when the Togai API answers a one-customer list call (any status below 500, "
        "so a rejected key still counts as reachable), 503 otherwise."
    ),
    tags=["health"],
    responses={503: ResponseSpec(data_container=dict[str, str], description="Upstream down.")},
)
async def ready(request: AnyRequest) -> Response[dict[str, str]]:
    state = _state(request)
    if state.client is None:
        return Response({"status": "unavailable", "message": "not started"}, status_code=503)
    probe = state.client.with_options(max_retries=0, timeout=httpx.Timeout(READY_TIMEOUT))
    try:
        await probe.list_customers(page_size=1)
    except APIStatusError as exc:
        if exc.status_code >= 500:
            return Response({"status": "unavailable", "message": str(exc)}, status_code=503)
    except APIConnectionError as exc:
        return Response({"status": "unavailable", "message": exc.message}, status_code=503)
    return Response({"status": "ready"}, status_code=200)


def health_handlers() -> list[HTTPRouteHandler]:
    """``GET /health`` and ``GET /ready``."""
    return [health, ready]
