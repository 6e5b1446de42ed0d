"""MCP tools fed bad arguments: an error result naming the problem, and the session stays usable."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers._operations import OPERATIONS
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.sandbox import Sandbox

HUGE = "x" * 1_000_000


@pytest.fixture
async def server(togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox) -> Any:
    """An MCP server on the sandbox, with customer ``acme`` (sessions are opened in the test)."""
    await togai_async_client.create_customer(
        id="acme", name="Acme Corp", primary_email="b@acme.com", address={}
    )
    return create_mcp_server(client=togai_async_client)


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


# (tool, arguments, words the error must contain)
BAD_CALLS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("get-customer", {}, ("customer_id",)),
    ("get-customer", {"customer_id": 42}, ("customer_id",)),
    ("get-customer", {"customer_id": None}, ("customer_id",)),
    ("get-customer", {"customer_id": "nobody"}, ("nobody", "not found", "list-customers")),
    ("get-customer", {"customer_id": "acme", "extra": 1}, ("extra",)),
    ("get-customer", {"customer_id": HUGE}, ("customer_id",)),
    ("list-customers", {"page_size": "ten"}, ("page_size",)),
    ("list-customers", {"page_size": 0}, ("page_size",)),
    ("list-customers", {"page_size": 101}, ("page_size",)),
    ("list-customers", {"next_token": "forged-token"}, ("nextToken",)),
    ("create-customer", {"id": "c1", "name": "Acme"}, ("primary_email", "address")),
    (
        "create-customer",
        {"id": "c1", "name": "Ac", "primary_email": "a@b.io", "address": {}},
        ("name",),
    ),
    (
        "create-customer",
        {"id": "c1", "name": HUGE, "primary_email": "a@b.io", "address": {}},
        ("name",),
    ),
    (
        "create-customer",
        {"id": "c1", "name": "Acme", "primary_email": "a@b.io", "address": "Main St"},
        ("address",),
    ),
    (
        "create-customer",
        {"id": "c1", "name": "Acme", "primary_email": "a@b.io", "address": {"zip": "1"}},
        ("zip",),
    ),
    (
        "create-customer",
        {"id": "acme", "name": "Acme Corp", "primary_email": "b@acme.com", "address": {}},
        ("already exists", "get-customer"),
    ),
    (
        "create-customer",
        {
            "id": "c1",
            "name": "Acme",
            "primary_email": "a@b.io",
            "address": {},
            "settings": [{"id": 1}],
        },
        ("settings",),
    ),
    ("update-customer", {"customer_id": "acme"}, ("nothing to change",)),
    ("update-customer", {"customer_id": "acme", "name": ["A"]}, ("name",)),
    ("update-customer", {"customer_id": "nobody", "name": "Someone"}, ("not found",)),
    ("delete-customer", {"customer_id": "nobody"}, ("not found",)),
    ("delete-customer", {"customer_id": True}, ("customer_id",)),
    (
        "create-contact-customer",
        {"customer_id": "acme", "name": "Jane", "email": "not-an-email"},
        ("email",),
    ),
    (
        "create-contact-customer",
        {
            "customer_id": "acme",
            "name": "Jane",
            "email": "j@a.io",
            "preferred_username": "no spaces!",
        },
        ("preferred_username",),
    ),
    (
        "create-contact-customer",
        {"customer_id": "nobody", "name": "Jane", "email": "j@a.io"},
        ("not found",),
    ),
    (
        "create-contact-customer",
        {"customer_id": "acme", "name": "Jane", "email": "j@a.io", "password": HUGE},
        ("password",),
    ),
]


def test_every_tool_is_abused():
    """The bad calls reach every tool of the server."""
    assert {tool for tool, _, _ in BAD_CALLS} == {op.tool_name for op in OPERATIONS}


@pytest.mark.parametrize(
    ("tool", "arguments", "words"),
    BAD_CALLS,
    ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(BAD_CALLS)],
)
async def test_bad_call_is_an_error_result_and_the_session_survives(
    server, togai_sandbox, tool, arguments, words
):
    """Wrong types, missing fields, huge strings, unknown ids: isError naming it; session usable."""
    async with Client(server) as mcp:
        result = await mcp.call_tool(tool, arguments)
        # Nothing was written by the refused call, and the same session still answers.
        ok = await mcp.call_tool("get-customer", {"customer_id": "acme"})
    assert not ok.is_error
    assert ok.structured_content["id"] == "acme"
    text = _text(result)
    assert result.is_error, text
    for word in words:
        assert word in text, text
    assert len(text) < 5_000  # a huge argument is not echoed back
    if "password" in arguments:
        assert arguments["password"][:50] not in text
    writes = [r for r in togai_sandbox.requests if r.method != "GET" and r.status in (200, 201)]
    assert len(writes) == 1  # the fixture's create only
