"""The tool list: names, titles, hints and schemas as issue 6 specifies them."""

from __future__ import annotations

from typing import Any

from mcp import Client

from ._mcp_support import Connect

# The issue's table, written out: name, title, readOnly, destructive, idempotent, required inputs.
EXPECTED: list[tuple[str, str, bool, bool, bool, set[str]]] = [
    ("create-customer", "Create a Customer", False, False, False,
     {"id", "name", "primary_email", "address"}),
    ("list-customers", "List Customers", True, False, True, set()),
    ("get-customer", "Get a Customer", True, False, True, {"customer_id"}),
    ("update-customer", "Update a Customer", False, False, True, {"customer_id"}),
    ("delete-customer", "Delete a Customer", False, True, True, {"customer_id"}),
    ("create-contact-customer", "Create a Contact for the Customer", False, False, False,
     {"customer_id", "name", "email"}),
]  # fmt: skip

INPUTS = {
    "create-customer": {"id", "name", "primary_email", "address", "settings", "account"},
    "list-customers": {"page_size", "next_token"},
    "get-customer": {"customer_id"},
    "update-customer": {"customer_id", "name", "primary_email", "address"},
    "delete-customer": {"customer_id"},
    "create-contact-customer": {
        "customer_id", "name", "email", "preferred_username", "password", "phone", "verified",
        "login_access",
    },
}  # fmt: skip


async def _tools(agent: Client) -> dict[str, Any]:
    return {t.name: t for t in (await agent.list_tools()).tools}


async def test_tool_names_titles_and_hints_match_the_issue_table(connect: Connect) -> None:
    """The six tools, in the seed's order, with the table's hints and openWorldHint on all."""
    async with connect() as agent:
        tools = (await agent.list_tools()).tools
        assert [t.name for t in tools] == [row[0] for row in EXPECTED]
        for tool, (name, title, read_only, destructive, idempotent, _) in zip(
            tools, EXPECTED, strict=True
        ):
            hints = tool.annotations
            assert hints is not None, name
            assert tool.title == title
            wire = hints.model_dump(by_alias=True, exclude_none=True)
            assert wire["readOnlyHint"] is read_only, name
            assert wire["destructiveHint"] is destructive, name
            assert wire["idempotentHint"] is idempotent, name
            assert wire["openWorldHint"] is True, name


async def test_input_schemas_list_every_field_and_the_required_ones(connect: Connect) -> None:
    """Typed inputs: every request field (no opaque body), unknown names refused."""
    async with connect() as agent:
        tools = await _tools(agent)
        for name, *_, required in EXPECTED:
            schema = tools[name].input_schema
            assert set(schema["properties"]) == INPUTS[name], name
            assert set(schema.get("required", [])) == required, name
            assert schema["additionalProperties"] is False, name
            for prop, spec in schema["properties"].items():
                assert spec.get("description"), f"{name}.{prop} has no description"


async def test_input_schemas_carry_the_spec_limits_and_formats(connect: Connect) -> None:
    """Lengths, bounds, patterns, nested address fields and write-only password are published."""
    async with connect() as agent:
        tools = await _tools(agent)
        create = tools["create-customer"].input_schema["properties"]
        assert (create["name"]["minLength"], create["name"]["maxLength"]) == (3, 255)
        assert create["id"]["maxLength"] == 50
        assert create["id"]["type"] == "string"
        assert create["address"]["type"] == "object"
        assert "postal_code" in create["address"]["properties"]
        assert create["settings"]["maxItems"] == 10
        paging = tools["list-customers"].input_schema["properties"]
        assert (paging["page_size"]["minimum"], paging["page_size"]["maximum"]) == (1, 100)
        assert paging["next_token"]["type"] == "string"
        contact = tools["create-contact-customer"].input_schema["properties"]
        assert contact["email"]["pattern"] == r"^\S+@\S+\.\S+$"
        assert contact["password"]["writeOnly"] is True
        assert contact["verified"]["type"] == "boolean"
        customer_id = tools["get-customer"].input_schema["properties"]["customer_id"]
        assert (customer_id["minLength"], customer_id["maxLength"]) == (1, 50)
        assert "list-customers" in customer_id["description"]


async def test_output_schemas_are_the_upstream_camel_case_json(connect: Connect) -> None:
    """outputSchema is Togai's JSON; the list result has full customers and nextToken."""
    async with connect() as agent:
        tools = await _tools(agent)
        page = tools["list-customers"].output_schema
        assert page is not None
        assert set(page["properties"]) == {"data", "nextToken", "context"}
        customer = page["properties"]["data"]["items"]
        assert {"id", "togaiCustomerId", "primaryEmail", "address", "createdAt"} <= set(
            customer["properties"]
        )
        assert tools["delete-customer"].output_schema["required"] == ["success"]
        for name in ("get-customer", "update-customer"):
            assert "primaryEmail" in tools[name].output_schema["properties"]


async def test_descriptions_tell_how_to_page_and_what_to_call_next(connect: Connect) -> None:
    """Descriptions explain the cursor, id format and follow-up tools."""
    async with connect() as agent:
        tools = await _tools(agent)
        listing = tools["list-customers"].description or ""
        assert "next_token" in listing
        assert "nextToken" in listing
        assert "acme-corp" in (tools["create-customer"].description or "")
        assert "get-customer" in (tools["create-customer"].description or "")
        assert "cannot be undone" in (tools["delete-customer"].description or "")


async def test_server_instructions_describe_the_model_and_the_tools(connect: Connect) -> None:
    """The initialize result carries instructions naming every tool and the customer model."""
    async with connect() as agent:
        instructions = agent.instructions or ""
        for name, *_ in EXPECTED:
            assert name in instructions
        assert "togaiCustomerId" in instructions
        assert "nextToken" in instructions
