"""OAuth for the servers: a resource server as the MCP authorization spec (2025-11-25) asks.

Callers sign in with the organisation's identity provider (the *issuer*) and send its access
token, a JWT, as ``Authorization: Bearer``. This module:

* finds the issuer's keys (:class:`IssuerKeys`: OpenID Connect discovery, else RFC 8414; then
  the JWKS), caches them, fetches them again when a token names an unknown ``kid`` (at most once
  per :data:`REFETCH_INTERVAL` seconds) and keeps the cached ones when the issuer is down;
* verifies a token (:class:`JwtVerifier`, the mcp SDK's ``TokenVerifier``) with PyJWT: an
  asymmetric algorithm of :data:`ALGORITHMS` only, ``iss`` exactly, ``exp`` / ``nbf`` with
  :data:`LEEWAY` seconds, an audience of ours (RFC 8707);
* guards the endpoints (:class:`OAuthMiddleware`, pure ASGI): 401 with the challenge that lets
  an MCP client discover the issuer, 403 ``insufficient_scope`` for an operation the token's
  scopes do not allow (the spec's step-up), and the RFC 9728 metadata documents.

The scope of each operation comes from its row (:func:`scope_of`), never from a list of names.
An authenticated request carries the SDK's ``AuthenticatedUser`` in ``scope["user"]``: its
``AccessToken`` has the ``sub``, the ``client_id`` (else ``azp``), our scope names and the
verified claims (the audit trail and the MCP session binding read them).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import attrs
import httpx
import jwt
from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, BearerAuthBackend
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.routes import build_resource_metadata_url, cors_middleware
from mcp.shared.auth import ProtectedResourceMetadata
from pydantic import AnyHttpUrl
from starlette.requests import HTTPConnection
from starlette.routing import Route, Router

from togai_customers import OPERATIONS
from togai_customers.spec import Operation

from ._security import (
    ASGIApp,
    BodyTooLarge,
    Message,
    Receive,
    Scope,
    Send,
    bearer_token,
    is_loopback,
    read_body,
)
from ._settings import ServeOptions, exposed_operations

__all__ = [
    "ALGORITHMS",
    "DELETE_SCOPE",
    "LEEWAY",
    "READ_SCOPE",
    "REFETCH_INTERVAL",
    "SCOPES",
    "WRITE_SCOPE",
    "IssuerKeys",
    "JwtVerifier",
    "OAuthConfig",
    "OAuthMiddleware",
    "authenticated_scopes",
    "called_tools",
    "mcp_scope_rule",
    "method_scopes",
    "oauth_config",
    "oauth_from_options",
    "parse_scope_map",
    "rest_scope_rule",
    "scope_of",
]

logger = logging.getLogger("togai_customers_server.oauth")
logger.addHandler(logging.NullHandler())

READ_SCOPE = "customers:read"
WRITE_SCOPE = "customers:write"
#: Deleting needs its own scope: ``customers:write`` does not imply it.
DELETE_SCOPE = "customers:delete"
SCOPES = (READ_SCOPE, WRITE_SCOPE, DELETE_SCOPE)

#: Asymmetric signatures only: never ``none``, never HMAC (whose "secret" would be the public key).
ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
#: Seconds of clock skew allowed on ``nbf`` and ``iat`` (and by PyJWT on ``exp``; the SDK's
#: ``BearerAuthBackend`` then refuses a token past its ``exp`` without leeway).
LEEWAY = 30
#: Least seconds between two key fetches caused by tokens (an unknown ``kid``, or the issuer
#: down): a flood of made-up ``kid`` values costs the issuer one request per interval.
REFETCH_INTERVAL = 30.0
#: Seconds a fetch from the issuer may take.
FETCH_TIMEOUT = 5.0
#: Longest token looked at; real access tokens are 1-4 KB. Longer ones are refused unparsed.
MAX_TOKEN_LENGTH = 16 * 1024
#: Largest MCP request body read to find the tool it calls (the SDK's own limit is 4 MB).
MAX_BODY = 4 * 1024 * 1024


def scope_of(op: Operation[Any]) -> str:
    """The scope an operation needs, from its row: read-only, destructive, or a change."""
    if op.read_only:
        return READ_SCOPE
    return DELETE_SCOPE if op.destructive else WRITE_SCOPE


def method_scopes(rows: Iterable[Operation[Any]] = OPERATIONS) -> dict[str, str]:
    """The scope of each REST method (``GET`` -> read, ...), from the rows; one per method."""
    out: dict[str, str] = {}
    for op in rows:
        if out.setdefault(op.method, scope_of(op)) != scope_of(op):
            raise ValueError(f"{op.method} routes need different scopes; route by path instead")
    return out


def parse_scope_map(entries: Iterable[str]) -> dict[str, str]:
    """``["customers:read=api://x/Customers.Read", ...]`` as ``{ours: the issuer's}``."""
    out: dict[str, str] = {}
    for entry in entries:
        ours, sep, theirs = (part.strip() for part in entry.partition("="))
        if not sep or not theirs or ours not in SCOPES:
            raise ValueError(
                f"--oauth-scope-map {entry!r}: expected OURS=THEIRS with OURS one of "
                f"{', '.join(SCOPES)} (e.g. customers:read=api://togai/Customers.Read)"
            )
        out[ours] = theirs
    return out


@attrs.frozen(kw_only=True)
class OAuthConfig:
    """What the servers need to know about the issuer and themselves."""

    issuer: str
    #: The MCP resource: ``<public-url>/mcp``.
    resource: str
    #: Accepted ``aud`` values (default: ``resource``).
    audiences: tuple[str, ...]
    #: Our scope name -> the issuer's (absent: the same name).
    scope_map: Mapping[str, str] = attrs.field(factory=dict)
    #: The scopes a client is told to ask for (ours): those of the exposed operations.
    offered: tuple[str, ...] = SCOPES

    def external(self, scope: str) -> str:
        """Our scope name as the issuer spells it."""
        return self.scope_map.get(scope, scope)

    def ours(self, granted: Iterable[str]) -> list[str]:
        """Our scope names among a token's scopes.

        A mapped name also matches its last path segment: Entra ID grants
        ``api://app/Customers.Read`` and writes ``Customers.Read`` in the token's ``scp``.
        """
        names = set(granted)
        out = []
        for ours in SCOPES:
            theirs = self.external(ours)
            if theirs in names or ("/" in theirs and theirs.rsplit("/", 1)[1] in names):
                out.append(ours)
        return out

    @property
    def metadata_url(self) -> str:
        """Where the RFC 9728 document of the MCP resource is served."""
        return str(build_resource_metadata_url(AnyHttpUrl(self.resource)))

    def challenge_scope(self) -> str:
        return " ".join(self.external(s) for s in self.offered)


def _token_scopes(claims: Mapping[str, Any]) -> list[str]:
    """``scope`` (RFC 9068, a space-separated string) and ``scp`` (Okta: a list; Entra: a
    string)."""
    out: list[str] = []
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            out += value.split()
        elif isinstance(value, list):
            out += [v for v in value if isinstance(v, str)]
    return out


class IssuerKeys:
    """The issuer's signing keys (its JWKS), cached; fetched with httpx, never blocking the loop."""

    def __init__(
        self,
        issuer: str,
        *,
        refetch_interval: float = REFETCH_INTERVAL,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.refetch_interval = refetch_interval
        self._transport = transport
        self._jwks_uri: str | None = None
        self._jwks: dict[str, dict[str, Any]] = {}  # kid -> JWK
        self._keys: dict[tuple[str, str], jwt.PyJWK] = {}  # (kid, alg) -> key
        self._last_fetch: float | None = None
        self._lock = asyncio.Lock()
        #: Fetches made (discovery and JWKS), for the tests of the rate limit.
        self.fetches = 0

    async def key(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        """The key for a token's ``kid`` and ``alg``, or None (unknown, or of another type).

        A key not found, or found but unusable, is fetched again (within the rate limit): the
        issuer may have rotated, or fixed its JWKS.
        """
        found = self._usable(kid, alg)
        if found is None and self._may_fetch():
            async with self._lock:  # concurrent unknown kids share one fetch
                if self._usable(kid, alg) is None and self._may_fetch():
                    await self._refresh()
            found = self._usable(kid, alg)
        return found

    def _usable(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        jwk = self._find(kid)
        if jwk is None:
            return None
        name = kid or ""
        cached = self._keys.get((name, alg))
        if cached is None:
            if jwk.get("alg") not in (None, alg):
                return None
            try:
                cached = jwt.PyJWK(jwk, algorithm=alg)
            except (jwt.PyJWTError, KeyError, ValueError, TypeError):  # e.g. EC key for RS256
                return None
            self._keys[(name, alg)] = cached
        return cached

    def _find(self, kid: str | None) -> dict[str, Any] | None:
        if kid is None:  # a token without kid: only when the issuer has a single key
            return next(iter(self._jwks.values())) if len(self._jwks) == 1 else None
        return self._jwks.get(kid)

    def _may_fetch(self) -> bool:
        last = self._last_fetch
        return last is None or time.monotonic() - last >= self.refetch_interval

    async def _refresh(self) -> None:
        self._last_fetch = time.monotonic()
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=FETCH_TIMEOUT, follow_redirects=False
            ) as http:
                if self._jwks_uri is None:
                    self._jwks_uri = await self._discover(http)
                self.fetches += 1
                answer = await http.get(self._jwks_uri)
                answer.raise_for_status()
                keys = answer.json()["keys"]
                jwks = {
                    str(k.get("kid", "")): k
                    for k in keys
                    if isinstance(k, dict) and k.get("use", "sig") == "sig" and "kty" in k
                }
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            logger.warning(
                "Could not fetch the keys of %s (%s); keeping the cached ones",
                self.issuer,
                type(exc).__name__,
            )
            return
        self._jwks = jwks
        self._keys = {}  # built again from the new set (a kid may now stand for another key)

    async def _discover(self, http: httpx.AsyncClient) -> str:
        """The ``jwks_uri`` from OpenID Connect discovery, else RFC 8414 metadata."""
        base = self.issuer.rstrip("/")
        for suffix in (
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server",
        ):
            self.fetches += 1
            answer = await http.get(base + suffix)
            if answer.status_code == 404:
                continue
            answer.raise_for_status()
            metadata = answer.json()
            if metadata.get("issuer") != self.issuer:
                raise ValueError("the metadata names another issuer")
            return str(metadata["jwks_uri"])
        raise ValueError("no OpenID Connect or RFC 8414 metadata")


@functools.lru_cache(maxsize=64)
def _header(segment: str) -> dict[str, Any] | None:
    """A token's JOSE header, parsed by PyJWT (None if malformed), cached by its text.

    Tokens signed by one key share their header, and PyJWT checks every character of the
    token it parses: parsing the header alone here, then the token once in ``jwt.decode``, took
    a third off the time per request (benchmark 10).
    """
    try:
        return jwt.get_unverified_header(segment + ".e30.")
    except jwt.PyJWTError:
        return None


_DISCOVERY = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


class JwtVerifier(TokenVerifier):
    """The mcp SDK's ``TokenVerifier``: a JWT access token of the issuer, checked with PyJWT."""

    def __init__(self, config: OAuthConfig, keys: IssuerKeys | None = None) -> None:
        self.config = config
        self.keys = keys or IssuerKeys(config.issuer)

    async def verify_token(self, token: str) -> AccessToken | None:
        """The token's ``AccessToken`` (our scope names, the claims), or None if not valid."""
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        header = _header(token.partition(".")[0])
        if header is None:
            return None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS or not isinstance(kid, str | None):
            return None
        key = await self.keys.key(kid, alg)
        if key is None:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=list(self.config.audiences),
                issuer=self.config.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        client_id = claims.get("client_id") or claims.get("azp") or ""
        return AccessToken(
            token=token,  # the SDK's field; never logged by us
            client_id=str(client_id),
            scopes=self.config.ours(_token_scopes(claims)),
            expires_at=int(claims["exp"]),
            resource=self.config.resource,
            subject=str(claims["sub"]),
            claims=claims,
        )


#: Given the request (authenticated) and its ``receive``: the scope it needs (None: any valid
#: token) and the ``receive`` to pass on (the body may have been read to decide).
ScopeRule = Callable[[Scope, Receive], Awaitable[tuple[str | None, Receive]]]


def rest_scope_rule(rows: Iterable[Operation[Any]] = OPERATIONS) -> ScopeRule:
    """REST: the scope of the request's method (from the rows)."""
    by_method = method_scopes(rows)

    async def rule(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        return by_method.get(str(scope["method"]), None), receive

    return rule


def called_tools(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """The tools a JSON-RPC body calls (``tools/call``), each with its arguments; other
    methods need no particular scope."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        # Unreadable (or nested past Python's recursion limit): the SDK's parser, which stops at
        # a depth of 200, refuses it too, and each tool checks the caller's scopes again.
        return []
    messages = data if isinstance(data, list) else [data]
    calls = []
    for message in messages:
        if isinstance(message, dict) and message.get("method") == "tools/call":
            params = message.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            if isinstance(name, str):
                arguments = params.get("arguments") if isinstance(params, dict) else None
                calls.append((name, arguments if isinstance(arguments, dict) else {}))
    return calls


def mcp_scope_rule(rows: Iterable[Operation[Any]] = OPERATIONS) -> ScopeRule:
    """MCP: a ``POST`` calling a tool needs the tool's scope.

    The body is read here (and replayed to the MCP app): a 2025-11-25 request names its tool
    only there. (Protocol 2026-07-28 repeats it in ``Mcp-Method`` / ``Mcp-Name``, which the SDK
    checks against the body; reading the body covers both with one rule.)
    """
    by_tool = {op.tool_name: scope_of(op) for op in rows}
    rank = {s: i for i, s in enumerate(SCOPES)}

    async def rule(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        if scope["method"] != "POST":
            return None, receive
        body = await read_body(receive, MAX_BODY)  # BodyTooLarge: answered 413
        if body is None:
            return None, receive  # disconnected: the app sees the end of the stream
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        needed = [by_tool[n] for n, _ in called_tools(body) if n in by_tool]
        return (max(needed, key=rank.__getitem__) if needed else None), replay

    return rule


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class OAuthMiddleware:
    """Pure ASGI: requests under ``prefix`` need a valid token with the scope they need.

    The SDK's ``BearerAuthBackend`` runs the verifier and builds the ``AuthenticatedUser``; the
    answers are ours (the SDK's ``RequireAuthMiddleware`` sends neither ``scope=`` nor a
    challenge without ``error`` for a request that had no token, as RFC 6750 asks). Also serves
    ``/.well-known/oauth-protected-resource[/mcp]`` (RFC 9728, the SDK's handler).
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        config: OAuthConfig,
        *,
        prefix: str,
        rule: ScopeRule,
        on_forbidden: Callable[[Scope, Receive], Awaitable[None]] | None = None,
    ) -> None:
        self.app = app
        #: Called with an authenticated request refused for a missing scope (and the
        #: ``receive`` that replays its body) before the 403 goes out: the audit trail's hook.
        self.on_forbidden = on_forbidden
        self.config = config
        self.prefix = prefix
        self.rule = rule
        self.backend = BearerAuthBackend(verifier)
        self.metadata = _metadata_router(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        if path.startswith("/.well-known/oauth-protected-resource"):
            await self.metadata(scope, receive, send)
            return
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # a CORS preflight never carries the token
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        if bearer_token(headers) is None:
            await self._refuse(send, 401, None, "Authentication required.")
            return
        try:
            result = await self.backend.authenticate(HTTPConnection(scope))
        except Exception as exc:  # a bug or an odd key must cost a 401, never a 500
            logger.warning("Token verification failed unexpectedly (%s)", type(exc).__name__)
            result = None
        if result is None:
            await self._refuse(
                send,
                401,
                "invalid_token",
                "The access token is invalid, expired or not for this server.",
            )
            return
        credentials, user = result
        scope = {**scope, "user": user, "auth": credentials}
        try:
            needed, receive = await self.rule(scope, receive)
        except BodyTooLarge:
            await self._refuse(send, 413, None, "The request body is too large.")
            return
        if needed is not None and needed not in user.scopes:
            if self.on_forbidden is not None:
                await self.on_forbidden(scope, receive)
            await self._refuse(
                send,
                403,
                "insufficient_scope",
                f"This operation needs the scope {self.config.external(needed)}.",
                scope_names=self.config.external(needed),
            )
            return
        await self.app(scope, receive, send)

    async def _refuse(
        self,
        send: Send,
        status: int,
        error: str | None,
        description: str,
        *,
        scope_names: str | None = None,
    ) -> None:
        parts = []
        if error is not None:
            parts += [f'error="{error}"', f'error_description="{_quote(description)}"']
        parts.append(f'resource_metadata="{self.config.metadata_url}"')
        parts.append(f'scope="{_quote(scope_names or self.config.challenge_scope())}"')
        kind = error or ("unauthorized" if status == 401 else "request_too_large")
        body = json.dumps({"error": kind, "error_description": description}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status in (401, 403):
            headers.append((b"www-authenticate", ("Bearer " + ", ".join(parts)).encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _metadata_router(config: OAuthConfig) -> Router:
    """``/.well-known/oauth-protected-resource/mcp`` (RFC 9728 §3.1, where the SDK's
    ``build_resource_metadata_url`` puts it) and the same document at the root path, for clients
    that try that first. The SDK's handler (with its CORS wrapper) serves it; the document is
    validated from strings so the issuer is written exactly as configured (``AnyHttpUrl`` would
    add a ``/`` to a bare-host issuer, which then no longer equals the tokens' ``iss``)."""
    metadata = ProtectedResourceMetadata.model_validate(
        {
            "resource": config.resource,
            "authorization_servers": [config.issuer],
            "scopes_supported": [config.external(s) for s in config.offered],
            "resource_name": "Togai Customers",
        }
    )
    endpoint = cors_middleware(
        ProtectedResourceMetadataHandler(metadata).handle, ["GET", "OPTIONS"]
    )
    paths = {"/.well-known/oauth-protected-resource", urlparse(config.metadata_url).path}
    return Router(routes=[Route(p, endpoint, methods=["GET", "OPTIONS"]) for p in sorted(paths)])


def oauth_config(
    *,
    issuer: str,
    public_url: str,
    audiences: Sequence[str] = (),
    scope_map: Iterable[str] = (),
    offered: Iterable[str] = SCOPES,
) -> OAuthConfig:
    """The :class:`OAuthConfig` of a server reached at ``public_url``."""
    resource = public_url.rstrip("/") + "/mcp"
    wanted = set(offered)
    return OAuthConfig(
        issuer=issuer,
        resource=resource,
        audiences=tuple(audiences) or (resource,),
        scope_map=parse_scope_map(scope_map),
        offered=tuple(s for s in SCOPES if s in wanted),
    )


def authenticated_scopes(user: Any) -> list[str] | None:
    """The scopes of an OAuth-authenticated request's user (None when it is not one)."""
    if isinstance(user, AuthenticatedUser) and user.access_token.claims is not None:
        return list(user.scopes)
    return None


def default_public_url(options: ServeOptions) -> str | None:
    """``http://<host>:<mcp port>`` on a loopback bind; None elsewhere (``--public-url`` then)."""
    if not is_loopback(options.host):
        return None
    host = f"[{options.host}]" if ":" in options.host else options.host
    return f"http://{host}:{options.mcp_port}"


def _check_issuer_url(issuer: str) -> None:
    """The issuer's keys are fetched from it: over HTTPS (the MCP authorization spec asks it of
    authorization servers), or plain HTTP on loopback only (a local IdP for development)."""
    url = urlparse(issuer)
    if url.scheme == "https" and url.hostname:
        return
    if url.scheme == "http" and url.hostname and is_loopback(url.hostname):
        return
    raise ValueError(
        f"--oauth-issuer {issuer!r} must be an https:// URL (plain http:// only on loopback): "
        "the signing keys are fetched from it, and over plain HTTP anyone on the way could "
        "replace them."
    )


def oauth_from_options(options: ServeOptions) -> OAuthConfig | None:
    """The OAuth configuration of ``options`` (None without ``oauth_issuer``).

    Raises ValueError when it cannot work: an issuer that is not HTTPS (off loopback), no public
    URL off loopback, a bad scope map.
    """
    if options.oauth_issuer is None:
        return None
    _check_issuer_url(options.oauth_issuer)
    public_url = options.public_url or default_public_url(options)
    if public_url is None:
        raise ValueError(
            f"--oauth-issuer on {options.host} needs --public-url (TOGAI_PUBLIC_URL): the URL "
            "clients reach the MCP server at, e.g. https://mcp.example.com"
        )
    return oauth_config(
        issuer=options.oauth_issuer,
        public_url=public_url,
        audiences=options.oauth_audience,
        scope_map=options.oauth_scope_map,
        offered=[scope_of(op) for op in exposed_operations(OPERATIONS, options)],
    )
