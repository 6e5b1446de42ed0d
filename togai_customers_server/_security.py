"""Inbound security shared by the REST adapter and the MCP server.

* Servers bind to loopback by default; :func:`check_bind` refuses a non-loopback host without a
  server token unless ``insecure`` is set.
* :class:`BearerTokenMiddleware` (pure ASGI) requires ``Authorization: Bearer <token>`` on the
  paths it guards, comparing in constant time.
* :func:`client_for_caller` is the client a request is served with: the servers' own, or, in
  forward-auth mode, a copy carrying the caller's bearer token as its Togai API key.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from togai_customers import AsyncTogaiCustomers

__all__ = [
    "BearerTokenMiddleware",
    "BodyTooLarge",
    "InsecureBindError",
    "MissingCallerKeyError",
    "bearer_token",
    "check_bind",
    "client_for_caller",
    "is_loopback",
    "read_body",
    "token_matches",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """A request body over the limit :func:`read_body` was given."""


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """A request's whole body, read before the app sees it (a guard looking into it); None when
    the client went away first. Raises :class:`BodyTooLarge` past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class InsecureBindError(Exception):
    """Refusing to listen on a non-loopback address without a server token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(
    host: str, *, server_token: str | None, insecure: bool, forward_auth: bool = False
) -> None:
    """Raise :class:`InsecureBindError` for a non-loopback host with no inbound authentication."""
    if is_loopback(host) or server_token or forward_auth or insecure:
        return
    raise InsecureBindError(
        f"Refusing to listen on {host}: it is not a loopback address and no server token is set. "
        "Set TOGAI_SERVER_TOKEN (or --server-token), or pass --insecure to accept the risk."
    )


def bearer_token(headers: list[tuple[bytes, bytes]] | Any) -> str | None:
    """The bearer token of an ASGI header list (or a mapping), if any."""
    items = headers.items() if hasattr(headers, "items") else headers
    for name, value in items:
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if key.lower() == "authorization":
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


class MissingCallerKeyError(Exception):
    """Forward-auth mode, and the request carries no bearer token to use as its Togai key."""


def client_for_caller(
    client: AsyncTogaiCustomers, headers: Any, *, forward_auth: bool
) -> AsyncTogaiCustomers:
    """The client to serve a request with (``headers``: its ASGI header list or a mapping).

    Without forward auth, ``client`` (the servers' own key). With it, a per-request copy of
    ``client`` whose key is the caller's bearer token, sharing the connection pool and never
    stored; :class:`MissingCallerKeyError` when the request has no bearer token.
    """
    if not forward_auth:
        return client
    token = bearer_token(headers)
    if token is None:
        raise MissingCallerKeyError()
    return client.with_options(api_key=token)


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented token with the expected one."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class BearerTokenMiddleware:
    """Pure-ASGI guard: HTTP requests under ``prefixes`` need ``Bearer <token>``; else 401 JSON.

    ``on_refused`` is called with the scope of each request it refuses, before the 401 (the MCP
    server logs a refused request that names a session there).
    """

    def __init__(
        self,
        app: ASGIApp,
        token: str,
        prefixes: tuple[str, ...] = ("/",),
        on_refused: Callable[[Scope], None] | None = None,
    ) -> None:
        self.app = app
        self._token = token
        self._prefixes = prefixes
        self._on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "http" and scope["path"].startswith(self._prefixes)
        if guarded and not token_matches(bearer_token(scope.get("headers", [])), self._token):
            if self._on_refused is not None:
                self._on_refused(scope)
            body = json.dumps({"message": "Missing or invalid bearer token."}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b'Bearer realm="togai-customers"'),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
