"""Requests are checked against the spec before any I/O; errors name the field in Python terms."""

from __future__ import annotations

from typing import Any

import pytest
from _sdk_support import Script, resolve

from togai_customers import (
    Address,
    CreateAccountRequest,
    RequestValidationError,
    Setting,
    TogaiCustomers,
)

GOOD: dict[str, Any] = {
    "id": "c1",
    "name": "Acme Corp",
    "primary_email": "billing@acme.com",
    "address": {"line1": "1 Main St"},
}


def _with(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        (_with(id=""), "id", "at least 1"),
        (_with(id="x" * 51), "id", "at most 50"),
        (_with(name="Ab"), "name", "at least 3"),
        (_with(name="x" * 256), "name", "at most 255"),
        (_with(primary_email="a" * 321), "primary_email", "at most 320"),
        (_with(name=5), "name", "expected a string"),
        (_with(address={"line1": 5}), "address.line1", "expected a string"),
        (_with(address={"zip": "1"}), "address.zip", "unknown field"),
        (_with(address={"postalCode": "1"}), "address.postalCode", "unknown field"),
        (_with(address="1 Main St"), "address", "expected an object"),
        (_with(settings=[{"id": "s"}]), "settings[0].value", "field required"),
        (
            _with(
                settings=[
                    {"id": "s", "value": "v", "namespace": "n", "name": "n", "data_type": "BLOB"}
                ]
            ),
            "settings[0].data_type",
            "one of STRING",
        ),
        (
            _with(
                settings=[
                    Setting(id=f"s{i}", value="v", namespace="n", name="n", data_type="STRING")
                    for i in range(11)
                ]
            ),
            "settings",
            "at most 10 items",
        ),
        (_with(account={"id": "a1", "name": "Ac"}), "account.name", "at least 3"),
        (
            _with(account={"id": "a1", "name": "Acme", "invoice_currency": "US"}),
            "account.invoice_currency",
            "at least 3",
        ),
        (
            _with(account={"id": "a1", "name": "Acme", "invoice_currency": "U$D"}),
            "account.invoice_currency",
            "pattern",
        ),
        (
            _with(account={"id": "a1", "name": "Acme", "aliases": ["ab"]}),
            "account.aliases[0]",
            "at least 3",
        ),
        (
            _with(account={"id": "a1", "name": "Acme", "aliases": [f"al{i}x" for i in range(11)]}),
            "account.aliases",
            "at most 10 items",
        ),
        (
            _with(account={"id": "a1", "name": "Acme", "status": "ARCHIVED"}),
            "account.status",
            "ACTIVE, DRAFT",
        ),
        (
            _with(account={"id": "a1", "name": "Acme", "metadata": {"k": 1}}),
            "account.metadata['k']",
            "expected a string",
        ),
        (
            _with(account=CreateAccountRequest(id="a1", name="Acme", primary_email="x" * 321)),
            "account.primary_email",
            "at most 320",
        ),
    ],
)
async def test_create_customer_rejects_bad_input_naming_the_field(
    make_client, kwargs, field, fragment
):
    """Every spec limit on create_customer is checked client-side and names the field."""
    script = Script()
    with pytest.raises(RequestValidationError) as info:
        await resolve(make_client(script).create_customer(**kwargs))
    fields = {e.field: e.message for e in info.value.errors}
    assert field in fields, fields
    assert fragment in fields[field]
    assert field in str(info.value)
    assert script.count == 0


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"name": "Jane", "email": "not-an-email"}, "email", "pattern"),
        ({"name": "Jane", "email": "jane@acme"}, "email", "pattern"),
        ({"name": "", "email": "jane@acme.com"}, "name", "at least 1"),
        ({"name": "x" * 51, "email": "jane@acme.com"}, "name", "at most 50"),
        (
            {"name": "Jane", "email": "jane@acme.com", "preferred_username": "j d"},
            "preferred_username",
            "pattern",
        ),
        (
            {"name": "Jane", "email": "jane@acme.com", "preferred_username": "jd"},
            "preferred_username",
            "pattern",
        ),
        ({"name": "Jane", "email": "jane@acme.com", "phone": "1" * 31}, "phone", "at most 30"),
        (
            {"name": "Jane", "email": "jane@acme.com", "password": "p" * 101},
            "password",
            "at most 100",
        ),
        (
            {"name": "Jane", "email": "jane@acme.com", "verified": "yes"},
            "verified",
            "expected a boolean",
        ),
    ],
)
async def test_create_contact_rejects_bad_input_naming_the_field(
    make_client, kwargs, field, fragment
):
    """Contact email and username patterns and lengths are checked before sending."""
    script = Script()
    with pytest.raises(RequestValidationError) as info:
        await resolve(make_client(script).create_customer_contact("c1", **kwargs))
    fields = {e.field: e.message for e in info.value.errors}
    assert fragment in fields[field]
    assert script.count == 0


async def test_password_never_appears_in_validation_errors(make_client):
    """A too-long password is reported by name and length, never by value."""
    secret = "hunter2-" * 20
    with pytest.raises(RequestValidationError) as info:
        await resolve(
            make_client(Script()).create_customer_contact(
                "c1", name="Jane", email="jane@acme.com", password=secret
            )
        )
    assert secret not in str(info.value)
    assert secret not in repr(info.value.errors)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.get_customer(""), "customer_id"),
        (lambda c: c.get_customer("x" * 51), "customer_id"),
        (lambda c: c.delete_customer(7), "customer_id"),
        (lambda c: c.update_customer("c1", name="Ab"), "name"),
        (lambda c: c.update_customer("c1", address={"city": 1}), "address.city"),
        (lambda c: c.list_customers(page_size=0), "page_size"),
        (lambda c: c.list_customers(page_size=101), "page_size"),
        (lambda c: c.list_customers(next_token=""), "next_token"),
    ],
)
async def test_other_operations_validate_their_arguments(make_client, call, field):
    """Ids, update fields and paging parameters are validated too, before any request."""
    script = Script()
    with pytest.raises(RequestValidationError) as info:
        await resolve(call(make_client(script)))
    assert field in {e.field for e in info.value.errors}
    assert script.count == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Abc"), ("name", "x" * 255), ("id", "x" * 50), ("primary_email", "a" * 320)],
)
async def test_boundary_values_are_accepted(make_client, field, value):
    """The limits are inclusive: exactly 3/255/50/320 characters pass."""
    import httpx
    from _sdk_support import customer_json

    script = Script(
        default=lambda r: httpx.Response(201, json={**customer_json(), "togaiCustomerId": "t"})
    )
    await resolve(make_client(script).create_customer(**_with(**{field: value})))
    assert script.count == 1
    assert script.body()[{"primary_email": "primaryEmail"}.get(field, field)] == value


def test_models_and_mappings_are_interchangeable():
    """An Address model and the equivalent snake_case mapping build the same request."""
    create_customer = TogaiCustomers.create_customer.build

    by_model = create_customer(**_with(address=Address(line1="1 Main St", postal_code="12345")))
    by_mapping = create_customer(**_with(address={"line1": "1 Main St", "postal_code": "12345"}))
    assert by_model.body == by_mapping.body
    assert by_model.body.to_dict()["address"] == {"line1": "1 Main St", "postalCode": "12345"}


def test_wire_parsing_rejects_explicit_nulls_naming_the_field():
    """A JSON body with null values is refused (the spec has no nullable field)."""
    from togai_customers import CreateCustomerRequest
    from togai_customers._serde import parse_request

    body = {
        "id": "c1",
        "name": "Acme",
        "primaryEmail": "a@b.co",
        "address": {"city": None},
        "account": None,
    }
    with pytest.raises(RequestValidationError) as info:
        parse_request(body, CreateCustomerRequest)
    assert {e.wire_field for e in info.value.errors} == {"address.city", "account"}
    assert "must not be null" in str(info.value)


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("a\x1c@b.co", True),
        ("a\x85@b.co", True),
        ("a\ufeff@b.co", False),
        ("a\xa0@b.co", False),
        ("a b@c.de", False),
        ("a@b.co\n", False),
    ],
)
def test_email_pattern_follows_the_json_schema_dialect(email, valid):
    """\\S means what JSON Schema (ECMAScript) means, so schema and validator agree."""
    create_customer_contact = TogaiCustomers.create_customer_contact.build

    if valid:
        assert create_customer_contact("c1", name="J", email=email).body.email == email
    else:
        with pytest.raises(RequestValidationError, match="email"):
            create_customer_contact("c1", name="J", email=email)
