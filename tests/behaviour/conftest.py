"""One sandbox, every surface: the SDK (in-process), the REST adapter, the MCP server and the CLI
(over HTTP), so a rule of Togai's behaviour is checked wherever a user meets it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from mcp import Client
from mcp.types import ElicitResult
from typer.testing import CliRunner, Result

from togai_customers import AsyncTogaiCustomers, TogaiCustomers
from togai_customers._cli import app as cli_app
from togai_customers_server import ServeOptions
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, SandboxTransport, serve_in_thread

KEY = "sk-behaviour-test"


@attrs.define
class Surfaces:
    """Every way to reach one sandbox."""

    sandbox: Sandbox
    url: str
    sync: TogaiCustomers
    async_: AsyncTogaiCustomers
    rest: TestClient[Litestar]

    def seed(self, count: int, prefix: str = "c") -> list[str]:
        """Create ``count`` customers; their ids, in creation order."""
        ids = [f"{prefix}{i:04d}" for i in range(count)]
        for customer_id in ids:
            self.sync.create_customer(
                id=customer_id, name=f"Customer {customer_id}", primary_email="b@x.io", address={}
            )
        return ids

    def mark(self) -> int:
        """Where the sandbox's request log stands now (for counting what follows)."""
        return len(self.sandbox.requests)

    def since(self, mark: int) -> list[Any]:
        return self.sandbox.requests[mark:]

    def cli(self, *args: str, input: str | None = None) -> Result:
        """``togai-customers --base-url URL --api-key KEY ARGS`` (in-process, wide terminal)."""
        return CliRunner().invoke(
            cli_app,
            ["--base-url", self.url, "--api-key", KEY, *args],
            input=input,
            env={"COLUMNS": "200"},
        )

    @asynccontextmanager
    async def mcp(self, on_question: Callable[[], None] | None = None) -> AsyncIterator[Client]:
        """An MCP client session with a server on this sandbox (in memory), whose person
        confirms every question (``on_question`` runs first, e.g. to queue a fault)."""

        async def person(_ctx: Any, _params: Any) -> ElicitResult:
            if on_question is not None:
                on_question()
            return ElicitResult(action="accept", content={"confirm": True})

        server = create_mcp_server(client=self.async_)
        async with Client(server, elicitation_callback=person) as client:
            yield client


@pytest.fixture
def surfaces() -> Iterator[Surfaces]:
    """A fresh sandbox (only ``KEY`` accepted) and every surface on it."""
    with Sandbox(api_key=KEY) as sandbox, serve_in_thread(sandbox) as url:
        transport = SandboxTransport(sandbox)
        sync = TogaiCustomers(KEY, http_client=httpx.Client(transport=transport))
        async_ = AsyncTogaiCustomers(KEY, http_client=httpx.AsyncClient(transport=transport))
        with TestClient(create_rest_app(ServeOptions(), client=async_)) as rest:
            yield Surfaces(sandbox, url, sync, async_, rest)
