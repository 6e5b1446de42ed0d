"""Options shared by the servers (``togai-customers serve``, ``mcp``, the app factories)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from togai_customers._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, api_key_from_env

if TYPE_CHECKING:
    from togai_customers import AsyncTogaiCustomers

__all__ = ["ServeOptions"]

# Never sent: with forward_auth every call carries the caller's own key (``with_options``).
_FORWARDED_KEY = "forwarded-per-request"


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

    def has_upstream_key(self) -> bool:
        """Whether calls upstream can be authenticated: a key (or TOGAI_API_KEY), or callers'."""
        return self.forward_auth or api_key_from_env(self.api_key) is not None

    def client(self) -> AsyncTogaiCustomers:
        """The SDK client the servers share, configured from these options (and TOGAI_*)."""
        from togai_customers import AsyncTogaiCustomers

        api_key = api_key_from_env(self.api_key)
        if api_key is None and self.forward_auth:
            api_key = _FORWARDED_KEY
        return AsyncTogaiCustomers(
            api_key, base_url=self.base_url, timeout=self.timeout, max_retries=self.max_retries
        )
