"""The six operations end to end against the sandbox: wire format and typed results."""

from __future__ import annotations

from datetime import datetime

import pytest
from _sdk_support import API_KEY, collect, resolve

from togai_customers import (
    ConflictError,
    CreateCustomerResponse,
    Customer,
    CustomerContact,
    DeleteCustomerResponse,
    NotFoundError,
    __version__,
)

ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}


async def _create(client, customer_id="acme", **extra):
    return await resolve(
        client.create_customer(
            id=customer_id,
            name="Acme Corp",
            primary_email="billing@acme.com",
            address=ADDRESS,
            **extra,
        )
    )


async def test_create_customer_sends_camel_case_json_and_returns_the_customer(sandbox_api):
    """POST /customers with a camelCase body and bearer key; the result is typed."""
    client, rec, _ = sandbox_api
    created = await _create(
        client,
        settings=[
            {"id": "s1", "value": "1", "namespace": "USER", "name": "Tier", "data_type": "NUMERIC"}
        ],
        account={
            "id": "acme-main",
            "name": "Acme main",
            "invoice_currency": "USD",
            "aliases": ["acme-alias"],
        },
    )
    assert (rec.last.method, rec.last.url.path) == ("POST", "/customers")
    assert rec.last.headers["authorization"] == f"Bearer {API_KEY}"
    assert rec.last.headers["user-agent"] == f"togai-customers-python/{__version__}"
    assert rec.last.headers["content-type"] == "application/json"
    assert rec.last_json() == {
        "id": "acme",
        "name": "Acme Corp",
        "primaryEmail": "billing@acme.com",
        "address": {
            "line1": "1 Main St",
            "city": "Springfield",
            "postalCode": "12345",
            "country": "US",
        },
        "settings": [
            {"id": "s1", "value": "1", "namespace": "USER", "name": "Tier", "dataType": "NUMERIC"}
        ],
        "account": {
            "id": "acme-main",
            "name": "Acme main",
            "invoiceCurrency": "USD",
            "aliases": ["acme-alias"],
        },
    }
    assert isinstance(created, CreateCustomerResponse)
    assert created.id == "acme"
    assert created.togai_customer_id
    assert created.address is not None
    assert created.address.postal_code == "12345"
    assert created.account is not None
    assert (created.account.id, created.account.customer_id) == ("acme-main", "acme")
    assert created.account.status == "ACTIVE"
    assert created.settings is not None
    assert created.settings[0].data_type == "NUMERIC"


async def test_get_customer_returns_a_typed_customer(sandbox_api):
    """GET /customers/{id} gives a Customer with aware timestamps."""
    client, rec, _ = sandbox_api
    await _create(client)
    customer = await resolve(client.get_customer("acme"))
    assert (rec.last.method, rec.last.url.path) == ("GET", "/customers/acme")
    assert isinstance(customer, Customer)
    assert customer.primary_email == "billing@acme.com"
    assert customer.status == "ACTIVE"
    assert isinstance(customer.created_at, datetime)
    assert customer.created_at.tzinfo is not None


async def test_update_sends_only_the_given_fields(sandbox_api):
    """PATCH carries only what was passed; other fields keep their values."""
    client, rec, _ = sandbox_api
    before = await _create(client)
    updated = await resolve(client.update_customer("acme", name="Acme Corporation"))
    assert (rec.last.method, rec.last.url.path) == ("PATCH", "/customers/acme")
    assert rec.last_json() == {"name": "Acme Corporation"}
    assert updated.name == "Acme Corporation"
    assert updated.primary_email == before.primary_email
    assert updated.updated_at >= updated.created_at


async def test_delete_then_get_is_not_found(sandbox_api):
    """DELETE answers success; the customer is gone afterwards."""
    client, rec, _ = sandbox_api
    await _create(client)
    result = await resolve(client.delete_customer("acme"))
    assert (rec.last.method, rec.last.url.path) == ("DELETE", "/customers/acme")
    assert isinstance(result, DeleteCustomerResponse)
    assert result.success is True
    with pytest.raises(NotFoundError, match="acme"):
        await resolve(client.get_customer("acme"))


async def test_create_contact_posts_to_the_customer_contacts(sandbox_api):
    """POST /customers/{id}/contacts returns the created contact."""
    client, rec, _ = sandbox_api
    await _create(client)
    contact = await resolve(
        client.create_customer_contact(
            "acme",
            name="Jane Doe",
            email="jane@acme.com",
            preferred_username="janedoe",
            phone="+15550100",
            login_access=True,
            password="s3cret-pass",
        )
    )
    assert (rec.last.method, rec.last.url.path) == ("POST", "/customers/acme/contacts")
    assert rec.last_json()["preferredUsername"] == "janedoe"
    assert rec.last_json()["loginAccess"] is True
    assert isinstance(contact, CustomerContact)
    assert (contact.username, contact.login_access) == ("janedoe", True)
    assert "s3cret-pass" not in repr(contact)


async def test_ids_are_url_encoded_in_paths(sandbox_api):
    """An id like 'a/b c' travels percent-encoded and reaches the server intact."""
    client, rec, _ = sandbox_api
    await _create(client, customer_id="a/b c")
    customer = await resolve(client.get_customer("a/b c"))
    assert rec.last.url.raw_path == b"/customers/a%2Fb%20c"
    assert customer.id == "a/b c"


async def test_list_walks_every_page_of_the_sandbox(sandbox_api):
    """Auto-pagination returns all customers in creation order across 3+ pages."""
    client, rec, _ = sandbox_api
    for i in range(7):
        await _create(client, customer_id=f"c{i}")
    ids = [c.id for c in await collect(client, page_size=3)]
    assert ids == [f"c{i}" for i in range(7)]
    listing = [r for r in rec.requests if r.method == "GET"]
    assert len(listing) == 3
    assert listing[0].url.params["pageSize"] == "3"
    assert "nextToken" not in listing[0].url.params
    assert listing[1].url.params["nextToken"]


async def test_duplicate_id_is_a_conflict(sandbox_api):
    """Creating an existing id raises ConflictError with the server's message."""
    client, _, _ = sandbox_api
    await _create(client)
    with pytest.raises(ConflictError, match="already exists"):
        await _create(client)


async def test_unknown_customer_is_not_found_for_every_addressed_operation(sandbox_api):
    """get/update/delete/create-contact on an unknown id raise NotFoundError."""
    client, _, _ = sandbox_api
    for call in (
        lambda: client.get_customer("ghost"),
        lambda: client.update_customer("ghost", name="Ghost Inc"),
        lambda: client.delete_customer("ghost"),
        lambda: client.create_customer_contact("ghost", name="G", email="g@x.io"),
    ):
        with pytest.raises(NotFoundError):
            await resolve(call())


async def test_create_recovers_when_the_first_response_is_lost(sandbox_api):
    """The sandbox processes the create but drops the response; the retry's 409 is resolved."""
    client, rec, sandbox = sandbox_api
    sandbox.fail_next("drop-after")
    created = await _create(client)
    assert created.id == "acme"
    assert [(r.method, r.url.path) for r in rec.requests] == [
        ("POST", "/customers"),
        ("POST", "/customers"),
        ("GET", "/customers/acme"),
    ]
    assert [c.id for c in await collect(client)] == ["acme"]
