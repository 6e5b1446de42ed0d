"""Every tool called against the sandbox; results are Togai's JSON; paging by nextToken."""

from __future__ import annotations

from togai_customers import AsyncTogaiCustomers

from ._mcp_support import ADDRESS, Connect, Person, customer_args, ok


async def test_every_tool_works_against_the_sandbox(
    connect: Connect, togai_async_client: AsyncTogaiCustomers
) -> None:
    """Create, get, list, update, add a contact, delete (confirmed): each result is Togai's JSON."""
    async with connect(elicitation_callback=Person("accept")) as agent:
        created = ok(await agent.call_tool("create-customer", customer_args("acme-corp")))
        assert created["id"] == "acme-corp"
        assert created["primaryEmail"] == "billing@acme-corp.example.com"
        assert created["address"]["postalCode"] == ADDRESS["postal_code"]
        assert created["togaiCustomerId"]

        got = ok(await agent.call_tool("get-customer", {"customer_id": "acme-corp"}))
        assert got["togaiCustomerId"] == created["togaiCustomerId"]
        assert got["status"] == "ACTIVE"
        assert got["createdAt"].endswith("Z")

        page = ok(await agent.call_tool("list-customers", {}))
        assert [c["id"] for c in page["data"]] == ["acme-corp"]
        assert page["data"][0] == got
        assert "nextToken" not in page

        updated = ok(
            await agent.call_tool(
                "update-customer", {"customer_id": "acme-corp", "name": "Acme Corporation"}
            )
        )
        assert updated["name"] == "Acme Corporation"
        assert updated["primaryEmail"] == created["primaryEmail"]  # untouched

        contact = ok(
            await agent.call_tool(
                "create-contact-customer",
                {
                    "customer_id": "acme-corp",
                    "name": "Jane Doe",
                    "email": "jane@acme.com",
                    "preferred_username": "janedoe",
                    "password": "s3cret-Passw0rd",
                    "login_access": True,
                },
            )
        )
        assert contact["email"] == "jane@acme.com"
        assert contact["loginAccess"] is True
        assert "password" not in contact

        deleted = ok(await agent.call_tool("delete-customer", {"customer_id": "acme-corp"}))
        assert deleted == {"success": True}
    assert [c async for c in togai_async_client.list_customers()] == []


async def test_create_customer_with_an_account_and_settings(connect: Connect) -> None:
    """Nested objects (account, settings) go through as snake_case arguments."""
    args = customer_args(
        "globex",
        settings=[
            {"id": "s1", "value": "7", "namespace": "USER", "name": "Net", "data_type": "NUMERIC"}
        ],
        account={"id": "globex-main", "name": "Globex main", "invoice_currency": "USD"},
    )
    async with connect() as agent:
        created = ok(await agent.call_tool("create-customer", args))
    assert created["account"]["id"] == "globex-main"
    assert created["account"]["invoiceCurrency"] == "USD"
    assert created["settings"][0]["dataType"] == "NUMERIC"


async def test_a_customer_made_by_the_sdk_is_visible_to_the_agent(
    connect: Connect, togai_async_client: AsyncTogaiCustomers
) -> None:
    """The tools share state with the SDK client they were given."""
    await togai_async_client.create_customer(
        id="initech", name="Initech", primary_email="it@initech.com", address={}
    )
    async with connect() as agent:
        got = ok(await agent.call_tool("get-customer", {"customer_id": "initech"}))
    assert got["name"] == "Initech"


async def test_paging_through_three_pages_with_next_token(connect: Connect) -> None:
    """page_size 3 over 7 customers: three pages, following nextToken, each customer once."""
    ids = [f"cust-{i}" for i in range(7)]
    async with connect() as agent:
        for customer_id in ids:
            ok(await agent.call_tool("create-customer", customer_args(customer_id)))
        seen: list[str] = []
        pages = 0
        args: dict[str, object] = {"page_size": 3}
        while True:
            page = ok(await agent.call_tool("list-customers", args))
            pages += 1
            assert len(page["data"]) <= 3
            assert all("primaryEmail" in c for c in page["data"])  # full objects, not ids
            seen += [c["id"] for c in page["data"]]
            if "nextToken" not in page:
                break
            args = {"page_size": 3, "next_token": page["nextToken"]}
    assert pages == 3
    assert seen == ids
