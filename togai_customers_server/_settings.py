"""Options shared by the servers (``togai-customers serve``, ``mcp``, the app factories).

Also the one place that decides which operations the MCP server exposes
(:func:`exposed_operations`: read-only mode and the tool allow-list).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from togai_customers import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig

if TYPE_CHECKING:
    from togai_customers import AsyncTogaiCustomers, Operation

__all__ = ["ServeOptions", "UnknownToolError", "exposed_operations", "options_from_env"]

# Never sent: with forward_auth every call carries the caller's own key (``with_options``).
_FORWARDED_KEY = "forwarded-per-request"


#: Seconds an idle MCP session is kept (30 minutes, the mcp SDK's default too).
DEFAULT_SESSION_IDLE = 30 * 60.0
#: Open MCP sessions at most, per process. An idle session holds about 40 KiB (benchmark 5:
#: 10,000 took 365 MiB), so this bounds a flood of ``initialize`` calls at about 40 MiB; the
#: mcp SDK's own default, 10,000, would allow 0.4 GB.
DEFAULT_MAX_SESSIONS = 1_000


def _names(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _positive(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{attribute.name} must be a positive number (got {value!r})")


@attrs.frozen(kw_only=True)
class ServeOptions:
    """Everything ``togai-customers serve`` can be told; defaults are the seed's ports."""

    host: str = "127.0.0.1"
    rest_port: int = 8080
    mcp_port: int = 9090
    sandbox_port: int = 4010
    rest: bool = True
    mcp: bool = True
    #: Also run the sandbox (upstream emulator) and point both surfaces at it.
    sandbox: bool = False
    sandbox_db: str | None = None
    #: Inbound bearer token required on /v1 and /mcp (env TOGAI_SERVER_TOKEN).
    server_token: str | None = attrs.field(default=None, repr=False)
    #: Allow a non-loopback host without a server token.
    insecure: bool = False
    #: Use each caller's bearer token as its Togai API key (no key held by the server).
    forward_auth: bool = False
    #: Upstream Togai API key (env TOGAI_API_KEY); never logged.
    api_key: str | None = attrs.field(default=None, repr=False)
    base_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    #: Only what cannot change anything: MCP lists and runs only the read-only tools, the REST
    #: adapter refuses every non-GET route with 403 (env TOGAI_READ_ONLY).
    read_only: bool = False
    #: MCP tool allow-list (seed tool names); None exposes every tool. ``read_only`` wins.
    tools: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    #: Destructive tools run without asking the person to confirm (logged as a warning).
    allow_unconfirmed_deletes: bool = False
    #: MCP over HTTP keeps no session (today's scale-out mode; env TOGAI_STATELESS): a client
    #: with the 2025-11-25 handshake then cannot be asked to confirm a delete.
    stateless: bool = False
    #: Seconds an MCP session may stay idle before it is closed (env TOGAI_SESSION_IDLE).
    session_idle: float = attrs.field(default=DEFAULT_SESSION_IDLE, validator=_positive)
    #: Most MCP sessions open at once; past it, opening one answers 503 (env
    #: TOGAI_MAX_SESSIONS).
    max_sessions: int = attrs.field(default=DEFAULT_MAX_SESSIONS, validator=_positive)
    #: File the audit trail is appended to, one JSON line per write (env TOGAI_AUDIT_LOG);
    #: None sends the lines to the ``togai_customers.audit`` logger.
    audit_log: str | None = None
    #: OAuth: the issuer whose JWT access tokens callers send (env TOGAI_OAUTH_ISSUER).
    oauth_issuer: str | None = None
    #: The base URL clients reach the MCP server at (env TOGAI_PUBLIC_URL); the MCP resource is
    #: ``<public_url>/mcp``. Default on loopback: ``http://<host>:<mcp_port>``.
    public_url: str | None = None
    #: Accepted token audiences (env TOGAI_OAUTH_AUDIENCE); default: the MCP resource's URL.
    oauth_audience: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    #: ``ours=theirs`` scope names (env TOGAI_OAUTH_SCOPE_MAP), e.g.
    #: ``customers:read=api://togai/Customers.Read``.
    oauth_scope_map: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def has_upstream_key(self) -> bool:
        """Whether calls upstream can be authenticated: a key (or TOGAI_API_KEY), or callers'."""
        return self.forward_auth or ClientConfig.find_api_key(self.api_key) is not None

    def client(self) -> AsyncTogaiCustomers:
        """The SDK client the servers share, configured from these options (and TOGAI_*)."""
        from togai_customers import AsyncTogaiCustomers

        api_key = ClientConfig.find_api_key(self.api_key)
        if api_key is None and self.forward_auth:
            api_key = _FORWARDED_KEY
        return AsyncTogaiCustomers(
            api_key, base_url=self.base_url, timeout=self.timeout, max_retries=self.max_retries
        )


class UnknownToolError(ValueError):
    """A tool allow-list names tools that do not exist; the message lists the valid names."""

    def __init__(self, unknown: Sequence[str], valid: Sequence[str]) -> None:
        self.unknown = tuple(unknown)
        self.valid = tuple(valid)
        names = ", ".join(self.unknown)
        super().__init__(f"unknown tool name(s): {names}. Valid names: {', '.join(self.valid)}.")


def exposed_operations(
    rows: Iterable[Operation[Any]], options: ServeOptions
) -> tuple[Operation[Any], ...]:
    """The rows whose MCP tools the server offers, in table order.

    ``options.tools`` keeps only the named tools (raising :class:`UnknownToolError` for a name
    no row has); ``options.read_only`` then drops every row that is not read-only, so a write
    tool named in both is not exposed.
    """
    rows = tuple(rows)
    selected = rows
    if options.tools is not None:
        valid = [op.tool_name for op in rows]
        unknown = [name for name in options.tools if name not in valid]
        if unknown:
            raise UnknownToolError(unknown, valid)
        wanted = set(options.tools)
        selected = tuple(op for op in rows if op.tool_name in wanted)
    if options.read_only:
        selected = tuple(op for op in selected if op.read_only)
    return selected


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _env_bool(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ValueError(f"{name} must be true or false (got {value!r})")


def _env_number(environ: Mapping[str, str], name: str, kind: type[Any], default: Any) -> Any:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name} must be a {kind.__name__} (got {value!r})") from None


def _env_list(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(v for v in environ.get(name, "").replace(",", " ").split() if v)


def parse_tool_names(text: str | None) -> tuple[str, ...] | None:
    """``"a, b"`` as ``("a", "b")``; None or blank as None (every tool)."""
    if text is None or not text.strip():
        return None
    return tuple(name.strip() for name in text.split(",") if name.strip())


def options_from_env(environ: Mapping[str, str] | None = None) -> ServeOptions:
    """Options from ``TOGAI_*`` environment variables (for ``uvicorn --factory``).

    ``TOGAI_API_KEY``, ``TOGAI_BASE_URL``, ``TOGAI_SERVER_TOKEN``, ``TOGAI_FORWARD_AUTH``
    (true/false), ``TOGAI_TIMEOUT`` (seconds), ``TOGAI_MAX_RETRIES``, ``TOGAI_READ_ONLY``
    (true/false), ``TOGAI_TOOLS`` (comma-separated tool names), ``TOGAI_ALLOW_UNCONFIRMED_DELETES``
    (true/false), ``TOGAI_HOST`` (the address the server is bound to; a non-loopback one turns
    off the MCP endpoint's loopback-only Host check), ``TOGAI_STATELESS`` (true/false),
    ``TOGAI_SESSION_IDLE`` (seconds), ``TOGAI_MAX_SESSIONS``, ``TOGAI_AUDIT_LOG`` (a file),
    ``TOGAI_OAUTH_ISSUER``, ``TOGAI_PUBLIC_URL``, ``TOGAI_OAUTH_AUDIENCE`` and
    ``TOGAI_OAUTH_SCOPE_MAP`` (each a list separated by spaces or commas, as the CLI reads them
    too).
    """
    env = os.environ if environ is None else environ
    defaults = ServeOptions()
    return ServeOptions(
        api_key=env.get("TOGAI_API_KEY") or None,
        base_url=env.get("TOGAI_BASE_URL") or None,
        server_token=env.get("TOGAI_SERVER_TOKEN") or None,
        forward_auth=_env_bool(env, "TOGAI_FORWARD_AUTH"),
        timeout=_env_number(env, "TOGAI_TIMEOUT", float, defaults.timeout),
        max_retries=_env_number(env, "TOGAI_MAX_RETRIES", int, defaults.max_retries),
        read_only=_env_bool(env, "TOGAI_READ_ONLY"),
        tools=parse_tool_names(env.get("TOGAI_TOOLS")),
        allow_unconfirmed_deletes=_env_bool(env, "TOGAI_ALLOW_UNCONFIRMED_DELETES"),
        host=env.get("TOGAI_HOST", "").strip() or defaults.host,
        stateless=_env_bool(env, "TOGAI_STATELESS"),
        session_idle=_env_number(env, "TOGAI_SESSION_IDLE", float, defaults.session_idle),
        max_sessions=_env_number(env, "TOGAI_MAX_SESSIONS", int, defaults.max_sessions),
        audit_log=env.get("TOGAI_AUDIT_LOG", "").strip() or None,
        oauth_issuer=env.get("TOGAI_OAUTH_ISSUER", "").strip() or None,
        public_url=env.get("TOGAI_PUBLIC_URL", "").strip() or None,
        oauth_audience=_env_list(env, "TOGAI_OAUTH_AUDIENCE"),
        oauth_scope_map=_env_list(env, "TOGAI_OAUTH_SCOPE_MAP"),
    )
