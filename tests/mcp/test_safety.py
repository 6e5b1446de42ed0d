"""Safety in memory: read-only mode, the tool allow-list, and deletes a person confirms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers._operations import OPERATIONS
from togai_customers_server import ServeOptions
from togai_customers_server._settings import UnknownToolError, exposed_operations
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.sandbox import Sandbox

from ._mcp_support import Person, customer_args, ok, text_of

READ_ONLY_TOOLS = ["list-customers", "get-customer"]
ALL_TOOLS = [op.tool_name for op in OPERATIONS]
MODES = ["legacy", "auto"]
WRITE_AND_READ = ("create-customer", "list-customers")


@pytest.fixture
async def acme(togai_async_client: AsyncTogaiCustomers) -> str:
    """Customer ``acme`` in the sandbox; returns its id."""
    await togai_async_client.create_customer(
        id="acme", name="Acme Corp", primary_email="billing@acme.com", address={}
    )
    return "acme"


@asynccontextmanager
async def _agent(
    client: AsyncTogaiCustomers, options: ServeOptions | None = None, **kwargs: Any
) -> AsyncIterator[Client]:
    async with Client(create_mcp_server(options or ServeOptions(), client=client), **kwargs) as c:
        yield c


async def _names(agent: Client) -> list[str]:
    return [t.name for t in (await agent.list_tools()).tools]


def test_selection_keeps_the_named_tools_and_read_only_wins() -> None:
    """--tools keeps the named rows in table order; --read-only drops a write tool named too."""
    pick = ServeOptions(tools=("delete-customer", "get-customer"))
    both = ServeOptions(tools=("delete-customer", "get-customer"), read_only=True)
    names = {
        "all": [op.tool_name for op in exposed_operations(OPERATIONS, ServeOptions())],
        "read-only": [
            op.tool_name for op in exposed_operations(OPERATIONS, ServeOptions(read_only=True))
        ],
        "tools": [op.tool_name for op in exposed_operations(OPERATIONS, pick)],
        "both": [op.tool_name for op in exposed_operations(OPERATIONS, both)],
    }
    assert names == {
        "all": ALL_TOOLS,
        "read-only": READ_ONLY_TOOLS,
        "tools": ["get-customer", "delete-customer"],
        "both": ["get-customer"],
    }


def test_an_unknown_tool_name_is_refused_with_the_valid_names() -> None:
    """A misspelt name raises, naming it and listing every valid tool name."""
    with pytest.raises(UnknownToolError) as caught:
        exposed_operations(OPERATIONS, ServeOptions(tools=("get-customer", "get-customers")))
    assert caught.value.unknown == ("get-customers",)
    for name in ALL_TOOLS:
        assert name in str(caught.value)
    with pytest.raises(UnknownToolError):
        create_mcp_server(ServeOptions(api_key="k", tools=("nope",)))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (ServeOptions(read_only=True), READ_ONLY_TOOLS),
        (ServeOptions(tools=WRITE_AND_READ), list(WRITE_AND_READ)),
        (ServeOptions(tools=WRITE_AND_READ, read_only=True), ["list-customers"]),
    ],
    ids=["read-only", "tools", "both"],
)  # fmt: skip
async def test_only_the_exposed_tools_are_listed_and_callable(
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    options: ServeOptions,
    expected: list[str],
) -> None:
    """Hidden tools are not listed; calling one is an error result and reaches nothing."""
    async with _agent(togai_async_client, options) as agent:
        assert await _names(agent) == expected
        for name in sorted(set(ALL_TOOLS) - set(expected)):
            args = {"customer_id": "acme"} if name != "create-customer" else customer_args("x1")
            result = await agent.call_tool(name, args)
            assert result.is_error
            assert result.structured_content is None
            assert "not available on this server" in text_of(result)
            assert ", ".join(expected) in text_of(result)
        assert ok(await agent.call_tool("list-customers", {}))["data"] == []
    assert togai_sandbox.requests[-1].method == "GET"
    assert [r for r in togai_sandbox.requests if r.method != "GET"] == []


async def test_the_delete_tool_says_the_person_is_asked(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """By default the description and instructions say the server asks the person first."""
    async with _agent(togai_async_client) as agent:
        tools = {t.name: t for t in (await agent.list_tools()).tools}
        instructions = agent.instructions or ""
    description = tools["delete-customer"].description or ""
    assert "the server asks the person to confirm" in description
    assert "does not ask the person" not in description
    assert "the server asks the person to confirm before it runs" in instructions


async def test_read_only_instructions_say_so(togai_async_client: AsyncTogaiCustomers) -> None:
    """The instructions list only the exposed tools and say the server is read-only."""
    async with _agent(togai_async_client, ServeOptions(read_only=True)) as agent:
        text = agent.instructions or ""
    assert "read-only: it cannot create, change or delete anything" in text
    assert "delete-customer" not in text


async def test_an_unknown_tool_is_an_error_result(togai_async_client: AsyncTogaiCustomers) -> None:
    """A tool name no row has is an error result listing the tools (not a protocol error)."""
    async with _agent(togai_async_client) as agent:
        result = await agent.call_tool("drop-everything", {})
    assert result.is_error
    assert result.structured_content is None
    assert "is not a tool of this server" in text_of(result)
    assert "list-customers" in text_of(result)


# Confirmed deletes ---------------------------------------------------------------------------

ANSWERED = {
    "accept": None,
    "accept-unticked": "not deleted: the person did not tick confirm.",
    "decline": "not deleted: the person declined.",
    "cancel": "not deleted: the person cancelled the confirmation.",
}


@pytest.mark.parametrize("answer", list(ANSWERED))
@pytest.mark.parametrize("mode", MODES)
async def test_delete_asks_the_person_first(
    togai_async_client: AsyncTogaiCustomers,
    togai_sandbox: Sandbox,
    acme: str,
    mode: str,
    answer: str,
) -> None:
    """One question naming the customer; only accept + confirm deletes, else nothing is sent."""
    person = Person(answer)
    async with _agent(togai_async_client, mode=mode, elicitation_callback=person) as agent:
        result = await agent.call_tool("delete-customer", {"customer_id": acme})
        after = await agent.call_tool("get-customer", {"customer_id": acme})
    (question,) = person.questions
    assert question.message == (
        "Delete customer Acme Corp (id acme, primary email billing@acme.com)? "
        "This cannot be undone."
    )
    schema = question.requested_schema  # type: ignore[union-attr]
    assert list(schema["properties"]) == ["confirm"]  # one boolean, never a secret
    assert schema["properties"]["confirm"]["type"] == "boolean"
    assert "password" not in str(schema)
    deletes = [r for r in togai_sandbox.requests if r.method == "DELETE"]
    expected = ANSWERED[answer]
    if expected is None:
        assert ok(result) == {"success": True}
        assert after.is_error
        assert "not found" in text_of(after)
        assert len(deletes) == 1
    else:
        assert result.is_error
        assert result.structured_content is None
        assert text_of(result).startswith(expected), text_of(result)
        assert ok(after)["id"] == acme  # still there
        assert deletes == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_that_cannot_ask_is_refused(
    togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox, acme: str, mode: str
) -> None:
    """No elicitation callback: an error result saying why and naming the operator's opt-out."""
    async with _agent(togai_async_client, mode=mode) as agent:
        result = await agent.call_tool("delete-customer", {"customer_id": acme})
        assert ok(await agent.call_tool("get-customer", {"customer_id": acme}))["id"] == acme
    assert result.is_error
    assert result.structured_content is None
    text = text_of(result)
    assert text.startswith("not deleted: your client cannot show a confirmation form")
    assert "--allow-unconfirmed-deletes" in text
    assert [r for r in togai_sandbox.requests if r.method == "DELETE"] == []


@pytest.mark.parametrize("mode", MODES)
async def test_allow_unconfirmed_deletes_skips_the_question(
    togai_async_client: AsyncTogaiCustomers, acme: str, mode: str
) -> None:
    """--allow-unconfirmed-deletes: deleted at once, nobody asked; the instructions warn."""
    person = Person("decline")
    options = ServeOptions(allow_unconfirmed_deletes=True)
    async with _agent(togai_async_client, options, mode=mode, elicitation_callback=person) as agent:
        assert ok(await agent.call_tool("delete-customer", {"customer_id": acme})) == {
            "success": True
        }
        assert "confirm with the user first" in (agent.instructions or "")
        tools = {t.name: t for t in (await agent.list_tools()).tools}
        assert "does not ask the person" in (tools["delete-customer"].description or "")
    assert person.questions == []


async def test_deleting_an_unknown_customer_asks_nothing(
    togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """Nothing to confirm: the not-found advice, no question, no DELETE sent."""
    person = Person("accept")
    async with _agent(togai_async_client, elicitation_callback=person) as agent:
        result = await agent.call_tool("delete-customer", {"customer_id": "ghost"})
    assert result.is_error
    assert "customer ghost not found" in text_of(result)
    assert person.questions == []
    assert [r for r in togai_sandbox.requests if r.method == "DELETE"] == []


async def test_a_bad_id_is_refused_before_asking(togai_async_client: AsyncTogaiCustomers) -> None:
    """The id's limits are checked before anything is fetched or asked."""
    person = Person("accept")
    async with _agent(togai_async_client, elicitation_callback=person) as agent:
        result = await agent.call_tool("delete-customer", {"customer_id": "x" * 51})
    assert result.is_error
    assert "at most 50 characters" in text_of(result)
    assert person.questions == []


# Arguments and failures ----------------------------------------------------------------------


async def test_object_arguments_sent_as_json_text_are_accepted(
    togai_async_client: AsyncTogaiCustomers,
) -> None:
    """An object or array argument sent as JSON text (as some desktop clients do) is decoded."""
    args = customer_args("json-text", address='{"city": "Austin"}', settings="[]")
    async with _agent(togai_async_client) as agent:
        created = ok(await agent.call_tool("create-customer", args))
        bad = await agent.call_tool("create-customer", customer_args("j2", address="Main St"))
    assert created["address"] == {"city": "Austin"}
    assert bad.is_error
    assert "address must be an object" in text_of(bad)


async def test_an_unexpected_failure_is_an_error_result(
    togai_async_client: AsyncTogaiCustomers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug inside a tool is an error result saying to retry later, not a protocol error."""

    async def broken(call: Any) -> Any:
        raise RuntimeError("boom: sk_secret_in_a_bug")

    monkeypatch.setattr(togai_async_client, "send", broken)
    async with _agent(togai_async_client) as agent:
        result = await agent.call_tool("list-customers", {})
        assert len(await _names(agent)) == 6  # the session survives
    assert result.is_error
    assert result.structured_content is None
    assert text_of(result) == "list-customers failed unexpectedly; retry later."
