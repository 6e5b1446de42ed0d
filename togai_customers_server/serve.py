"""``togai-customers serve``: the REST adapter, the MCP server and (optionally) the sandbox in one
process and one event loop, sharing one SDK client.

Each server is a ``uvicorn.Server`` on a socket bound up front (so a busy port is reported before
anything starts). Signal handling is ours, not uvicorn's: uvicorn installs its handlers per server
and only the last one would hear Ctrl-C, so SIGINT/SIGTERM here ask every server to stop (a
second SIGINT forces it).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Generator, Iterator
from typing import Any, Literal, TextIO

import attrs
import uvicorn

from togai_customers import DEFAULT_BASE_URL, OPERATIONS, AsyncTogaiCustomers, MissingAPIKeyError

from ._oauth import JwtVerifier, oauth_from_options
from ._security import InsecureBindError, check_bind, is_loopback
from ._settings import ServeOptions, UnknownToolError, exposed_operations
from ._sockets import listening_socket

__all__ = ["ServeError", "check_options", "serve"]

#: Seconds open connections get to finish when shutting down.
GRACEFUL_SHUTDOWN_SECONDS = 3


class ServeError(Exception):
    """The servers cannot start (bad options, busy port); the message says what to change."""


@attrs.frozen
class _Surface:
    """One server to run: what it is, where, and its ASGI app."""

    label: str
    app: Any
    lifespan: Literal["on", "off"] = "on"
    #: Called as soon as the process is asked to stop (before uvicorn waits for connections).
    on_stop: Callable[[], None] | None = None


def check_options(options: ServeOptions) -> None:
    """Raise :class:`ServeError` for options that cannot work (no key, unsafe bind, ...)."""
    try:
        exposed_operations(OPERATIONS, options)
    except UnknownToolError as exc:
        raise ServeError(str(exc)) from None
    if not (options.rest or options.mcp or options.sandbox):
        raise ServeError(
            "Nothing to serve: --no-rest and --no-mcp leave no server (add --sandbox)."
        )
    if not (options.sandbox or options.has_upstream_key()):
        raise ServeError(
            str(MissingAPIKeyError("pass --api-key, or run the local emulator with --sandbox"))
        )
    if options.server_token and options.forward_auth:
        raise ServeError(
            "--server-token and --forward-auth both use the Authorization header: pick one."
        )
    if options.audit_log is not None:
        from ._audit import audit_log_for

        try:
            audit_log_for(options.audit_log)  # opened once, now: a bad path fails before serving
        except OSError as exc:
            raise ServeError(
                f"Cannot open the audit log {options.audit_log}: {exc.strerror}."
            ) from None
    if options.oauth_issuer and (options.forward_auth or options.server_token):
        other = "--forward-auth" if options.forward_auth else "--server-token"
        raise ServeError(f"--oauth-issuer and {other} both use the Authorization header: pick one.")
    try:
        oauth_from_options(options)
    except ValueError as exc:
        raise ServeError(str(exc)) from None
    try:
        check_bind(
            options.host,
            server_token=options.server_token,
            insecure=options.insecure,
            # An OAuth access token is an inbound authentication as good as a server token.
            forward_auth=options.forward_auth or options.oauth_issuer is not None,
        )
    except InsecureBindError as exc:
        raise ServeError(str(exc)) from None


def _bind(host: str, port: int, label: str, option: str) -> socket.socket:
    try:
        return listening_socket(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"Port {port} on {host} is already in use ({label}); stop the other program or "
                f"choose another port with {option}."
            ) from None
        raise ServeError(f"Cannot listen on {host}:{port} ({label}): {exc.strerror}.") from None


def _connect_host(host: str) -> str:
    """Where to reach a server bound to ``host`` from this machine."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - a comparison, not a bind
        return "127.0.0.1"
    return "::1" if host == "::" else host


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to :func:`serve` (one handler for all).

    uvicorn offers no option for this: each ``Server.serve`` installs its own handlers (only the
    last one would hear Ctrl-C) and re-raises the signal when it stops (SIGTERM would then kill the
    process instead of letting it exit 0), so ``capture_signals`` is overridden to do nothing.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, then, on a forced stop (a second Ctrl-C), the app's lifespan
        shutdown that uvicorn skips: left waiting, the lifespan would be cancelled when the loop
        closes, and the app would log that as a traceback. It waits on no connection, only on
        the app's own shutdown (``Server.lifespan`` is uvicorn's, set by its startup: there is no
        public way to finish it)."""
        await super().shutdown(sockets=sockets)
        if self.force_exit:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lifespan.shutdown(), GRACEFUL_SHUTDOWN_SECONDS)


@contextlib.contextmanager
def _sandbox(options: ServeOptions, key: str | None) -> Iterator[Any]:
    from .sandbox import Sandbox

    with Sandbox(db=options.sandbox_db, api_key=key) as sandbox:
        yield sandbox


async def _run(surfaces: list[_Surface], sockets: list[socket.socket], out: TextIO) -> int:
    servers = [
        _Server(
            uvicorn.Config(
                s.app,
                log_level="warning",
                access_log=False,
                lifespan=s.lifespan,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            )
        )
        for s in surfaces
    ]

    def stop(force: bool = False) -> None:
        for surface in surfaces:
            if surface.on_stop is not None:
                surface.on_stop()  # e.g. MCP: no open confirmation question holds the shutdown
        for server in servers:
            if server.should_exit and force:
                server.force_exit = True
            server.should_exit = True

    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no add_signal_handler on Windows
        loop.add_signal_handler(signal.SIGINT, stop, True)
        loop.add_signal_handler(signal.SIGTERM, stop)

    async def run_one(server: _Server, sock: socket.socket) -> bool:
        try:
            await server.serve(sockets=[sock])
        except SystemExit:  # uvicorn exits when an app's startup (lifespan) fails
            stop()
            return False
        if not server.should_exit:
            stop()
            return False
        return True

    tasks = [
        asyncio.create_task(run_one(srv, sock)) for srv, sock in zip(servers, sockets, strict=True)
    ]
    try:
        while not all(srv.started for srv in servers):
            if any(t.done() for t in tasks):
                break
            await asyncio.sleep(0.02)
        else:
            print("Ready. Press Ctrl-C to stop.", file=out, flush=True)
        results = await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if not all(results):
        print("Error: a server failed to start or stopped; see above.", file=sys.stderr)
        return 1
    return 0


def _sandbox_key(options: ServeOptions) -> str | None:
    """The one key the embedded sandbox accepts, or None for any key.

    On loopback it accepts any, as `togai-customers sandbox` does (the README's CLI steps use
    that); so it does with --forward-auth, where the callers' own tokens reach it. Reachable from
    elsewhere, it accepts only a key made for the run (shown in the banner).
    """
    if options.forward_auth or is_loopback(options.host):
        return None
    return secrets.token_urlsafe(24)


def _describe(options: ServeOptions, out: TextIO, *, sandbox_key: bool = False) -> None:
    upstream = (
        "the sandbox (local emulator)"
        if options.sandbox
        else (options.base_url or os.environ.get("TOGAI_BASE_URL") or DEFAULT_BASE_URL)
    )
    lines = ["Togai Customers servers:"]
    if options.rest:
        base = _url(options.host, options.rest_port)
        lines += [f"  REST API     {base}/v1/customers", f"  OpenAPI UI   {base}/schema"]
    if options.mcp:
        lines.append(f"  MCP          {_url(options.host, options.mcp_port)}/mcp")
        tools = ", ".join(op.tool_name for op in exposed_operations(OPERATIONS, options))
        lines.append(f"  MCP tools    {tools or 'none'}")
        lines.append(f"  MCP sessions {_sessions(options)}")
    if options.read_only:
        lines.append("  Read-only    yes: no tool or route can change anything")
    if options.sandbox:
        storage = options.sandbox_db or "in memory"
        lines.append(f"  Sandbox      {_url(options.host, options.sandbox_port)} ({storage})")
    lines.append(f"  Upstream     {upstream}")
    if options.audit_log:
        lines.append(f"  Audit log    {options.audit_log} (one JSON line per write)")
    if options.server_token:
        lines.append("  Auth         bearer token required (TOGAI_SERVER_TOKEN)")
    elif options.forward_auth:
        lines.append("  Auth         each caller's bearer token is used as its Togai API key")
    oauth = oauth_from_options(options)
    if oauth is not None:
        lines.append(f"  Auth         OAuth access tokens of {oauth.issuer}")
        lines.append(f"  Resource     {oauth.resource} ({oauth.metadata_url})")
    if options.sandbox:
        key = options.api_key if sandbox_key else "any-key"
        lines += [
            "Point the CLI or your own code at the sandbox"
            + (" (it takes any key):" if not sandbox_key else ":"),
            f"  export TOGAI_BASE_URL={options.base_url} TOGAI_API_KEY={key}",
        ]
    print("\n".join(lines), file=out, flush=True)


def _sessions(options: ServeOptions) -> str:
    if options.stateless:
        return "none (--stateless): 2025-11-25 clients cannot be asked to confirm a delete"
    idle = options.session_idle
    span = f"{idle / 60:g} min" if idle >= 60 else f"{idle:g} s"
    return f"for 2025-11-25 clients, closed after {span} idle, at most {options.max_sessions:,}"


async def _serve(options: ServeOptions, out: TextIO) -> int:
    # The SDK logs every request itself; httpx's own line per request would double it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Bind everything first: a busy port fails before anything has started.
    plan = [
        ("sandbox", "--sandbox-port", options.sandbox_port, options.sandbox),
        ("REST adapter", "--rest-port", options.rest_port, options.rest),
        ("MCP server", "--mcp-port", options.mcp_port, options.mcp),
    ]
    sockets: dict[str, socket.socket] = {}
    try:
        for label, option, port, enabled in plan:
            if enabled:
                sockets[label] = _bind(options.host, port, label, option)
    except ServeError:
        for sock in sockets.values():
            sock.close()
        raise
    # Report the ports actually bound (port 0 picks a free one).
    ports = {label: sock.getsockname()[1] for label, sock in sockets.items()}
    options = attrs.evolve(
        options,
        sandbox_port=ports.get("sandbox", options.sandbox_port),
        rest_port=ports.get("REST adapter", options.rest_port),
        mcp_port=ports.get("MCP server", options.mcp_port),
    )

    with contextlib.ExitStack() as stack:
        surfaces: list[_Surface] = []
        key: str | None = None
        if options.sandbox:
            from .sandbox import create_app

            key = _sandbox_key(options)
            sandbox = stack.enter_context(_sandbox(options, key))
            surfaces.append(_Surface("sandbox", create_app(sandbox), lifespan="off"))
            options = attrs.evolve(
                options,
                api_key=key or "sandbox",
                base_url=_url(_connect_host(options.host), options.sandbox_port),
            )
        client: AsyncTogaiCustomers = options.client()
        oauth = oauth_from_options(options)
        # One verifier, so REST and MCP share the issuer's cached keys.
        verifier = None if oauth is None else JwtVerifier(oauth)
        try:
            if options.rest:
                from .rest import create_rest_app

                rest_app = create_rest_app(options, client=client, token_verifier=verifier)
                surfaces.append(_Surface("REST adapter", rest_app))
            if options.mcp:
                from .mcp import create_mcp_app

                mcp_app = create_mcp_app(options, client=client, token_verifier=verifier)
                surfaces.append(_Surface("MCP server", mcp_app, on_stop=mcp_app.close))
            _describe(options, out, sandbox_key=key is not None)
            return await _run(surfaces, [sockets[s.label] for s in surfaces], out)
        finally:
            await client.aclose()
            for sock in sockets.values():
                sock.close()


def serve(options: ServeOptions, *, out: TextIO | None = None) -> int:
    """Run the enabled servers until SIGINT/SIGTERM; return the exit code (0 on a clean stop).

    Raises :class:`ServeError` for options that cannot work (no API key, unsafe bind, busy port).
    """
    check_options(options)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_serve(options, out or sys.stdout))
    except KeyboardInterrupt:  # a Ctrl-C before the handlers were installed
        return 0


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (the server extra has it), else asyncio's.

    What ``uvicorn.run`` would pick: the servers run in our own loop (one for all of them), so
    uvicorn's ``loop="auto"`` never applies here.
    """
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory
