"""Route handlers, generated from the operation table.

One handler per row of ``OPERATIONS``: its path, method, success status, operation id, summary,
description, URL parameters and body type all come from the row. The handler converts and checks
the URL parameters with the row (``Operation.parse_params``, the same function the sandbox uses),
parses the body with the SDK's models, and sends the call the row's SDK builder makes.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

import attrs
import httpx
from litestar import Request, Response, get
from litestar.enums import HttpMethod
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import HTTPRouteHandler, route
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter

from togai_customers._calls import builder
from togai_customers._client import AsyncTogaiCustomers
from togai_customers._exceptions import (
    APIConnectionError,
    APIStatusError,
    FieldError,
    RequestValidationError,
)
from togai_customers._operations import OPERATIONS, Operation
from togai_customers._serde import parse_request
from togai_customers._validation import check

from .._security import bearer_token

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
    """What the handlers share: the SDK client (set by the lifespan) and the auth mode."""

    forward_auth: bool
    client: AsyncTogaiCustomers | None = None

    def client_for(self, request: AnyRequest) -> AsyncTogaiCustomers:
        """The client to call upstream with: the caller's own key in forward-auth mode."""
        if self.client is None:
            raise RuntimeError("the REST app's lifespan has not run: no Togai client")
        if not self.forward_auth:
            return self.client
        token = bearer_token(request.headers)
        if token is None:
            raise NotAuthorizedException(
                "Missing bearer token: send your Togai API key as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": 'Bearer realm="togai-customers"'},
            )
        # A per-request clone sharing the connection pool; never stored anywhere.
        return self.client.with_options(api_key=token)


def tag_of(op: Operation[Any]) -> str:
    """An operation's OpenAPI tag: the last literal segment of its path (customers, contacts)."""
    literal = [s for s in op.rest_path.split("/") if s and not _PLACEHOLDER.fullmatch(s)]
    return literal[-1]


#: Wire name -> REST URL name of every URL parameter (for naming fields in 400 answers).
URL_NAMES: dict[str, str] = {p.wire_name: p.url_name for op in OPERATIONS for p in op.params}


def _state(request: AnyRequest) -> RestState:
    state: RestState = request.app.state["togai_rest"]
    return state


async def _read_body(request: AnyRequest, cls: type[Any]) -> dict[str, Any]:
    """Parse and check the JSON body as ``cls``; return its fields as SDK keyword arguments."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise RequestValidationError(
            [FieldError("", "", f"the body is not valid JSON ({reason})")], wire=True
        ) from None
    model = parse_request(data, cls)
    check(model, wire=True)
    return {
        a.name: getattr(model, a.name)
        for a in attrs.fields(cls)
        if getattr(model, a.name) is not None
    }


async def _invoke(
    op: Operation[Any], build: Any, request: AnyRequest, text: dict[str, str | None]
) -> Response[Any]:
    client = _state(request).client_for(request)  # 401 first, in forward-auth mode
    given = {name: value for name, value in text.items() if value is not None}
    for p in op.path_params:
        # The app keeps '%' and '/' percent-encoded in path segments (see _app); decode here.
        given[p.name] = unquote(given[p.name])
    kwargs = op.parse_params(given)
    if op.request_type is not None:
        kwargs.update(await _read_body(request, op.request_type))
    raw = await client._execute(build(**kwargs))
    result = raw.parse()
    headers = {"X-Request-Id": raw.request_id} if raw.request_id else {}
    return Response(result.to_dict(), status_code=op.success_status, headers=headers)


def _parameters(op: Operation[Any]) -> list[tuple[str, Any, Any]]:
    """``(kwarg, annotation, default)`` of the handler's URL parameters, from the row.

    Litestar hands them over as text: the row converts and checks them (so the limits and the
    error wording are the SDK's), and the OpenAPI document shows the row's schema (``_openapi``).
    """
    out: list[tuple[str, Any, Any]] = []
    for p in op.path_params:
        meta: Any = PathParameter(name=p.url_name)
        out.append((p.name, Annotated[str, meta], inspect.Parameter.empty))
    for p in op.query_params:
        meta = QueryParameter(name=p.url_name, description=p.description)
        out.append((p.name, Annotated[str | None, meta], None))
    return out


def _handler(op: Operation[Any], operation_class: type[Any]) -> HTTPRouteHandler:
    build = builder(op)  # a row without a builder fails here, when the app is made

    async def handler(request: AnyRequest, **params: Any) -> Response[Any]:
        return await _invoke(op, build, request, params)

    # Litestar reads URL parameters from the signature: build it from the row.
    annotations: dict[str, Any] = {"request": AnyRequest, "return": Response[Any]}
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("request", keyword, annotation=AnyRequest)]
    for name, annotation, default in _parameters(op):
        annotations[name] = annotation
        parameters.append(inspect.Parameter(name, keyword, annotation=annotation, default=default))
    handler.__signature__ = inspect.Signature(parameters, return_annotation=Response[Any])  # type: ignore[attr-defined]
    handler.__annotations__ = annotations
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
