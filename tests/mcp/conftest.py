"""Fixtures: an MCP client connected in memory to the server, on a fresh in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server.mcp import create_mcp_server

from ._mcp_support import Connect


@pytest.fixture
def connect(togai_async_client: AsyncTogaiCustomers) -> Connect:
    """Open an MCP client session with a server whose tools use the sandbox.

    A context manager for the test body, not an async fixture: the SDK's task groups must be
    entered and left by the same task.
    """

    @asynccontextmanager
    async def session() -> AsyncIterator[Client]:
        async with Client(create_mcp_server(client=togai_async_client)) as client:
            yield client

    return session
