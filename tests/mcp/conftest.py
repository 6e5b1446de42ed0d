"""Fixtures: an MCP client connected in memory to the server, on a fresh in-process sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server.mcp import create_mcp_server

from ._mcp_support import Connect


@pytest.fixture
def connect(togai_async_client: AsyncTogaiCustomers) -> Connect:
    """Open an MCP client session with a server whose tools use the sandbox.

    A context manager for the test body, not an async fixture: the SDK's task groups must be
    entered and left by the same task. Keyword arguments go to ``mcp.Client`` (``mode=``,
    ``elicitation_callback=``).
    """

    @asynccontextmanager
    async def session(**kwargs: Any) -> AsyncIterator[Client]:
        async with Client(create_mcp_server(client=togai_async_client), **kwargs) as client:
            yield client

    return session
