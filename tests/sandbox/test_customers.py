"""Customers: create, get, update, delete (through the SDK, sync and async, and raw HTTP)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from togai_customers import ConflictError, NotFoundError
from togai_customers_server.sandbox import Sandbox


def body(customer_id: str = "acme", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": customer_id,
        "name": "Acme Corp",
        "primaryEmail": "billing@acme.com",
        "address": {"line1": "1 Main St", "country": "US"},
    }
    data.update(overrides)
    return data


async def test_create_returns_generated_ids_billing_address_and_settings(api: Any) -> None:
    """Create answers the customer with a unique togaiCustomerId, a derived billingAddress and
    the settings echoed."""
    setting = {
        "id": "s1",
        "value": "7",
        "namespace": "USER",
        "name": "Days",
        "data_type": "NUMERIC",
    }
    first = await api.create("acme", settings=[setting])
    second = await api.create("globex")
    assert first.togai_customer_id != second.togai_customer_id
    assert first.togai_customer_id.startswith("cus.")
    assert first.billing_address == "1 Main St, Springfield, 12345, US"
    assert first.address.city == "Springfield"
    assert first.settings is not None
    assert first.settings[0].data_type == "NUMERIC"
    assert first.account is None


async def test_create_with_account(api: Any) -> None:
    """An account in the create request comes back with its ids, ACTIVE status, aliases and
    currency."""
    created = await api.create(
        "acme",
        account={
            "id": "acme-main",
            "name": "Main account",
            "invoice_currency": "usd",
            "aliases": ["alias-one"],
            "account_aliases": [{"value": "alias-two"}],
            "tags": ["Gold"],
        },
    )
    account = created.account
    assert account.id == "acme-main"
    assert account.customer_id == "acme"
    assert account.togai_account_id.startswith("acc.")
    assert account.togai_customer_id == created.togai_customer_id
    assert account.status == "ACTIVE"
    assert account.invoice_currency == "USD"
    assert [a.alias for a in account.aliases] == ["alias-one", "alias-two"]
    assert account.tags == ["gold"]


async def test_create_account_draft_status_is_kept(api: Any) -> None:
    """An account created with status DRAFT stays DRAFT."""
    created = await api.create("acme", account={"id": "a1", "name": "Draft", "status": "DRAFT"})
    assert created.account.status == "DRAFT"


async def test_duplicate_id_is_409(api: Any) -> None:
    """Creating a customer whose id exists answers 409 with the documented message."""
    await api.create("acme")
    with pytest.raises(ConflictError) as info:
        await api.create("acme")
    assert info.value.status_code == 409
    assert info.value.body == {"message": "Customer with id acme already exists"}


def test_duplicate_account_id_creates_nothing(raw: httpx.Client) -> None:
    """A create failing on its account (taken account id) leaves no half-created customer."""
    assert raw.post("/customers", json=body("a", account={"id": "x1", "name": "One"})).is_success
    r = raw.post("/customers", json=body("b", account={"id": "x1", "name": "Two"}))
    assert r.status_code == 409
    assert r.json() == {"message": "Account with id x1 already exists"}
    assert raw.get("/customers/b").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Acme Corp", "primaryEmail": "a@b.co", "address": {}}, "id"),
        (body(primaryEmail=None), "primaryEmail"),
        (body(address=None), "address"),
        (body(name="Al"), "name"),
        (body(name="x" * 256), "name"),
        (body(id=""), "id"),
        (body(id="x" * 51), "id"),
        (body(primaryEmail="a" * 321), "primaryEmail"),
        (body(settings=[{"id": "s"}]), "settings[0].value"),
        (
            body(account={"id": "a", "name": "Main", "invoiceCurrency": "US"}),
            "account.invoiceCurrency",
        ),
        (body(account={"id": "a", "name": "Main", "aliases": ["x"] * 11}), "account.aliases"),
        (body(account={"id": "a", "name": "Main", "status": "ARCHIVED"}), "account.status"),
        (body(address={"line1": 5}), "address.line1"),
        (body(extra="nope"), "extra"),
    ],
)
def test_create_validation_names_the_field(
    raw: httpx.Client, payload: dict[str, Any], field: str
) -> None:
    """An invalid create is 400 with a message naming the camelCase field; nothing is stored."""
    payload = {k: v for k, v in payload.items() if v is not None}
    r = raw.post("/customers", json=payload)
    assert r.status_code == 400
    assert field in r.json()["message"]
    assert raw.get("/customers").json()["data"] == []


async def test_get_returns_the_stored_customer(api: Any) -> None:
    """Get answers the customer as created, ACTIVE, with createdAt == updatedAt."""
    created = await api.create("acme")
    got = await api.get_customer("acme")
    assert got.togai_customer_id == created.togai_customer_id
    assert got.status == "ACTIVE"
    assert got.created_at == got.updated_at
    assert got.created_at.tzinfo is not None


async def test_ids_with_reserved_characters_round_trip(api: Any) -> None:
    """An id with a slash and a space (percent-encoded in the path) works for every operation."""
    await api.create("a/b c")
    assert (await api.get_customer("a/b c")).id == "a/b c"
    assert (await api.update_customer("a/b c", name="Renamed")).name == "Renamed"
    assert (await api.create_customer_contact("a/b c", name="Jo", email="jo@x.io")).name == "Jo"
    assert (await api.delete_customer("a/b c")).success is True


@pytest.mark.parametrize("op", ["get_customer", "delete_customer"])
async def test_unknown_customer_is_404(api: Any, op: str) -> None:
    """Get and delete of an unknown id answer 404 with a message."""
    with pytest.raises(NotFoundError) as info:
        await getattr(api, op)("nobody")
    assert info.value.body == {"message": "Customer with id nobody not found"}


async def test_update_unknown_customer_is_404(api: Any) -> None:
    """Updating an unknown id answers 404."""
    with pytest.raises(NotFoundError):
        await api.update_customer("nobody", name="Someone")


async def test_update_changes_only_given_fields_and_bumps_updated_at(api: Any) -> None:
    """PATCH changes the given fields only, keeps createdAt and moves updatedAt forward."""
    before = await api.create("acme")
    original = await api.get_customer("acme")
    updated = await api.update_customer("acme", primary_email="new@acme.com")
    assert updated.primary_email == "new@acme.com"
    assert updated.name == before.name
    assert updated.address == original.address
    assert updated.billing_address == original.billing_address
    assert updated.created_at == original.created_at
    assert updated.updated_at > original.updated_at
    assert await api.get_customer("acme") == updated


async def test_update_address_rederives_billing_address(api: Any) -> None:
    """A new address replaces the old one and the billingAddress follows it."""
    await api.create("acme")
    updated = await api.update_customer("acme", address={"line1": "9 Elm", "city": "Paris"})
    assert updated.address.country is None
    assert updated.billing_address == "9 Elm, Paris"


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name": "No"}, "name"), ({"primaryEmail": 5}, "primaryEmail"), ({"bogus": 1}, "bogus")],
)
def test_update_validation_names_the_field(
    raw: httpx.Client, payload: dict[str, Any], field: str
) -> None:
    """An invalid PATCH is 400 naming the field, and changes nothing."""
    raw.post("/customers", json=body("acme"))
    r = raw.patch("/customers/acme", json=payload)
    assert r.status_code == 400
    assert field in r.json()["message"]
    assert raw.get("/customers/acme").json()["name"] == "Acme Corp"


async def test_delete_removes_the_customer(api: Any) -> None:
    """Delete answers success; the customer is then 404 and no longer listed."""
    await api.create("acme")
    await api.create("globex")
    assert (await api.delete_customer("acme")).success is True
    with pytest.raises(NotFoundError):
        await api.get_customer("acme")
    assert [c.id for c in await api.all_customers()] == ["globex"]
    with pytest.raises(NotFoundError):
        await api.delete_customer("acme")


def test_recreate_after_delete_is_allowed(raw: httpx.Client) -> None:
    """A deleted id can be used again, and the new customer sorts last."""
    raw.post("/customers", json=body("a"))
    raw.post("/customers", json=body("b"))
    raw.delete("/customers/a")
    assert raw.post("/customers", json=body("a")).status_code == 201
    assert [c["id"] for c in raw.get("/customers").json()["data"]] == ["b", "a"]


def test_concurrent_creates_from_threads(sandbox: Sandbox) -> None:
    """The sandbox serves several threads at once without losing or duplicating customers."""
    from concurrent.futures import ThreadPoolExecutor

    from togai_customers_server.sandbox import SandboxTransport

    def create(i: int) -> int:
        with httpx.Client(transport=SandboxTransport(sandbox)) as c:
            r = c.post(
                "http://x/customers",
                json=body(f"c{i}"),
                headers={"Authorization": "Bearer t"},
            )
            return r.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(create, [*range(40), *range(10)]))
    assert statuses.count(201) == 40
    assert statuses.count(409) == 10
