"""Bad input answers 400 naming each camelCase field, and nothing is sent upstream."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers_server.sandbox import Sandbox

from ._rest_support import contact_body, customer_body


def _fields(r: Any) -> dict[str, str]:
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["message"].startswith("Invalid request")
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (customer_body(primaryEmail=5), "primaryEmail", "expected a string"),
        (customer_body(name="ab"), "name", "at least 3"),
        (customer_body(customer_id="x" * 51), "id", "at most 50"),
        (customer_body(nickname="x"), "nickname", "unknown field"),
        ({"id": "a", "name": "Acme", "address": {}}, "primaryEmail", "field required"),
        (customer_body(address={"line1": 1}), "address.line1", "expected a string"),
        (
            customer_body(account={"id": "a1", "name": "Main", "invoiceCurrency": "US1"}),
            "account.invoiceCurrency",
            "pattern",
        ),
        (customer_body(settings=[{"id": "s"}]), "settings[0].value", "field required"),
    ],
    ids=["type", "min", "max", "unknown", "missing", "nested", "nested-pattern", "list-item"],
)
def test_create_customer_body_errors_name_camelcase_fields(
    api: TestClient[Litestar],
    togai_sandbox: Sandbox,
    body: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    """Each problem of a create body is reported under its camelCase path; nothing goes upstream."""
    errors = _fields(api.post("/v1/customers", json=body))
    assert fragment in errors[field]
    assert togai_sandbox.requests == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
    ],
    ids=["broken", "empty", "array"],
)
def test_body_that_is_not_a_json_object(
    api: TestClient[Litestar], togai_sandbox: Sandbox, content: bytes, fragment: str
) -> None:
    """Bad JSON or a non-object body answers 400 with a root-level error."""
    errors = _fields(api.post("/v1/customers", content=content))
    assert fragment in errors[""]
    assert togai_sandbox.requests == []


def test_contact_email_and_username_limits(
    api: TestClient[Litestar], togai_sandbox: Sandbox
) -> None:
    """Contact bodies are checked too: email pattern and preferredUsername pattern, together."""
    body = contact_body(email="nope", preferredUsername="a!")
    errors = _fields(api.post("/v1/customers/acme/contacts", json=body))
    assert set(errors) == {"email", "preferredUsername"}
    assert togai_sandbox.requests == []


def test_update_body_checks_limits(api: TestClient[Litestar]) -> None:
    """PATCH bodies are checked: primaryEmail longer than 320 characters is refused."""
    errors = _fields(api.patch("/v1/customers/acme", json={"primaryEmail": "a" * 321}))
    assert "at most 320" in errors["primaryEmail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        ("pageSize=x", "pageSize"),
        ("nextToken=", "nextToken"),
    ],
)
def test_list_query_limits(
    api: TestClient[Litestar], togai_sandbox: Sandbox, query: str, field: str
) -> None:
    """pageSize must be an integer 1..100 and nextToken non-empty; errors name the query name."""
    errors = _fields(api.get(f"/v1/customers?{query}"))
    assert set(errors) == {field}
    assert togai_sandbox.requests == []


def test_customer_id_longer_than_50_is_refused(
    api: TestClient[Litestar], togai_sandbox: Sandbox
) -> None:
    """A customer id over 50 characters (decoded) answers 400 naming customer-id."""
    errors = _fields(api.get("/v1/customers/" + "x" * 51))
    assert "at most 50" in errors["customer-id"]
    assert togai_sandbox.requests == []


def test_customer_id_of_50_with_encoded_slash_is_accepted(api: TestClient[Litestar]) -> None:
    """The 50-character limit applies to the decoded id, not to its percent-encoded form."""
    customer_id = "a/" * 25
    assert api.post("/v1/customers", json=customer_body(customer_id)).status_code == 201
    r = api.get("/v1/customers/" + customer_id.replace("/", "%2F"))
    assert r.status_code == 200, r.text


def test_every_invalid_field_of_a_request_is_in_one_answer(
    api: TestClient[Litestar], togai_sandbox: Sandbox
) -> None:
    """A bad id in the URL, a missing field, a wrong type, an unknown field and broken limits of
    one request are all named in its 400, not only the first found."""
    body = {"name": "Ab", "primaryEmail": 5, "address": {"line1": "x"}, "nickname": "n"}
    errors = _fields(api.patch("/v1/customers/" + "x" * 51, json=body))
    assert set(errors) == {"customer-id", "name", "primaryEmail", "nickname"}
    assert "at most 50" in errors["customer-id"]
    assert "at least 3" in errors["name"]
    assert "expected a string" in errors["primaryEmail"]
    assert "unknown field" in errors["nickname"]
    assert togai_sandbox.requests == []
