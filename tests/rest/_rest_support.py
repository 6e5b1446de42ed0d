"""Helpers of the REST tests: request bodies and SDK clients on the sandbox or a script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers import AsyncTogaiCustomers
from togai_customers_server.sandbox import Sandbox, SandboxTransport

__all__ = [
    "Handler",
    "MakeApi",
    "contact_body",
    "customer_body",
    "sandbox_client",
    "scripted_client",
]

Handler = Callable[[httpx.Request], httpx.Response]
MakeApi = Callable[..., TestClient[Litestar]]


def customer_body(customer_id: str = "acme", **extra: Any) -> dict[str, Any]:
    """A valid create-customer body (camelCase), with ``extra`` merged in."""
    return {
        "id": customer_id,
        "name": "Acme Corp",
        "primaryEmail": "billing@acme.com",
        "address": {"line1": "1 Main St", "city": "Springfield", "country": "US"},
        **extra,
    }


def contact_body(**extra: Any) -> dict[str, Any]:
    """A valid create-contact body."""
    return {"name": "Jane Doe", "email": "jane@acme.com", "phone": "+1 555 0100", **extra}


def scripted_client(handler: Handler, *, max_retries: int = 0) -> AsyncTogaiCustomers:
    """An SDK client whose upstream is ``handler`` (for faults the sandbox cannot produce)."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncTogaiCustomers(api_key="test", http_client=http, max_retries=max_retries)


def sandbox_client(
    sandbox: Sandbox, *, api_key: str = "test", max_retries: int = 0
) -> AsyncTogaiCustomers:
    """An SDK client on ``sandbox`` in-process (no retries by default, so one fault shows)."""
    http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
    return AsyncTogaiCustomers(api_key=api_key, http_client=http, max_retries=max_retries)
