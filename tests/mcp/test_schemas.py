"""Results clients can trust: every success validates against its tool's outputSchema."""

from __future__ import annotations

from typing import Any

import jsonschema
from mcp import Client
from mcp.types import Tool

from togai_customers._operations import OPERATIONS

from ._mcp_support import Connect, Person, customer_args, ok, text_of

#: One successful call per tool, in an order where each finds what it needs.
CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "create-customer",
        customer_args(
            "schema-1",
            account={"id": "schema-1-main", "name": "Main", "invoice_currency": "USD"},
            settings=[
                {"id": "s1", "value": "7", "namespace": "USER", "name": "N", "data_type": "NUMERIC"}
            ],
        ),
    ),
    ("list-customers", {"page_size": 1}),
    ("get-customer", {"customer_id": "schema-1"}),
    ("update-customer", {"customer_id": "schema-1", "name": "Schema One"}),
    (
        "create-contact-customer",
        {"customer_id": "schema-1", "name": "Jo", "email": "jo@x.io", "phone": "+1 555 0100"},
    ),
    ("delete-customer", {"customer_id": "schema-1"}),
]


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


async def _tools(agent: Client) -> dict[str, Tool]:
    return {t.name: t for t in (await agent.list_tools()).tools}


def test_the_calls_cover_every_tool() -> None:
    """The schema check below calls every row's tool."""
    assert sorted(name for name, _ in CALLS) == sorted(op.tool_name for op in OPERATIONS)


async def test_every_success_validates_against_its_output_schema(connect: Connect) -> None:
    """structuredContent of each of the six tools passes jsonschema against outputSchema."""
    async with connect(elicitation_callback=Person("accept")) as agent:
        tools = await _tools(agent)
        for name, args in CALLS:
            data = ok(await agent.call_tool(name, args))
            schema = tools[name].output_schema
            assert schema is not None, name
            errors = [e.message for e in _validator(schema).iter_errors(data)]
            assert errors == [], (name, errors)


async def test_a_result_that_breaks_the_schema_is_caught(connect: Connect) -> None:
    """The check can fail: a success with a field of the wrong type does not validate."""
    async with connect() as agent:
        tools = await _tools(agent)
        data = ok(await agent.call_tool("create-customer", customer_args("schema-2")))
    broken = {**data, "name": 42}
    assert not _validator(tools["get-customer"].output_schema or {}).is_valid(broken)


async def test_error_results_carry_no_structured_content(connect: Connect) -> None:
    """Failed calls of every kind: isError, text only, nothing to validate."""
    async with connect() as agent:
        for name, args in [
            ("get-customer", {"customer_id": 5}),
            ("get-customer", {"customer_id": "nobody"}),
            ("delete-customer", {"customer_id": "nobody"}),
            ("list-customers", {"page_size": 500}),
            ("no-such-tool", {}),
        ]:
            result = await agent.call_tool(name, args)
            assert result.is_error, (name, text_of(result))
            assert result.structured_content is None, name
            assert text_of(result)


async def test_input_schemas_are_ours_exactly(connect: Connect) -> None:
    """The published inputSchema is exactly the one built from the row, and a valid schema."""
    async with connect() as agent:
        tools = await _tools(agent)
    for op in OPERATIONS:
        schema = tools[op.tool_name].input_schema
        assert schema == op.input_schema(), op.tool_name
        _validator(schema)
        assert "title" not in schema  # mcp's MCPServer would add one
