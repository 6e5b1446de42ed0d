"""Fixtures for the sandbox tests: an SDK client of the test's flavour and a raw httpx client,
both wired in-process to a fresh sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from _sdk_support import close, collect, resolve, sdk_client

from togai_customers import AsyncTogaiCustomers, TogaiCustomers
from togai_customers_server.sandbox import Sandbox, SandboxTransport

ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}


class Api:
    """One face for the sync and async SDK clients: every operation is awaited."""

    def __init__(self, client: TogaiCustomers | AsyncTogaiCustomers) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncTogaiCustomers)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await resolve(method(*args, **kwargs))

        return call

    async def all_customers(self, **kwargs: Any) -> list[Any]:
        """Every customer, following the pages (the SDK's own iteration)."""
        return await collect(self.client, **kwargs)

    async def create(self, customer_id: str, **overrides: Any) -> Any:
        """Create a customer with valid defaults."""
        args: dict[str, Any] = {
            "id": customer_id,
            "name": f"Customer {customer_id}",
            "primary_email": f"{customer_id.replace('/', '.')}@example.com",
            "address": ADDRESS,
        }
        args.update(overrides)
        return await self.create_customer(**args)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh in-memory sandbox."""
    with Sandbox() as sb:
        yield sb


@pytest.fixture
async def api(flavour: str, sandbox: Sandbox) -> AsyncIterator[Api]:
    """The SDK client of the test's flavour on ``sandbox``, through the in-process transport."""
    client = sdk_client(flavour, SandboxTransport(sandbox), api_key="test")
    yield Api(client)
    await close(client)


@pytest.fixture
def raw(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A plain httpx client on ``sandbox`` with a bearer token (for what the SDK won't send)."""
    with httpx.Client(
        transport=SandboxTransport(sandbox),
        base_url="http://sandbox.test",
        headers={"Authorization": "Bearer test"},
    ) as client:
        yield client
