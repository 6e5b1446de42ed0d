"""``serve``, ``mcp`` and ``sandbox``: thin launchers; the server code is imported only when run."""

from __future__ import annotations

import functools
import logging
import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ._help import Command, Later, made
from ._state import CliState

if TYPE_CHECKING:
    from togai_customers_server._settings import ServeOptions

__all__ = ["HELP", "register", "register_later"]

_INSTALL_HINT = "The servers need the 'server' extra: pip install 'togai-customers[server]'"


def _missing_extra(exc: ImportError) -> NoReturn:
    typer.echo(f"Error: {_INSTALL_HINT} ({exc.name or exc} is not installed)", err=True)
    raise typer.Exit(code=1)


#: Each server command's help (also what ``--help`` lists before the commands are made).
HELP = {
    "sandbox": "Run the sandbox: a local, stateful emulator of the Togai Customers API.",
    "serve": (
        "Run the REST adapter (8080) and the MCP server (9090) in one process; Ctrl-C stops.\n"
        "\n"
        "Needs TOGAI_API_KEY (or --api-key), unless --sandbox runs everything locally."
    ),
    "mcp": (
        "Run only the MCP server: streamable HTTP at http://HOST:PORT/mcp, or --stdio.\n"
        "\n"
        "With --stdio and --sandbox the sandbox runs in-process (no port is opened)."
    ),
}


def register_later(later: dict[str, Later]) -> None:
    """Add the server commands to ``later`` (made when named: ``_help.LazyGroup``)."""
    for name, help_text in HELP.items():
        later[name] = (help_text, functools.partial(made, register, name))


def register(app: typer.Typer) -> None:
    """Add the server commands to ``app``."""

    @app.command("sandbox", cls=Command, help=HELP["sandbox"])
    def sandbox(
        host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
        port: Annotated[
            int, typer.Option(envvar="TOGAI_SANDBOX_PORT", help="Port to listen on.")
        ] = 4010,
        db: Annotated[str | None, typer.Option(help="SQLite file to persist to.")] = None,
        api_key: Annotated[
            str | None,
            typer.Option(
                "--api-key",
                envvar="TOGAI_SANDBOX_API_KEY",
                help="Accept only this bearer token (default: any non-empty token).",
            ),
        ] = None,
        fail_rate: Annotated[
            float,
            typer.Option(min=0.0, max=1.0, help="Fraction of requests failing (500/503/dropped)."),
        ] = 0.0,
        latency_ms: Annotated[
            float, typer.Option(min=0.0, help="Added latency per request.")
        ] = 0.0,
        rate_limit: Annotated[
            float | None,
            typer.Option(
                min=0.0,
                help="Requests per second before 429; 10 is what a new Togai organisation gets.",
            ),
        ] = None,
        retry_after: Annotated[
            bool,
            typer.Option(
                "--retry-after",
                help="Send Retry-After with 429 answers (Togai sends none).",
            ),
        ] = False,
        seed: Annotated[int | None, typer.Option(help="Seed for the fault injection.")] = None,
    ) -> None:
        try:
            import sqlite3

            import uvicorn  # noqa: F401  # the 'server' extra; checked here for a clear message

            from togai_customers_server.sandbox import run_sandbox
        except ImportError as exc:
            _missing_extra(exc)
        try:
            run_sandbox(
                host=host,
                port=port,
                db=db,
                api_key=api_key,
                fail_rate=fail_rate,
                latency_ms=latency_ms,
                rate_limit=rate_limit,
                retry_after=retry_after,
                seed=seed,
            )
        except (ValueError, OSError, sqlite3.Error) as exc:  # a bad knob, --db file or port
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(code=1) from None

    _register_serve(app)
    _register_mcp(app)


# Options shared by ``serve`` and ``mcp`` (Typer reads them from each command's signature).
_Host = Annotated[
    str, typer.Option(help="Address to bind (loopback by default; others need a server token).")
]
_SandboxPort = Annotated[
    int, typer.Option(envvar="TOGAI_SANDBOX_PORT", help="Port of the sandbox, with --sandbox.")
]
_McpPort = Annotated[int, typer.Option(envvar="TOGAI_MCP_PORT", help="Port of the MCP server.")]
_ServerToken = Annotated[
    str | None,
    typer.Option(
        envvar="TOGAI_SERVER_TOKEN",
        show_default=False,
        help="Require 'Authorization: Bearer <token>' from callers.",
    ),
]
_Insecure = Annotated[
    bool, typer.Option("--insecure", help="Allow a non-loopback --host without a server token.")
]
_ForwardAuth = Annotated[
    bool,
    typer.Option(
        "--forward-auth",
        help="Use each caller's bearer token as its Togai API key (no server key).",
    ),
]
_UseSandbox = Annotated[
    bool,
    typer.Option(
        "--sandbox",
        help="Also run the sandbox (local emulator) and point the servers at it: no account "
        "or network needed.",
    ),
]
_SandboxDb = Annotated[
    str | None,
    typer.Option(show_default=False, help="SQLite file the sandbox persists to (default: memory)."),
]


def _check_tools(value: str | None) -> str | None:
    """``--tools``: every name must be a tool (exit 2 listing the valid names otherwise)."""
    from togai_customers.spec import OPERATIONS
    from togai_customers_server._settings import (
        ServeOptions,
        UnknownToolError,
        exposed_operations,
        parse_tool_names,
    )

    try:
        exposed_operations(OPERATIONS, ServeOptions(tools=parse_tool_names(value)))
    except UnknownToolError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


_ReadOnly = Annotated[
    bool,
    typer.Option(
        "--read-only",
        envvar="TOGAI_READ_ONLY",
        help="Only what cannot change anything: MCP offers only the read-only tools, the REST "
        "adapter refuses every non-GET route with 403.",
    ),
]
_Tools = Annotated[
    str | None,
    typer.Option(
        "--tools",
        envvar="TOGAI_TOOLS",
        metavar="NAME[,NAME...]",
        show_default=False,
        callback=_check_tools,
        help="Offer only these MCP tools (e.g. list-customers,get-customer); --read-only wins.",
    ),
]
_AllowUnconfirmed = Annotated[
    bool,
    typer.Option(
        "--allow-unconfirmed-deletes",
        envvar="TOGAI_ALLOW_UNCONFIRMED_DELETES",
        help="Let delete-customer run without asking the person to confirm (elicitation); by "
        "default it is refused when the client cannot ask.",
    ),
]


def _check_positive(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter(f"must be more than 0 (got {value:g})")
    return value


_Stateless = Annotated[
    bool,
    typer.Option(
        "--stateless",
        envvar="TOGAI_STATELESS",
        help="MCP over HTTP keeps no session: any replica can serve any request, but a client "
        "with the 2025-11-25 handshake cannot be asked to confirm a delete (refused).",
    ),
]
_SessionIdle = Annotated[
    float,
    typer.Option(
        "--session-idle",
        envvar="TOGAI_SESSION_IDLE",
        metavar="SECONDS",
        callback=_check_positive,
        help="Close an MCP session after this long without a request (HTTP).",
    ),
]
_MaxSessions = Annotated[
    int,
    typer.Option(
        "--max-sessions",
        envvar="TOGAI_MAX_SESSIONS",
        min=1,
        help="Most MCP sessions open at once; opening another answers 503 (HTTP).",
    ),
]


_AuditLog = Annotated[
    str | None,
    typer.Option(
        "--audit-log",
        envvar="TOGAI_AUDIT_LOG",
        metavar="FILE",
        show_default=False,
        help="Append one JSON line per write (create, update, delete, add contact) to FILE; "
        "without it the lines go to the togai_customers.audit logger.",
    ),
]
_OAuthIssuer = Annotated[
    str | None,
    typer.Option(
        "--oauth-issuer",
        envvar="TOGAI_OAUTH_ISSUER",
        metavar="URL",
        show_default=False,
        help="Require callers' OAuth access tokens (JWTs) from this issuer; allows any --host.",
    ),
]
_PublicUrl = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        envvar="TOGAI_PUBLIC_URL",
        metavar="URL",
        show_default=False,
        help="The URL clients reach the MCP server at (the resource is URL/mcp); default on "
        "loopback: http://HOST:MCP-PORT.",
    ),
]
_OAuthAudience = Annotated[
    list[str] | None,
    typer.Option(
        "--oauth-audience",
        envvar="TOGAI_OAUTH_AUDIENCE",
        metavar="AUD",
        show_default=False,
        help="Accept tokens for this audience (repeatable); default: the MCP resource URL.",
    ),
]
_OAuthScopeMap = Annotated[
    list[str] | None,
    typer.Option(
        "--oauth-scope-map",
        envvar="TOGAI_OAUTH_SCOPE_MAP",
        metavar="OURS=THEIRS",
        show_default=False,
        help="The issuer's name for a scope, e.g. customers:read=api://togai/Customers.Read "
        "(repeatable).",
    ),
]


def _oauth(
    issuer: str | None,
    public_url: str | None,
    audience: list[str] | None,
    scope_map: list[str] | None,
) -> dict[str, Any]:
    return {
        "oauth_issuer": issuer,
        "public_url": public_url,
        "oauth_audience": tuple(audience or ()),
        "oauth_scope_map": tuple(scope_map or ()),
    }


#: Options of the HTTP transport that ``--stdio`` cannot honour: (parameter, flag, variable).
_OAUTH_OPTIONS = (
    ("oauth_issuer", "--oauth-issuer", "TOGAI_OAUTH_ISSUER"),
    ("public_url", "--public-url", "TOGAI_PUBLIC_URL"),
    ("oauth_audience", "--oauth-audience", "TOGAI_OAUTH_AUDIENCE"),
    ("oauth_scope_map", "--oauth-scope-map", "TOGAI_OAUTH_SCOPE_MAP"),
)


def _refuse_http_only_options(ctx: typer.Context) -> None:
    """Exit 2 when an OAuth option is given with ``--stdio``: stdio has no bearer token to
    check, so ignoring it would leave an operator believing the server is guarded."""
    for name, flag, variable in _OAUTH_OPTIONS:
        value = ctx.params.get(name)
        if value is None or value == [] or value == ():
            continue
        source = ctx.get_parameter_source(name)
        given = variable if source is not None and source.name == "ENVIRONMENT" else flag
        # BadParameter: typer prints it with the usage line and exits 2, as for a bad value.
        raise typer.BadParameter(
            "cannot be used with --stdio: OAuth guards MCP over HTTP (mcp --host/--port, or "
            "serve); over stdio the client is the process that started the server.",
            ctx=ctx,
            param_hint=given,
        )


def _sessions(stateless: bool, session_idle: float, max_sessions: int) -> dict[str, Any]:
    return {"stateless": stateless, "session_idle": session_idle, "max_sessions": max_sessions}


class _ServerWarnings(logging.StreamHandler):  # type: ignore[type-arg]
    """The servers' warnings (e.g. --allow-unconfirmed-deletes) on whatever stderr is now."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _safety(read_only: bool, tools: str | None, allow_unconfirmed: bool) -> dict[str, Any]:
    """The safety options as ``ServeOptions`` fields; the servers' warnings shown on stderr."""
    from togai_customers_server._settings import parse_tool_names

    # Ours, and the mcp SDK's session manager's: a session refused to another caller's
    # credential, or the cap on open sessions reached.
    for name in ("togai_customers_server", "mcp.server.streamable_http_manager"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, _ServerWarnings) for h in logger.handlers):
            handler = _ServerWarnings()
            handler.setLevel(logging.WARNING)
            handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
            logger.addHandler(handler)
    return {
        "read_only": read_only,
        "tools": parse_tool_names(tools),
        "allow_unconfirmed_deletes": allow_unconfirmed,
    }


def _options(ctx: typer.Context, **values: Any) -> ServeOptions:
    """``ServeOptions`` from the command's options plus the global ones (key, URL, retries)."""
    from togai_customers_server._settings import ServeOptions

    state = CliState.of(ctx)
    return ServeOptions(
        api_key=state.api_key,
        base_url=state.base_url,
        timeout=state.timeout,
        max_retries=state.max_retries,
        **values,
    )


def _run_serve(options: ServeOptions) -> NoReturn:
    from togai_customers_server.serve import ServeError, serve

    try:
        code = serve(options)
    except ServeError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    raise typer.Exit(code=code)


def _register_serve(app: typer.Typer) -> None:
    @app.command("serve", cls=Command, help=HELP["serve"])
    def serve_command(
        ctx: typer.Context,
        host: _Host = "127.0.0.1",
        rest_port: Annotated[
            int, typer.Option(envvar="TOGAI_REST_PORT", help="Port of the REST adapter.")
        ] = 8080,
        mcp_port: _McpPort = 9090,
        sandbox_port: _SandboxPort = 4010,
        rest: Annotated[
            bool, typer.Option("--rest/--no-rest", help="Run the REST adapter.")
        ] = True,
        mcp: Annotated[bool, typer.Option("--mcp/--no-mcp", help="Run the MCP server.")] = True,
        server_token: _ServerToken = None,
        insecure: _Insecure = False,
        forward_auth: _ForwardAuth = False,
        sandbox: _UseSandbox = False,
        sandbox_db: _SandboxDb = None,
        read_only: _ReadOnly = False,
        tools: _Tools = None,
        allow_unconfirmed_deletes: _AllowUnconfirmed = False,
        stateless: _Stateless = False,
        session_idle: _SessionIdle = 1800.0,
        max_sessions: _MaxSessions = 1_000,
        audit_log: _AuditLog = None,
        oauth_issuer: _OAuthIssuer = None,
        public_url: _PublicUrl = None,
        oauth_audience: _OAuthAudience = None,
        oauth_scope_map: _OAuthScopeMap = None,
    ) -> None:
        try:
            import uvicorn  # noqa: F401  # the 'server' extra; checked here for a clear message
        except ImportError as exc:
            _missing_extra(exc)
        _run_serve(
            _options(
                ctx,
                host=host,
                rest_port=rest_port,
                mcp_port=mcp_port,
                sandbox_port=sandbox_port,
                rest=rest,
                mcp=mcp,
                server_token=server_token,
                insecure=insecure,
                forward_auth=forward_auth,
                sandbox=sandbox,
                sandbox_db=sandbox_db,
                **_safety(read_only, tools, allow_unconfirmed_deletes),
                **_sessions(stateless, session_idle, max_sessions),
                audit_log=audit_log,
                **_oauth(oauth_issuer, public_url, oauth_audience, oauth_scope_map),
            )
        )


def _register_mcp(app: typer.Typer) -> None:
    @app.command("mcp", cls=Command, help=HELP["mcp"])
    def mcp_command(
        ctx: typer.Context,
        stdio: Annotated[
            bool,
            typer.Option("--stdio", help="Talk MCP over stdin/stdout (desktop clients)."),
        ] = False,
        host: _Host = "127.0.0.1",
        port: Annotated[
            int, typer.Option(envvar="TOGAI_MCP_PORT", help="Port of the MCP server (HTTP mode).")
        ] = 9090,
        sandbox_port: _SandboxPort = 4010,
        server_token: _ServerToken = None,
        insecure: _Insecure = False,
        forward_auth: _ForwardAuth = False,
        sandbox: _UseSandbox = False,
        sandbox_db: _SandboxDb = None,
        read_only: _ReadOnly = False,
        tools: _Tools = None,
        allow_unconfirmed_deletes: _AllowUnconfirmed = False,
        stateless: _Stateless = False,
        session_idle: _SessionIdle = 1800.0,
        max_sessions: _MaxSessions = 1_000,
        audit_log: _AuditLog = None,
        oauth_issuer: _OAuthIssuer = None,
        public_url: _PublicUrl = None,
        oauth_audience: _OAuthAudience = None,
        oauth_scope_map: _OAuthScopeMap = None,
    ) -> None:
        try:
            from togai_customers_server.mcp import run_stdio
        except ImportError as exc:
            _missing_extra(exc)
        options = _options(
            ctx,
            host=host,
            mcp_port=port,
            sandbox_port=sandbox_port,
            rest=False,
            server_token=server_token,
            insecure=insecure,
            forward_auth=forward_auth,
            sandbox=sandbox,
            sandbox_db=sandbox_db,
            **_safety(read_only, tools, allow_unconfirmed_deletes),
            **_sessions(stateless, session_idle, max_sessions),
            audit_log=audit_log,
            **_oauth(oauth_issuer, public_url, oauth_audience, oauth_scope_map),
        )
        if not stdio:
            _run_serve(options)
        _refuse_http_only_options(ctx)
        from togai_customers_server.serve import ServeError, check_options

        try:
            check_options(options)
        except ServeError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(code=1) from None
        run_stdio(options)
