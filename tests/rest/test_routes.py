"""Every route's happy path, against the in-process sandbox."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from togai_customers_server.sandbox import Sandbox

from ._rest_support import contact_body, customer_body


def test_create_customer_answers_201_with_camelcase_body(api: TestClient[Litestar]) -> None:
    """POST /v1/customers creates the customer and answers 201 with camelCase JSON."""
    r = api.post("/v1/customers", json=customer_body("acme"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == "acme"
    assert body["primaryEmail"] == "billing@acme.com"
    assert body["togaiCustomerId"]
    assert body["address"]["line1"] == "1 Main St"
    assert r.headers["x-request-id"].startswith("req_")


def test_list_customers_pages_with_next_token(api: TestClient[Litestar]) -> None:
    """GET /v1/customers honours pageSize and hands out nextToken until the last page."""
    for n in range(3):
        assert api.post("/v1/customers", json=customer_body(f"c{n}")).status_code == 201
    first = api.get("/v1/customers", params={"pageSize": 2})
    assert first.status_code == 200, first.text
    assert [c["id"] for c in first.json()["data"]] == ["c0", "c1"]
    token = first.json()["nextToken"]
    second = api.get("/v1/customers", params={"pageSize": 2, "nextToken": token})
    assert second.status_code == 200, second.text
    assert [c["id"] for c in second.json()["data"]] == ["c2"]
    assert "nextToken" not in second.json()


def test_get_customer_returns_the_stored_customer(api: TestClient[Litestar]) -> None:
    """GET /v1/customers/{customer-id} returns the customer with its timestamps."""
    api.post("/v1/customers", json=customer_body("acme"))
    r = api.get("/v1/customers/acme")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["name"], body["status"]) == ("acme", "Acme Corp", "ACTIVE")
    assert body["createdAt"].endswith("Z")


def test_update_customer_changes_only_given_fields(api: TestClient[Litestar]) -> None:
    """PATCH /v1/customers/{customer-id} changes the given fields and keeps the others."""
    api.post("/v1/customers", json=customer_body("acme"))
    r = api.patch("/v1/customers/acme", json={"name": "Acme Inc"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Acme Inc"
    assert r.json()["primaryEmail"] == "billing@acme.com"


def test_delete_customer_answers_success_then_404(api: TestClient[Litestar]) -> None:
    """DELETE answers 200 {"success": true}; the customer is gone afterwards."""
    api.post("/v1/customers", json=customer_body("acme"))
    r = api.delete("/v1/customers/acme")
    assert (r.status_code, r.json()) == (200, {"success": True})
    gone = api.get("/v1/customers/acme")
    assert gone.status_code == 404
    assert "acme" in gone.json()["message"]


def test_create_contact_answers_201(api: TestClient[Litestar]) -> None:
    """POST /v1/customers/{customer-id}/contacts creates a contact; the password is not echoed."""
    api.post("/v1/customers", json=customer_body("acme"))
    r = api.post("/v1/customers/acme/contacts", json=contact_body(password="hunter2-secret"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["name"], body["email"]) == ("Jane Doe", "jane@acme.com")
    assert "hunter2-secret" not in r.text


def test_ids_with_slash_and_space_work_when_percent_encoded(
    api: TestClient[Litestar], togai_sandbox: Sandbox
) -> None:
    """An id like 'a/b c' is reachable as a%2Fb%20c and reaches upstream encoded the same way."""
    assert api.post("/v1/customers", json=customer_body("a/b c")).status_code == 201
    r = api.get("/v1/customers/a%2Fb%20c")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "a/b c"
    contact = api.post("/v1/customers/a%2Fb%20c/contacts", json=contact_body())
    assert contact.status_code == 201, contact.text
    assert togai_sandbox.requests[-1].path == "/customers/a%2Fb%20c/contacts"


def test_encoded_slash_never_reaches_another_route(api: TestClient[Litestar]) -> None:
    """'x%2Fcontacts' is one id (404 upstream), not the contacts route of customer x."""
    api.post("/v1/customers", json=customer_body("x"))
    r = api.get("/v1/customers/x%2Fcontacts")
    assert r.status_code == 404
    assert "x/contacts" in r.json()["message"]


def test_percent_sign_in_id_round_trips(api: TestClient[Litestar]) -> None:
    """A literal '%' in an id (sent as %25) is decoded exactly once."""
    assert api.post("/v1/customers", json=customer_body("100%2F")).status_code == 201
    r = api.get("/v1/customers/100%252F")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "100%2F"


def test_create_customer_with_account_and_settings(api: TestClient[Litestar]) -> None:
    """Nested models (first account, settings) reach the upstream and come back camelCase."""
    setting = {"id": "s1", "value": "x", "namespace": "USER", "name": "S", "dataType": "STRING"}
    account = {"id": "acme-main", "name": "Main", "invoiceCurrency": "USD", "aliases": ["abc"]}
    r = api.post("/v1/customers", json=customer_body(settings=[setting], account=account))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["settings"] == [setting]
    assert (body["account"]["id"], body["account"]["invoiceCurrency"]) == ("acme-main", "USD")
    assert body["account"]["customerId"] == "acme"
