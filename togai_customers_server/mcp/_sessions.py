"""MCP sessions over HTTP: who owns one, and stopping without waiting on a person.

The sessions themselves are the mcp SDK's (``StreamableHTTPSessionManager``): their ids, the idle
timeout, the cap, 404 for an unknown id, ``DELETE``. Three pieces are ours:

* :class:`CallerBinding` tells the SDK who the caller is when the credential is ours (a server
  token, or a forwarded Togai key) rather than an OAuth token the SDK verified: it marks the
  request with the SDK's ``AuthenticatedUser`` whose subject is a keyed fingerprint of the
  credential. The SDK serves a session only to the caller that opened it; a request for it with
  another credential (or none) answers 404, as for an unknown id, and the SDK logs a warning.
  An OAuth layer that puts its own ``AuthenticatedUser`` in the scope (the SDK's
  ``BearerAuthBackend``) is left alone, so a session is then bound to the token's subject.
* :func:`log_refused_session`: with a server token, a request with another token (or none) is
  answered 401 before any session is looked at; when it names a session it is logged too.
* :class:`McpHttpApp` is the ASGI app ``create_mcp_app`` returns: the endpoint, plus
  :meth:`McpHttpApp.close` for the process that is stopping (``togai-customers serve`` calls it
  on Ctrl-C / SIGTERM). It ends every wait for a person's answer at once (the waiting call
  returns a refusal; nothing is deleted), so an open confirmation never holds the shutdown; the
  sessions end when the app's lifespan stops the SDK's session manager.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

from .._security import ASGIApp, Receive, Scope, Send, bearer_token
from ._confirm import PendingQuestions

__all__ = ["CallerBinding", "McpHttpApp", "log_refused_session"]

logger = logging.getLogger("togai_customers_server.mcp")


class CallerBinding:
    """Pure ASGI: each request's bearer credential, as a non-secret principal for the SDK.

    The principal is an HMAC-SHA256 of the credential under a key drawn for this app when it is
    made: it identifies the caller within this process (where its sessions live) and cannot be
    turned back into the credential, even a short one. The credential itself is never put in the
    scope's user, so the SDK's table of session owners and anything that logs the user hold no
    secret. A request without a bearer credential is left anonymous (and can use only sessions
    opened anonymously).
    """

    def __init__(self, app: ASGIApp, kind: str) -> None:
        self.app = app
        self.kind = kind  # "server-token" or "forward-auth": the principal's client_id
        self._key = secrets.token_bytes(32)

    def principal(self, credential: str) -> str:
        """The fingerprint standing for ``credential`` in this app."""
        digest = hmac.new(self._key, credential.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not isinstance(scope.get("user"), AuthenticatedUser):
            credential = bearer_token(scope.get("headers", []))
            if credential is not None:
                who = self.principal(credential)
                token = AccessToken(token=who, client_id=self.kind, scopes=[], subject=who)
                scope = {**scope, "user": AuthenticatedUser(token)}
        await self.app(scope, receive, send)


def log_refused_session(scope: Scope) -> None:
    """A request refused for a missing or wrong server token: logged when it names a session
    (someone holding a session's id without the token that opened it).

    Only the id's first 8 characters are logged, enough to find the session in the SDK's own
    log lines; the credential never is.
    """
    for name, value in scope.get("headers", []):
        if name == b"mcp-session-id":
            session = value.decode("latin-1")[:8]
            logger.warning(
                "Refused a request for MCP session %s...: missing or invalid server token",
                session,
            )
            return


class McpHttpApp:
    """The MCP endpoint as an ASGI app, with :meth:`close` for a stopping process."""

    def __init__(self, app: ASGIApp, pending: PendingQuestions, *, stateless: bool) -> None:
        self.app = app
        self.pending = pending
        #: Whether it keeps no MCP session (``--stateless``).
        self.stateless = stateless

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def close(self) -> None:
        """The process is stopping: end every wait for a person's answer now (each returns a
        refusal, nothing deleted) and refuse to ask any more. Safe to call more than once."""
        self.pending.close()
