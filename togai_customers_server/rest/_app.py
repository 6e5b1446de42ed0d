"""The app factory: Litestar app, lifespan-owned SDK client, inbound auth, access log."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Litestar
from litestar.types import HTTPScope, Message, Receive, Scope, Send
from mcp.server.auth.provider import TokenVerifier

from togai_customers import AsyncTogaiCustomers, MissingAPIKeyError, configure_logging_from_env
from togai_customers.spec import READ_METHODS

from .._audit import AuditedWrite, AuditLog, audit_log_for, caller_mode, caller_of, rest_write_of
from .._audit import target_of as audit_target
from .._oauth import JwtVerifier, OAuthConfig, OAuthMiddleware, oauth_from_options, rest_scope_rule
from .._security import BearerTokenMiddleware, BodyTooLarge, read_body
from .._settings import ServeOptions, options_from_env
from ._errors import exception_handlers
from ._openapi import add_component_schemas, openapi_config, operation_class
from ._routes import URL_NAMES, RestState, body_fields, health_handlers, operation_handlers

__all__ = ["RestApp", "create_rest_app", "options_from_env"]

logger = logging.getLogger("togai_customers_server.rest")

#: Paths that need inbound authentication (server token or, in forward-auth mode, a Togai key).
PROTECTED_PREFIX = "/v1"

#: Methods a read-only adapter still serves: those of the read-only rows (a row is read-only
#: exactly when its method is one of ``READ_METHODS``, checked when the row is built), and
#: OPTIONS, which no row has.
SAFE_METHODS = READ_METHODS | {"OPTIONS"}

READ_ONLY_MESSAGE = (
    "This server is read-only (started with --read-only or TOGAI_READ_ONLY=1): only GET "
    "requests are served, and nothing was sent to Togai."
)


#: Bytes of a refused request's body read to find its audit target (an id is far shorter).
_TARGET_BODY_LIMIT = 64 * 1024


async def _target_body(receive: Any) -> bytes | None:
    """The body of a refused request, or None past the limit (then no target is taken from it)."""
    try:
        return await read_body(receive, _TARGET_BODY_LIMIT)
    except BodyTooLarge:
        return None


def refusal_auditor(
    audit: AuditLog | None, caller_mode: str, error: str, status: int
) -> Callable[[Any, Any], Awaitable[None]]:
    """``(scope, receive) -> None``: audits a ``/v1`` request refused before routing (as
    ``error`` and ``status``) when it is a write route; reads the body for the target."""

    async def record(scope: Any, receive: Any) -> None:
        write = rest_write_of(scope["method"], str(scope["path"]))
        if write is None or audit is None:
            return
        op, path = write
        body = await _target_body(receive) if op.request_type is not None else None
        AuditedWrite(
            audit,
            surface="rest",
            op=op,
            target=audit_target(op, {**path, **body_fields(body)}),
            caller=caller_of(scope.get("user"), scope.get("headers", []), mode=caller_mode),
        ).refused(error, status)

    return record


class ReadOnlyGuard:
    """Pure ASGI: a non-GET request under ``/v1`` gets 403 before routing or any upstream call.

    A refused write route is audited (``audit``, callers named by ``caller_mode``).
    """

    def __init__(self, app: Any, audit: AuditLog | None = None, caller_mode: str = "open") -> None:
        self.app = app
        self.record = refusal_auditor(audit, caller_mode, "read_only", 403)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["method"] in SAFE_METHODS or not str(scope["path"]).startswith(
            PROTECTED_PREFIX + "/"
        ):
            await self.app(scope, receive, send)
            return
        await self.record(scope, receive)
        body = json.dumps({"message": READ_ONLY_MESSAGE}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _routing_path(scope: Scope) -> str:
    """The path Litestar routes on, in the form every guard before routing sees too.

    Litestar drops empty segments (``//v1//customers/`` routes as ``/v1/customers``): they are
    dropped here, so a guard checking the ``/v1`` prefix cannot be walked round with a doubled
    slash. ASGI servers decode ``%2F`` into '/' in ``scope["path"]``, which would split an id
    such as ``a/b`` into two segments; ``raw_path`` still has it, so '%' and '/' stay
    percent-encoded inside segments. Handlers decode path parameters once.
    """
    raw = scope.get("raw_path")
    if not raw:
        segments = [s.replace("%", "%25") for s in str(scope["path"]).split("/")]
    else:
        segments = [
            unquote_to_bytes(s).decode("utf-8", "replace").replace("%", "%25").replace("/", "%2F")
            for s in bytes(raw).split(b"?", 1)[0].split(b"/")
        ]
    return "/" + "/".join(s for s in segments if s)


class RestApp(Litestar):
    """Litestar, plus what must happen before routing: auth, encoded ids and the access log.

    (Litestar routes on the decoded ``scope["path"]`` and runs middleware only after routing, so
    an id containing "/" and the bearer check of unknown /v1 paths need this one override of the
    ASGI entry point, ``__call__``.)

    ``server_token``: every ``/v1`` request needs ``Authorization: Bearer <server_token>``,
    checked before routing (so unknown ``/v1`` paths answer 401 too). ``read_only``: every
    non-GET ``/v1`` request is refused with 403 (after the token check, before routing).
    ``oauth``: every ``/v1`` request needs an access token of the issuer with the scope of its
    method (401 / 403 with the OAuth challenge), and the RFC 9728 documents are served.
    """

    def __init__(
        self,
        *args: Any,
        server_token: str | None = None,
        read_only: bool = False,
        audit: AuditLog | None = None,
        caller_mode: str = "open",
        oauth: tuple[OAuthConfig, TokenVerifier] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        routed: Any = super().__call__
        if read_only:
            routed = ReadOnlyGuard(routed, audit, caller_mode)
        if oauth is not None:
            config, verifier = oauth
            routed = OAuthMiddleware(
                routed,
                verifier,
                config,
                prefix=PROTECTED_PREFIX,
                rule=rest_scope_rule(),
                on_forbidden=refusal_auditor(audit, caller_mode, "insufficient_scope", 403),
            )
        self._entry: Any = (
            routed
            if server_token is None
            else BearerTokenMiddleware(routed, server_token, (PROTECTED_PREFIX,))
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # Every path, not only those starting with /v1: "//v1/customers" is routed to /v1 too.
        # A copy: the server's own scope (and its access log) keeps the path as received.
        scope = {**scope, "path": _routing_path(scope)}
        await self._logged(scope, receive, send)

    async def _logged(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 0
        request_id = "-"

        async def capture(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"x-request-id":
                        request_id = value.decode("latin-1")
            await send(message)

        try:
            await self._entry(scope, receive, capture)
        finally:
            # No query string, no headers: nothing secret can end up in the log.
            raw = scope.get("raw_path")
            logger.info(
                "%s %s %d %.1fms request_id=%s",
                scope["method"],
                bytes(raw).split(b"?", 1)[0].decode("latin-1") if raw else scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )


def _lifespan(owned: bool, options: ServeOptions) -> Any:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state: RestState = app.state["togai_rest"]
        if not owned:
            yield
            return
        client = options.client()
        state.client = client
        try:
            yield
        finally:
            state.client = None
            await client.aclose()

    return lifespan


def create_rest_app(
    options: ServeOptions | None = None,
    *,
    client: AsyncTogaiCustomers | None = None,
    token_verifier: TokenVerifier | None = None,
) -> Litestar:
    """The REST adapter as an ASGI app (Litestar).

    With ``client``, every call goes through it and the app never closes it. Otherwise the app
    creates one ``AsyncTogaiCustomers`` from ``options`` (default: :func:`options_from_env`) when
    it starts and closes it on shutdown. ``options.server_token`` guards every /v1 route with a
    bearer token; ``options.forward_auth`` uses each caller's bearer token as its Togai API key;
    ``options.read_only`` refuses every non-GET route with 403 (the OpenAPI document still lists
    them, each with that 403 answer). ``options.oauth_issuer``: every /v1 route needs an access
    token of that issuer with the route's scope (``token_verifier``: one to share with the MCP
    server); a token for the MCP resource is accepted, unless ``options.oauth_audience`` says
    otherwise.
    Binding checks (:func:`togai_customers_server._security.check_bind`) belong to whoever runs
    the server.
    """
    opts = options_from_env() if options is None else options
    if opts.forward_auth and opts.server_token:
        raise ValueError(
            "forward_auth and server_token cannot be combined on the REST adapter: in "
            "forward-auth mode the bearer token is the caller's Togai API key."
        )
    oauth = oauth_from_options(opts)
    if oauth is not None and (opts.forward_auth or opts.server_token):
        raise ValueError(
            "oauth_issuer cannot be combined with forward_auth or server_token: all of them use "
            "the Authorization header."
        )
    if client is None and not opts.has_upstream_key():
        raise MissingAPIKeyError("pass options.api_key, or enable forward_auth")
    configure_logging_from_env(logger)  # the access log, as the SDK does its request log
    mode = caller_mode(server_token=opts.server_token, forward_auth=opts.forward_auth)
    audit = audit_log_for(opts.audit_log)
    state = RestState(forward_auth=opts.forward_auth, client=client, audit=audit, caller_mode=mode)
    authenticated = bool(opts.server_token or opts.forward_auth or oauth)
    app = RestApp(
        route_handlers=[
            *operation_handlers(
                operation_class(authenticated=authenticated, read_only=opts.read_only, oauth=oauth)
            ),
            *health_handlers(),
        ],
        lifespan=[_lifespan(client is None, opts)],
        exception_handlers=exception_handlers(URL_NAMES),
        openapi_config=openapi_config(authenticated=authenticated, oauth=oauth),
        # Leave the process's logging alone (Litestar would reconfigure the root logger).
        logging_config=None,
        server_token=opts.server_token,
        read_only=opts.read_only,
        audit=audit,
        caller_mode=mode,
        oauth=None if oauth is None else (oauth, token_verifier or JwtVerifier(oauth)),
    )
    app.state["togai_rest"] = state
    add_component_schemas(app.openapi_schema)
    return app
