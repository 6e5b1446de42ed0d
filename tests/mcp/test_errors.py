"""Failures become error results naming the problem and the next step; the session survives."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._mcp_support import Connect, customer_args, ok, text_of

Handler = Callable[[httpx.Request], httpx.Response]


def _on(handler: Handler) -> Callable[[], AbstractAsyncContextManager[Client]]:
    """A session whose upstream is ``handler`` (for answers the sandbox does not give)."""

    @asynccontextmanager
    async def session() -> AsyncIterator[Client]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        client = AsyncTogaiCustomers("test", http_client=http, max_retries=0)
        async with http, Client(create_mcp_server(client=client)) as agent:
            yield agent

    return session


async def _error(agent: Client, tool: str, args: dict[str, Any]) -> str:
    result = await agent.call_tool(tool, args)
    assert result.is_error, f"{tool} {args} succeeded: {text_of(result)}"
    assert result.structured_content is None
    return text_of(result)


async def test_unknown_customer_says_to_list_customers(connect: Connect) -> None:
    """404 upstream: the message names the id, quotes Togai, and points at list-customers."""
    async with connect() as agent:
        for tool, args in [
            ("get-customer", {"customer_id": "c9"}),
            ("update-customer", {"customer_id": "c9", "name": "New name"}),
            ("delete-customer", {"customer_id": "c9"}),
            ("create-contact-customer", {"customer_id": "c9", "name": "Jo", "email": "jo@x.io"}),
        ]:
            text = await _error(agent, tool, args)
            assert "customer c9 not found" in text
            assert "Customer with id c9 not found" in text  # the upstream message
            assert "call list-customers" in text
        # The session is still usable.
        assert ok(await agent.call_tool("list-customers", {}))["data"] == []


async def test_duplicate_id_says_to_get_it_or_choose_another(connect: Connect) -> None:
    """409 upstream on create-customer: what exists and what to do."""
    async with connect() as agent:
        ok(await agent.call_tool("create-customer", customer_args("dup")))
        text = await _error(agent, "create-customer", customer_args("dup"))
        assert "already exists" in text
        assert "get-customer with customer_id=dup" in text
        assert ok(await agent.call_tool("get-customer", {"customer_id": "dup"}))["id"] == "dup"


@pytest.mark.parametrize(
    ("tool", "args", "field", "problem"),
    [
        ("get-customer", {"customer_id": 5}, "customer_id", "must be a string"),
        ("get-customer", {}, "customer_id", "is required"),
        (
            "create-customer",
            customer_args("x", name=None) | {"name": 7},
            "name",
            "must be a string",
        ),
        ("create-customer", {"id": "x", "name": "Acme"}, "primary_email", "is required"),
        ("create-customer", customer_args("x", address="Main St"), "address", "must be an object"),
        ("list-customers", {"page_size": "lots"}, "page_size", "must be an integer"),
        ("list-customers", {"page_size": 500}, "page_size", "between 1 and 100"),
        (
            "update-customer",
            {"customer_id": "c1", "email": "a@b.co"},
            "email",
            "is not an argument of this tool",
        ),
        ("create-customer", customer_args("x", name="Ab"), "name", "at least 3 characters"),
        ("create-customer", customer_args("x", name="N" * 100_000), "name", "at most 255"),
        ("get-customer", {"customer_id": "c" * 100_000}, "customer_id", "at most 50"),
        ("create-customer", customer_args("x", address={"zip": "1"}), "address.zip", "unknown"),
        (
            "create-customer",
            customer_args("x", account={"id": "a", "name": "Main", "invoice_currency": "DOLLARS"}),
            "account.invoice_currency",
            "at most 3 characters",
        ),
        (
            "create-contact-customer",
            {"customer_id": "c1", "name": "Jo", "email": "not-an-email"},
            "email",
            "pattern",
        ),
        ("update-customer", {"customer_id": "c1"}, "name, primary_email, address", "at least one"),
    ],
)
async def test_bad_arguments_are_error_results_naming_the_field(
    connect: Connect, tool: str, args: dict[str, Any], field: str, problem: str
) -> None:
    """Wrong types, missing or unknown fields and broken limits name the field in plain words."""
    async with connect() as agent:
        text = await _error(agent, tool, args)
        assert field in text
        assert problem in text
        for pydantic_wording in ("pydantic", "Input should", "validation error", "http"):
            assert pydantic_wording not in text
        assert len(text) < 2000  # a huge value is not echoed back
        assert ok(await agent.call_tool("list-customers", {}))["data"] == []


async def test_a_password_is_never_echoed_in_an_error(connect: Connect) -> None:
    """A too-long password is reported by length only, and never shown beside another error."""
    secret = "hunter2-" * 20
    async with connect() as agent:
        too_long = await _error(
            agent,
            "create-contact-customer",
            {"customer_id": "c1", "name": "Jo", "email": "jo@x.io", "password": secret},
        )
        missing_email = await _error(
            agent, "create-contact-customer", {"customer_id": "c1", "name": "Jo", "password": "pw"}
        )
    assert "password" in too_long
    assert "at most 100" in too_long
    assert "hunter2" not in too_long
    assert "email" in missing_email
    assert "'pw'" not in missing_email


async def test_rate_limited_says_when_to_retry() -> None:
    """429 upstream: the Retry-After wait is in the message; the next call still works."""
    with Sandbox(rate_limit=0.05, retry_after=True) as sandbox:
        http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers("test", http_client=http, max_retries=0)
        async with http, Client(create_mcp_server(client=client)) as agent:
            ok(await agent.call_tool("list-customers", {}))
            text = await _error(agent, "list-customers", {})
            assert "rate limited" in text
            assert "again after 20 seconds" in text
            tools = await agent.list_tools()
    assert len(tools.tools) == 6


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"message": "Invalid address"}, "Invalid address"),
        (401, {"message": "Unauthorized"}, "TOGAI_API_KEY"),
        (503, {"message": "Maintenance"}, "retry later"),
    ],
)
async def test_other_upstream_statuses_keep_the_message(
    status: int, body: dict[str, str], expected: str
) -> None:
    """400/401/5xx answers (not produced by the sandbox on demand): upstream text + next step."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    async with _on(handler)() as agent:
        text = await _error(agent, "get-customer", {"customer_id": "c1"})
    assert body["message"] in text
    assert expected in text
    assert "Bearer" not in text
    assert "test" not in text.split()


async def test_unreachable_upstream_is_an_error_result() -> None:
    """A refused connection is reported, not raised through the session."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with _on(handler)() as agent:
        text = await _error(agent, "list-customers", {})
        assert "could not reach the Togai API" in text
        assert "retry later" in text
        assert len((await agent.list_tools()).tools) == 6


async def test_arguments_reach_upstream_as_camel_case_json() -> None:
    """What the tool sends is the upstream body: snake_case arguments become camelCase keys."""
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(
            200,
            json={
                "id": "c1",
                "togaiCustomerId": "t1",
                "name": "New",
                "primaryEmail": "n@x.io",
                "billingAddress": "",
                "address": {},
                "status": "ACTIVE",
                "createdAt": "2024-01-02T03:04:05Z",
                "updatedAt": "2024-01-02T03:04:05Z",
            },
        )

    async with _on(handler)() as agent:
        ok(
            await agent.call_tool(
                "update-customer",
                {"customer_id": "c1", "primary_email": "n@x.io", "address": {"postal_code": "1"}},
            )
        )
    assert seen == [{"primaryEmail": "n@x.io", "address": {"postalCode": "1"}}]
