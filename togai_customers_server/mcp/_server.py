"""The MCP server: one tool per exposed row over one shared SDK client, streamable HTTP or stdio.

Built on mcp's documented low-level :class:`mcp.server.Server` (``on_list_tools`` /
``on_call_tool``), so the schemas, the argument errors and every result are exactly ours. Over
HTTP, clients with the 2025-11-25 handshake get an MCP session (the SDK's session manager, bound
to the caller: see :mod:`._sessions`), so a destructive tool can ask its confirmation question on
the call's own stream; replicas then need affinity on ``Mcp-Session-Id``. Protocol 2026-07-28
calls keep no state on the server (the confirmation travels with the request, see
:mod:`._confirm`) and may reach any process. With ``--stateless`` no session is kept at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio
import attrs
import httpx
from mcp import stdio_server
from mcp.server import Server, ServerRequestContext
from mcp.server.auth.provider import TokenVerifier
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    InputRequiredResult,
    ListToolsResult,
    PaginatedRequestParams,
)

from togai_customers import (
    OPERATIONS,
    AsyncTogaiCustomers,
    CreateCustomerRequest,
    RequestValidationError,
    TogaiError,
    __version__,
)
from togai_customers.spec import Operation, constraints_of

from .._audit import (
    AuditedWrite,
    Caller,
    audit_log_for,
    caller_mode,
    caller_of,
    is_write,
    record_refusal,
    target_of,
)
from .._oauth import (
    JwtVerifier,
    OAuthMiddleware,
    authenticated_scopes,
    called_tools,
    mcp_scope_rule,
    oauth_from_options,
    scope_of,
)
from .._security import (
    ASGIApp,
    BearerTokenMiddleware,
    MissingCallerKeyError,
    Receive,
    Scope,
    Send,
    client_for_caller,
    is_loopback,
)
from .._settings import ServeOptions, exposed_operations, options_from_env
from ._confirm import Confirmation, PendingQuestions, needs_confirmation
from ._sessions import CallerBinding, McpHttpApp, log_refused_session
from ._tools import ToolSpec, error_result, error_text, success_result

__all__ = [
    "INSTRUCTIONS",
    "MCP_PATH",
    "McpHttpApp",
    "NoStandaloneStream",
    "create_mcp_app",
    "create_mcp_server",
    "instructions",
    "run_stdio",
]

MCP_PATH = "/mcp"

logger = logging.getLogger("togai_customers_server.mcp")
logger.addHandler(logging.NullHandler())  # a library is quiet unless the application says

UNCONFIRMED_WARNING = (
    "--allow-unconfirmed-deletes: destructive tools (%s) run without asking a person to "
    "confirm; an agent can delete customers on its own."
)


def _kind(op: Operation[Any], confirmed: bool) -> str:
    if op.read_only:
        return "read-only"
    if op.destructive:
        if confirmed:
            return "cannot be undone: the server asks the person to confirm before it runs"
        return "cannot be undone: confirm with the user first"
    return "changes data"


def instructions(
    ops: Sequence[Operation[Any]] = OPERATIONS, *, confirm_destructive: bool = True
) -> str:
    """The server's instructions for an LLM, generated from the rows of the tools it serves."""
    cid = constraints_of(attrs.fields(CreateCustomerRequest).id)
    parts = [
        "Tools for the customers of a Togai (usage-based billing) account.",
        "The model: a customer is the party you bill. It is named by an id chosen when it is "
        f"created ({cid.min_length} to {cid.max_length} characters, e.g. {cid.example!r}, often "
        "your own user or organisation id), and has a name, a primary email, a postal address, "
        "a status and a togaiCustomerId that Togai assigns. A customer can have accounts (what "
        "usage is metered against; the first one can be created together with the customer) "
        "and contacts (people who receive invoices or log in to the customer portal).",
        "The tools:\n"
        + "\n".join(
            f"- {op.tool_name} ({_kind(op, confirm_destructive)}): {op.description}" for op in ops
        ),
    ]
    if ops and all(op.read_only for op in ops):
        parts.append("This server is read-only: it cannot create, change or delete anything.")
    for op in ops:
        if op.paging is not None:
            size, cursor = op.param(op.paging.size), op.param(op.paging.cursor)
            parts.append(
                f"Paging: {op.tool_name} returns one page ({size.name} up to {size.maximum}). "
                f"Pass the nextToken of a result as {cursor.name} to get the next page; a result "
                "without nextToken is the last page (it may be empty)."
            )
    parts.append(
        "Results are Togai's JSON (camelCase keys such as primaryEmail and togaiCustomerId); "
        "tool arguments are snake_case (primary_email). A failed call returns an error result "
        "saying what went wrong and what to do next."
    )
    return "\n\n".join(parts) + "\n"


#: The instructions of a server with every tool.
INSTRUCTIONS = instructions()


@attrs.frozen
class _State:
    client: AsyncTogaiCustomers


Ctx = ServerRequestContext[_State, Any]


def _lifespan(
    options: ServeOptions, client: AsyncTogaiCustomers | None
) -> Callable[[Server[_State]], AbstractAsyncContextManager[_State]]:
    @asynccontextmanager
    async def lifespan(server: Server[_State]) -> AsyncIterator[_State]:
        if client is not None:  # the caller owns it
            yield _State(client)
            return
        owned = options.client()
        try:
            yield _State(owned)
        finally:
            await owned.aclose()

    return lifespan


class _Refusal(Exception):
    """A call refused before it reached Togai; the text goes to the agent as an error result."""


def _not_confirmed(audit: AuditedWrite, asked: object, answer: str) -> None:
    """The line of a destructive call that did not go ahead: the question went out (no line
    yet: the retry with the answer gets it), or the call was refused unconfirmed."""
    if isinstance(asked, InputRequiredResult):
        audit.skip()
    elif answer == "not_asked":
        audit.refused("cannot_confirm", None)  # no way to ask this client
    else:
        audit.refused("not_confirmed", None)


class _TogaiServer(Server[_State]):
    """mcp's ``Server``, knowing the confirmation questions it waits on (so that the HTTP app
    can end those waits when the process stops; see :class:`McpHttpApp`)."""

    pending: PendingQuestions


def create_mcp_server(
    options: ServeOptions | None = None, *, client: AsyncTogaiCustomers | None = None
) -> Server[Any]:
    """The MCP server, with one tool per row that ``options`` exposes.

    ``options`` defaults to :func:`~togai_customers_server._settings.options_from_env`.
    ``options.read_only`` and ``options.tools`` choose the tools
    (:func:`~togai_customers_server._settings.exposed_operations`; an unknown name raises
    :class:`~togai_customers_server._settings.UnknownToolError`). Destructive tools ask the
    person to confirm through elicitation and refuse when the client cannot ask, unless
    ``options.allow_unconfirmed_deletes``. With ``client`` given, every tool call uses it and it
    is never closed here (the caller owns it); otherwise a client is built from ``options`` when
    the server starts and closed when it stops. With ``options.forward_auth``, each HTTP caller's
    bearer token is used as its Togai API key.
    """
    options = options_from_env() if options is None else options
    rows = exposed_operations(OPERATIONS, options)
    confirm = not options.allow_unconfirmed_deletes
    specs = {op.tool_name: ToolSpec.of(op, confirmed=confirm) for op in rows}
    hidden = {op.tool_name for op in OPERATIONS} - set(specs)
    by_tool = {op.tool_name: op for op in OPERATIONS}
    tools = [spec.tool for spec in specs.values()]
    forward_auth = options.forward_auth
    oauth = options.oauth_issuer is not None
    pending = PendingQuestions()
    audit_log = audit_log_for(options.audit_log)
    mode = caller_mode(server_token=options.server_token, forward_auth=forward_auth)

    def caller(ctx: Ctx) -> Caller:
        request = ctx.request
        if request is None:  # stdio (or in memory): no HTTP request, no credential
            return Caller(kind="stdio")
        return caller_of(request.scope.get("user"), request.headers, mode=mode)

    def audited(ctx: Ctx, op: Operation[Any], arguments: dict[str, Any] | None) -> AuditedWrite:
        target = target_of(op, arguments or {})
        return AuditedWrite(audit_log, surface="mcp", op=op, target=target, caller=caller(ctx))

    def _refuse_hidden(params: CallToolRequestParams, audit: AuditedWrite) -> None:
        """A write tool the operator left out: refused as read-only, or not offered."""
        if is_write(audit.op):
            audit.refused("read_only" if options.read_only else "not_offered", 403)

    def caller_scopes(ctx: Ctx) -> list[str] | None:
        """With OAuth over HTTP, the scopes of the caller's token (None: no OAuth, or stdio)."""
        if not oauth or ctx.request is None:
            return None
        return authenticated_scopes(ctx.request.scope.get("user")) or []

    def allowed(ctx: Ctx, spec: ToolSpec) -> bool:
        scopes = caller_scopes(ctx)
        return scopes is None or scope_of(spec.op) in scopes

    def resolve_client(ctx: Ctx) -> AsyncTogaiCustomers:
        state = ctx.lifespan_context
        request = ctx.request  # the starlette Request over HTTP; None on stdio / in memory
        if request is None:  # no headers: the server's own key
            return state.client
        try:
            return client_for_caller(state.client, request.headers, forward_auth=forward_auth)
        except MissingCallerKeyError:
            raise _Refusal(
                "no Togai API key: this server forwards the caller's key, so send it as the "
                "HTTP header 'Authorization: Bearer <your Togai API key>'."
            ) from None

    async def list_tools(ctx: Ctx, params: PaginatedRequestParams | None) -> ListToolsResult:
        if caller_scopes(ctx) is None:
            return ListToolsResult(tools=tools)
        return ListToolsResult(tools=[s.tool for s in specs.values() if allowed(ctx, s)])

    # For the 2026-07-28 HTTP leg's Mcp-Param-* header check: without a lookup, mcp would run
    # tools/list (every schema, serialized) before each tools/call. Only properties annotated
    # x-mcp-header have headers to check; a tool without any gets None, which checks nothing,
    # as its schema would, without mcp walking the whole schema twice on every call.
    header_schemas = {
        name: spec.tool.input_schema
        for name, spec in specs.items()
        if "x-mcp-header" in json.dumps(spec.tool.input_schema)
    }

    def input_schema(name: str) -> dict[str, Any] | None:
        return header_schemas.get(name)

    async def run(ctx: Ctx, spec: ToolSpec, params: CallToolRequestParams) -> Any:
        if not is_write(spec.op):
            return await _run(ctx, spec, params, None)
        audit = audited(ctx, spec.op, params.arguments)
        try:
            result = await _run(ctx, spec, params, audit)
        except BaseException as exc:  # a bug or a cancellation: the line still goes out
            audit.failed(exc)
            raise
        return result

    async def _run(
        ctx: Ctx, spec: ToolSpec, params: CallToolRequestParams, audit: AuditedWrite | None
    ) -> Any:
        try:
            arguments, call = spec.parse(params.arguments)  # every check; nothing sent yet
        except RequestValidationError as exc:
            if audit is not None:
                audit.failed(exc)
            return error_result(error_text(spec.op, exc, {}))
        try:
            client = resolve_client(ctx)
            if confirm and needs_confirmation(spec.op):
                confirmation = Confirmation(spec.op, call, arguments, client, pending)
                asked = await confirmation.ask(ctx, params)
                if audit is not None:
                    audit.confirmation = confirmation.answer
                if asked is not None:
                    if audit is not None:
                        _not_confirmed(audit, asked, confirmation.answer)
                    return asked
            raw = await client.send(call)
            data: dict[str, Any] = raw.parse().to_dict()
        except TogaiError as exc:
            if audit is not None:
                audit.failed(exc)
            return error_result(error_text(spec.op, exc, arguments))
        except _Refusal as exc:
            if audit is not None:
                audit.skip()  # no credential: no caller to name (as a 401 on REST)
            return error_result(str(exc))
        if audit is not None:
            audit.done(raw.request_id)
        return success_result(data)

    async def call_tool(
        ctx: Ctx, params: CallToolRequestParams
    ) -> CallToolResult | InputRequiredResult:
        spec = specs.get(params.name)
        if spec is None:
            if params.name in hidden:
                _refuse_hidden(params, audited(ctx, by_tool[params.name], params.arguments))
            offered = ", ".join(specs) or "no tools"
            why = (
                "is not available on this server (its operator limited it with --read-only "
                "or --tools)"
                if params.name in hidden
                else "is not a tool of this server"
            )
            return error_result(f"{params.name[:100]!r} {why}; it offers: {offered}.")
        if not allowed(ctx, spec):  # the HTTP layer answers 403 first; this is a second lock
            if is_write(spec.op):
                audited(ctx, spec.op, params.arguments).refused("insufficient_scope", 403)
            return error_result(
                f"{spec.op.tool_name} needs the OAuth scope {scope_of(spec.op)}, which your "
                "access token does not have; sign in again asking for it."
            )
        try:
            result: CallToolResult | InputRequiredResult = await run(ctx, spec, params)
        except Exception:  # a raised exception would be a JSON-RPC error, not a result
            logger.exception("tool %s failed unexpectedly", spec.op.tool_name)
            return error_result(f"{spec.op.tool_name} failed unexpectedly; retry later.")
        return result

    server = _TogaiServer(
        "togai-customers",
        version=__version__,
        title="Togai Customers",
        description="Create, list, read, update and delete Togai customers and add contacts.",
        instructions=instructions(rows, confirm_destructive=confirm),
        lifespan=_lifespan(options, client),
        get_tool_input_schema=input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
    server.pending = pending
    return server


def warn_unconfirmed(options: ServeOptions) -> None:
    """Log the startup warning of ``--allow-unconfirmed-deletes`` (if a destructive tool is on)."""
    if not options.allow_unconfirmed_deletes:
        return
    names = [op.tool_name for op in exposed_operations(OPERATIONS, options) if op.destructive]
    if names:
        logger.warning(UNCONFIRMED_WARNING, ", ".join(names))


def _transport_security(host: str) -> TransportSecuritySettings | None:
    """DNS-rebinding protection for a loopback bind: only loopback Host/Origin headers pass."""
    if not is_loopback(host):
        return None  # reachable under names we cannot know; the bearer token guards it
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    bracketed = f"[{host}]" if ":" in host else host
    if bracketed not in hosts:
        hosts.append(bracketed)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:*" for h in hosts],
        allowed_origins=[f"http://{h}:*" for h in hosts],
    )


class NoStandaloneStream:
    """``GET /mcp`` answers ``405`` at once: this server never pushes anything unasked.

    The spec lets a server answer the GET that would open a standalone SSE stream with 405
    instead. Our tools never change and we send no unsolicited messages; a confirmation question
    travels on the stream of the call that asks it. Served, that stream would be a socket and a
    task per client doing nothing, would keep its session from ever idling out, and would hold
    a shutdown until the client left. ``allow`` is the ``Allow`` header: ``POST`` for a
    stateless server, ``POST, DELETE`` with sessions (``DELETE /mcp`` ends one).
    """

    def __init__(self, app: ASGIApp, path: str = MCP_PATH, allow: str = "POST") -> None:
        self.app = app
        self.path = path
        self.allow = allow.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and str(scope["path"]).rstrip("/") == self.path
        ):
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [(b"allow", self.allow), (b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def _scope_refusal_auditor(options: ServeOptions) -> Callable[[Scope, Receive], Awaitable[None]]:
    """The OAuth layer's hook: each write tool a request calls without its scope is audited
    (refused, ``insufficient_scope``) before the 403 goes out."""
    audit_log = audit_log_for(options.audit_log)
    by_tool = {op.tool_name: op for op in OPERATIONS}

    async def record(scope: Scope, receive: Receive) -> None:
        message = await receive()  # the body, as the scope rule read it
        granted = authenticated_scopes(scope.get("user")) or []
        for name, arguments in called_tools(bytes(message.get("body", b""))):
            op = by_tool.get(name)
            if op is not None and scope_of(op) not in granted:
                caller = caller_of(scope.get("user"), scope.get("headers", []), mode="open")
                record_refusal(
                    audit_log, surface="mcp", op=op, target=target_of(op, arguments), caller=caller
                )

    return record


def create_mcp_app(
    options: ServeOptions | None = None,
    *,
    client: AsyncTogaiCustomers | None = None,
    server: Server[Any] | None = None,
    token_verifier: TokenVerifier | None = None,
) -> McpHttpApp:
    """ASGI app serving the MCP server over streamable HTTP at ``/mcp``.

    By default a client with the 2025-11-25 handshake gets an MCP session (``Mcp-Session-Id``,
    from the SDK's session manager) and its calls are answered on SSE streams, so that the
    confirmation of a delete can be asked on the call's own stream. Sessions end after
    ``options.session_idle`` seconds without a request, or on ``DELETE /mcp``; at most
    ``options.max_sessions`` are open (503 past it); an unknown or expired id answers 404. With a
    server token or ``forward_auth``, a session serves only the credential that opened it.
    Protocol 2026-07-28 requests keep no session and may reach any process. With
    ``options.stateless``: no session, JSON answers, exactly today's scale-out mode.
    ``GET /mcp`` answers 405 at once (:class:`NoStandaloneStream`).

    Its lifespan starts the MCP session manager (and the SDK client, unless ``client`` is
    given); :meth:`McpHttpApp.close` ends the waits for a person's answer when the process
    stops. ``options`` defaults to :func:`~togai_customers_server._settings.options_from_env`, so
    ``uvicorn --factory togai_customers_server.mcp:create_mcp_app`` works. With
    ``options.server_token`` set (and not ``forward_auth``), requests need
    ``Authorization: Bearer <token>``. With ``options.oauth_issuer``, requests need an access
    token of that issuer (:mod:`togai_customers_server._oauth`; ``token_verifier`` to share
    one verifier, and its key cache, with the REST adapter), ``tools/list`` shows the tools the
    token's scopes allow and calling another answers 403 ``insufficient_scope``.
    """
    options = options_from_env() if options is None else options
    oauth = oauth_from_options(options)
    mcp_server = server if server is not None else create_mcp_server(options, client=client)
    if server is None:
        warn_unconfirmed(options)
    stateless = options.stateless
    app: ASGIApp = NoStandaloneStream(
        mcp_server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=stateless,
            # A session answers on SSE: a question can only be asked on the call's own stream.
            json_response=stateless,
            session_idle_timeout=options.session_idle,
            max_sessions=options.max_sessions,
            transport_security=_transport_security(options.host),
            host=options.host,
        ),
        allow="POST" if stateless else "POST, DELETE",
    )
    if oauth is not None:
        # The SDK's AuthenticatedUser (sub, client_id, iss) is what an MCP session is bound to.
        app = OAuthMiddleware(
            app,
            token_verifier or JwtVerifier(oauth),
            oauth,
            prefix=MCP_PATH,
            rule=mcp_scope_rule(exposed_operations(OPERATIONS, options)),
            on_forbidden=_scope_refusal_auditor(options),
        )
    elif options.forward_auth:
        app = CallerBinding(app, "forward-auth")
    elif options.server_token:
        app = BearerTokenMiddleware(
            CallerBinding(app, "server-token"),
            options.server_token,
            prefixes=(MCP_PATH,),
            on_refused=log_refused_session,
        )
    pending = mcp_server.pending if isinstance(mcp_server, _TogaiServer) else PendingQuestions()
    return McpHttpApp(app, pending, stateless=stateless)


def run_stdio(options: ServeOptions | None = None) -> None:
    """Serve MCP over stdin/stdout until the client disconnects (for desktop clients).

    With ``options.sandbox`` the tools talk to an in-process sandbox (``options.sandbox_db`` to
    keep its data between sessions); no port is opened.
    """
    # No HTTP headers on stdio, so there is no caller key to forward.
    options = attrs.evolve(options or options_from_env(), forward_auth=False)
    warn_unconfirmed(options)
    anyio.run(_stdio, options)


async def _serve_stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _stdio(options: ServeOptions) -> None:
    if not options.sandbox:
        await _serve_stdio(create_mcp_server(options))
        return
    from ..sandbox import Sandbox, SandboxTransport

    with Sandbox(db=options.sandbox_db) as sandbox:
        async with (
            httpx.AsyncClient(transport=SandboxTransport(sandbox)) as http,
            AsyncTogaiCustomers("sandbox", http_client=http) as client,
        ):
            await _serve_stdio(create_mcp_server(options, client=client))
