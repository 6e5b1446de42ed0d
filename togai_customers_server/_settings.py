"""Options shared by the servers (``togai-customers serve``, ``mcp``, the app factories)."""

from __future__ import annotations

import attrs

__all__ = ["ServeOptions"]


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
    timeout: float = 30.0
    max_retries: int = 2
