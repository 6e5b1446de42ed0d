"""Helpers shared by the MCP tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent

#: Opens an MCP client session (see the ``connect`` fixture).
Connect = Callable[[], AbstractAsyncContextManager[Client]]

ADDRESS = {"line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}


def customer_args(customer_id: str, **overrides: Any) -> dict[str, Any]:
    """Arguments of a valid create-customer call."""
    args: dict[str, Any] = {
        "id": customer_id,
        "name": f"Customer {customer_id}",
        "primary_email": f"billing@{customer_id}.example.com",
        "address": ADDRESS,
    }
    args.update(overrides)
    return args


def text_of(result: CallToolResult) -> str:
    """The text content of a tool result."""
    return "".join(c.text for c in result.content if isinstance(c, TextContent))


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a successful call (and check the text carries the same JSON)."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    data: dict[str, Any] = result.structured_content
    assert json.loads(text_of(result)) == data
    return data
