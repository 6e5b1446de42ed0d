"""JSON Schemas derived from the models carry the same limits the validator enforces."""

from __future__ import annotations

from togai_customers import CreateCustomerContactRequest, CreateCustomerRequest, Customer
from togai_customers._schema import json_schema


def test_request_schema_has_required_fields_limits_and_no_extras():
    """CreateCustomerRequest: required id/name/primaryEmail/address, limits, closed object."""
    schema = json_schema(CreateCustomerRequest, strict=True)
    assert schema["required"] == ["id", "name", "primaryEmail", "address"]
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert (props["name"]["minLength"], props["name"]["maxLength"]) == (3, 255)
    assert props["id"]["maxLength"] == 50
    assert props["settings"]["maxItems"] == 10
    account = props["account"]["properties"]
    assert account["invoiceCurrency"]["pattern"] == "^[A-Za-z]{3}$"
    assert account["aliases"]["items"] == {"type": "string", "minLength": 3, "maxLength": 50}
    assert account["status"]["enum"] == ["ACTIVE", "DRAFT"]


def test_snake_case_schema_for_sdk_style_callers():
    """wire=False names properties as the SDK's keyword arguments."""
    schema = json_schema(CreateCustomerContactRequest, wire=False)
    assert set(schema["required"]) == {"name", "email"}
    assert schema["properties"]["preferred_username"]["pattern"] == "^[A-Za-z0-9]{3,50}$"
    assert schema["properties"]["password"]["writeOnly"] is True


def test_refs_mode_collects_nested_components():
    """With refs, nested models become $refs into the collected components."""
    refs: dict[str, object] = {}
    schema = json_schema(Customer, refs=refs)
    assert schema["properties"]["address"]["allOf"] == [{"$ref": "#/components/schemas/Address"}]
    assert "Address" in refs
    assert schema["properties"]["createdAt"]["format"] == "date-time"
