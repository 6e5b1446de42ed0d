"""Fixtures: the test issuer as its own process, and REST + MCP servers that trust it."""

from __future__ import annotations

import atexit
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from tests._server_support import asgi_in_thread, free_ports, wait_until_listening
from togai_customers_server._oauth import IssuerKeys, JwtVerifier, oauth_from_options
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_app
from togai_customers_server.rest import create_rest_app

ISSUER_SCRIPT = Path(__file__).resolve().parents[1] / "_issuer.py"
#: Where the in-process servers say they are reached (the MCP resource is PUBLIC/mcp).
PUBLIC = "https://customers.example.test"
RESOURCE = PUBLIC + "/mcp"
#: One client for every test request: a new httpx client costs tens of ms (its TLS context).
HTTP = httpx.Client(timeout=10)
atexit.register(HTTP.close)


@attrs.define
class IssuerProcess:
    url: str

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return HTTP.post(self.url + path, json=data).json()

    def sign(self, claims: dict[str, Any], alg: str = "RS256", **kw: Any) -> str:
        """A token with ``sub``/``aud``/``scope`` defaults, overridden by ``claims``."""
        body = {"sub": "alice", "aud": RESOURCE, "scope": "customers:read", **claims}
        return str(self.post("/admin/sign", {"claims": body, "alg": alg, **kw})["token"])

    def sign_many(self, *claims: dict[str, Any], **kw: Any) -> list[str]:
        """Several tokens in one request (``kw``: alg, kid for all)."""
        batch = [
            {"claims": {"sub": "alice", "aud": RESOURCE, "scope": "customers:read", **c}, **kw}
            for c in claims
        ]
        return [str(t) for t in self.post("/admin/sign", {"batch": batch})["tokens"]]

    def token(self, client: str, **form: str) -> str:
        answer = HTTP.post(
            self.url + "/token",
            data={"grant_type": "client_credentials", **form},
            auth=(client, f"{client}-secret"),
        )
        return str(answer.json()["access_token"])

    def jwks_mode(self, mode: str) -> None:
        self.post("/admin/jwks", {"mode": mode})

    def jwks_fetches(self) -> int:
        return int(HTTP.get(self.url + "/admin/stats").json()["jwks_fetches"])


def start_issuer() -> tuple[subprocess.Popen[str], str]:
    (port,) = free_ports(1)
    proc = subprocess.Popen(
        [sys.executable, str(ISSUER_SCRIPT), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until_listening(port, proc)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture
def issuer() -> Iterator[IssuerProcess]:
    """A fresh issuer process (its own keys, its JWKS answering normally)."""
    proc, url = start_issuer()
    try:
        yield IssuerProcess(url)
    finally:
        proc.kill()
        proc.communicate()


@attrs.define
class Servers:
    rest: str
    mcp: str
    #: The REST adapter's key cache (each server runs its own event loop here, so each has its
    #: own verifier; ``serve`` shares one).
    keys: IssuerKeys


@pytest.fixture
def make_servers(togai_sandbox_url: str) -> Iterator[Any]:
    """Start REST and MCP (threads, loopback) trusting an issuer; one verifier for both."""
    stack = ExitStack()

    def make(issuer: IssuerProcess, refetch: float = 0.5, **extra: Any) -> Servers:
        options = ServeOptions(
            api_key="test",
            base_url=togai_sandbox_url,
            oauth_issuer=issuer.url,
            public_url=PUBLIC,
            **extra,
        )
        config = oauth_from_options(options)
        assert config is not None
        keys = IssuerKeys(issuer.url, refetch_interval=refetch)
        rest_verifier = JwtVerifier(config, keys)
        mcp_verifier = JwtVerifier(config, IssuerKeys(issuer.url, refetch_interval=refetch))
        rest = stack.enter_context(
            asgi_in_thread(create_rest_app(options, token_verifier=rest_verifier))
        )
        mcp = stack.enter_context(
            asgi_in_thread(create_mcp_app(options, token_verifier=mcp_verifier))
        )
        return Servers(rest, mcp, keys)

    with stack:
        yield make
