"""Helpers shared by the MCP tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from mcp import Client
from mcp.client import ClientRequestContext
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult, TextContent

#: Opens an MCP client session (see the ``connect`` fixture); keyword arguments go to ``Client``.
Connect = Callable[..., AbstractAsyncContextManager[Client]]

#: What a client's elicitation callback is.
ElicitationCallback = Callable[[ClientRequestContext, ElicitRequestParams], Any]

ANSWERS: dict[str, ElicitResult] = {
    "accept": ElicitResult(action="accept", content={"confirm": True}),
    "accept-unticked": ElicitResult(action="accept", content={"confirm": False}),
    "decline": ElicitResult(action="decline"),
    "cancel": ElicitResult(action="cancel"),
}


class Person:
    """An elicitation callback: answers every question with ``answer`` and remembers them."""

    def __init__(self, answer: str = "accept") -> None:
        self.answer = answer
        self.questions: list[ElicitRequestParams] = []

    async def __call__(
        self, ctx: ClientRequestContext, params: ElicitRequestParams
    ) -> ElicitResult:
        self.questions.append(params)
        return ANSWERS[self.answer]


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
