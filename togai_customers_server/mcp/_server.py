"""The MCP server: six tools over one shared SDK client, served over streamable HTTP or stdio."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

import anyio
import attrs
import httpx
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings

from togai_customers import AsyncTogaiCustomers
from togai_customers._fields import constraints_of
from togai_customers._models import CreateCustomerRequest
from togai_customers._operations import OPERATIONS, Operation
from togai_customers._version import __version__

from .._security import ASGIApp, BearerTokenMiddleware, bearer_token, is_loopback
from .._settings import ServeOptions
from ._tools import build_tool

__all__ = [
    "INSTRUCTIONS",
    "MCP_PATH",
    "create_mcp_app",
    "create_mcp_server",
    "instructions",
    "run_stdio",
]

MCP_PATH = "/mcp"


def _kind(op: Operation[Any]) -> str:
    if op.read_only:
        return "read-only"
    if op.destructive:
        return "cannot be undone: confirm with the user first"
    return "changes data"


def instructions(ops: Sequence[Operation[Any]] = OPERATIONS) -> str:
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
        + "\n".join(f"- {op.tool_name} ({_kind(op)}): {op.description}" for op in ops),
    ]
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


def _lifespan(
    options: ServeOptions, client: AsyncTogaiCustomers | None
) -> Callable[[MCPServer[_State]], AbstractAsyncContextManager[_State]]:
    @asynccontextmanager
    async def lifespan(server: MCPServer[_State]) -> AsyncIterator[_State]:
        if client is not None:  # the caller owns it
            yield _State(client)
            return
        owned = options.client()
        try:
            yield _State(owned)
        finally:
            await owned.aclose()

    return lifespan


def create_mcp_server(
    options: ServeOptions | None = None, *, client: AsyncTogaiCustomers | None = None
) -> MCPServer[Any]:
    """The MCP server with one tool per operation.

    With ``client`` given, every tool call uses it and it is never closed here (the caller owns
    it); otherwise a client is built from ``options`` when the server starts and closed when it
    stops. With ``options.forward_auth``, each HTTP caller's bearer token is used as its Togai
    API key.
    """
    options = options or ServeOptions()
    forward_auth = options.forward_auth

    async def resolve_client(ctx: Context) -> AsyncTogaiCustomers:
        state = cast(_State, ctx.request_context.lifespan_context)
        headers = ctx.headers
        if not forward_auth or headers is None:  # stdio has no headers: the server's own key
            return state.client
        token = bearer_token(headers)
        if token is None:
            raise ToolError(
                "no Togai API key: this server forwards the caller's key, so send it as the "
                "HTTP header 'Authorization: Bearer <your Togai API key>'."
            )
        return state.client.with_options(api_key=token)

    server: MCPServer[Any] = MCPServer(
        "togai-customers",
        title="Togai Customers",
        description="Create, list, read, update and delete Togai customers and add contacts.",
        instructions=INSTRUCTIONS,
        version=__version__,
        tools=[build_tool(op, resolve_client) for op in OPERATIONS],
        lifespan=_lifespan(options, client),
        log_level="WARNING",
    )
    return server


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


def create_mcp_app(
    options: ServeOptions | None = None,
    *,
    client: AsyncTogaiCustomers | None = None,
    server: MCPServer[Any] | None = None,
) -> ASGIApp:
    """ASGI app serving the MCP server over streamable HTTP at ``/mcp``.

    Stateless with JSON responses: each POST is answered on its own, so nothing is held between
    requests and a shutdown has no open streams to drain. Its lifespan starts the MCP session
    manager (and the SDK client, unless ``client`` is given). With ``options.server_token`` set
    (and not ``forward_auth``), requests need ``Authorization: Bearer <token>``.
    """
    options = options or ServeOptions()
    mcp_server = server if server is not None else create_mcp_server(options, client=client)
    app: ASGIApp = mcp_server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        transport_security=_transport_security(options.host),
        host=options.host,
    )
    if options.server_token and not options.forward_auth:
        app = BearerTokenMiddleware(app, options.server_token, prefixes=(MCP_PATH,))
    return app


def run_stdio(options: ServeOptions | None = None) -> None:
    """Serve MCP over stdin/stdout until the client disconnects (for desktop clients).

    With ``options.sandbox`` the tools talk to an in-process sandbox (``options.sandbox_db`` to
    keep its data between sessions); no port is opened.
    """
    # No HTTP headers on stdio, so there is no caller key to forward.
    options = attrs.evolve(options or ServeOptions(), forward_auth=False)
    if not options.sandbox:
        create_mcp_server(options).run("stdio")
        return
    anyio.run(_stdio_with_sandbox, options)


async def _stdio_with_sandbox(options: ServeOptions) -> None:
    from ..sandbox import Sandbox, SandboxTransport

    with Sandbox(db=options.sandbox_db) as sandbox:
        async with (
            httpx.AsyncClient(transport=SandboxTransport(sandbox)) as http,
            AsyncTogaiCustomers("sandbox", http_client=http) as client,
        ):
            await create_mcp_server(options, client=client).run_stdio_async()
