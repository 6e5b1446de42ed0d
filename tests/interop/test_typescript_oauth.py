"""The official TypeScript MCP SDK's client-credentials OAuth against ``togai-customers serve
--oauth-issuer``: it finds the issuer from the 401 by itself, signs in, and sees the tools its
scopes allow."""

from __future__ import annotations

import signal

import pytest

from tests._server_support import cli_process, free_ports, wait_until_listening
from tests.oauth.conftest import start_issuer

from ._interop_support import NodeClient

pytestmark = [pytest.mark.interop, pytest.mark.long]


def test_the_typescript_sdk_signs_in_with_client_credentials(node_client: NodeClient) -> None:
    """Reader and admin clients each get a token and list exactly their tools."""
    issuer_proc, issuer = start_issuer()
    rest, mcp, sandbox = free_ports(3)
    args = ["serve", "--sandbox", "--oauth-issuer", issuer, "--rest-port", str(rest)]
    args += ["--mcp-port", str(mcp), "--sandbox-port", str(sandbox)]
    try:
        with cli_process(*args) as proc:
            wait_until_listening(mcp, proc)
            url = f"http://127.0.0.1:{mcp}/mcp"
            seen = {
                client: node_client(
                    url=url,
                    oauth={
                        "clientId": client,
                        "clientSecret": f"{client}-secret",
                        "issuer": issuer,
                    },
                )["tools"]
                for client in ("reader", "admin")
            }
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=15)
    finally:
        issuer_proc.kill()
        issuer_proc.communicate()
    assert sorted(seen["reader"]) == ["get-customer", "list-customers"]
    assert len(seen["admin"]) == 6
    assert "delete-customer" in seen["admin"]
