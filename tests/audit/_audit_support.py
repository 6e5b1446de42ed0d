"""Helpers of the audit tests: reading the lines back, and a stand-in for the OAuth layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken

__all__ = ["FIELDS", "ISSUER", "OAuthStandIn", "lines_of"]

#: Every key of a line, in order.
FIELDS = [
    "time",
    "surface",
    "operation",
    "target",
    "caller",
    "outcome",
    "error",
    "status",
    "confirmation",
    "request_id",
    "duration_ms",
]

ISSUER = "https://idp.example.test/realms/acme"


def lines_of(path: Path) -> list[dict[str, Any]]:
    """Every line of an audit file, parsed (fails on a line that is not one JSON object)."""
    if not path.exists():
        return []
    text = path.read_text("utf-8")
    assert text == "" or text.endswith("\n"), "a torn last line"
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        assert list(record) == FIELDS, record
    return records


class OAuthStandIn:
    """TEST STAND-IN for the OAuth layer (built elsewhere): pure ASGI that marks every HTTP
    request as made by a verified token, as the real layer does (the mcp SDK's
    ``AuthenticatedUser`` with the JWT's claims), without verifying anything."""

    def __init__(self, app: Any, *, sub: str = "alice", client_id: str = "agent-7") -> None:
        self.app = app
        claims = {"iss": ISSUER, "sub": sub, "azp": client_id, "scope": "customers:write"}
        self.user = AuthenticatedUser(
            AccessToken(
                token="stand-in-token",
                client_id=client_id,
                scopes=["customers:write", "customers:delete"],
                subject=sub,
                claims=claims,
            )
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "user": self.user}
        await self.app(scope, receive, send)
