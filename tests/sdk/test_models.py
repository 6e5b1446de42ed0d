"""Models: camelCase wire form, lossless round-trips, forward-compatible responses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from _sdk_support import customer_json

import togai_customers as tc
from togai_customers import _models
from togai_customers._models import Model
from togai_customers.spec import CREATE_CUSTOMER


def test_response_tolerates_unknown_keys_and_new_enum_values():
    """A newer API's extra fields and new status values do not break parsing."""
    body = customer_json(status="SUSPENDED", brandNewField={"x": 1})
    customer = tc.Customer.from_dict(body)
    assert customer.status == "SUSPENDED"
    assert "brandNewField" not in customer.to_dict()


def test_request_only_limits_are_not_applied_to_responses():
    """A response with a 2-character name (request minimum is 3) still parses."""
    customer = tc.Customer.from_dict(customer_json(name="Al"))
    assert customer.name == "Al"


def test_timestamps_become_aware_datetimes_and_go_out_with_z():
    """'...Z' parses to an aware UTC datetime and serialises back with Z."""
    customer = tc.Customer.from_dict(customer_json(createdAt="2024-01-02T03:04:05.5Z"))
    assert customer.created_at == datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
    assert customer.to_dict()["createdAt"] == "2024-01-02T03:04:05.500000Z"


def test_non_utc_offsets_are_kept():
    """An offset other than UTC is preserved, not converted."""
    contact = tc.CustomerContact.from_dict(
        {
            "username": "u",
            "name": "n",
            "loginAccess": True,
            "verified": False,
            "createdAt": "2024-01-02T03:04:05+05:30",
        }
    )
    assert contact.created_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert contact.to_dict()["createdAt"] == "2024-01-02T03:04:05+05:30"


def test_to_dict_is_camel_case_and_omits_absent_values():
    """Python snake_case attributes go out camelCase; None values are left out."""
    req = tc.CreateCustomerRequest(
        id="c1",
        name="Acme",
        primary_email="a@b.co",
        address=tc.Address(postal_code="123", phone_number=None),
        account=tc.CreateAccountRequest(
            id="a1", name="Main", invoice_currency="USD", net_term_days=30
        ),
    )
    assert req.to_dict() == {
        "id": "c1",
        "name": "Acme",
        "primaryEmail": "a@b.co",
        "address": {"postalCode": "123"},
        "account": {"id": "a1", "name": "Main", "invoiceCurrency": "USD", "netTermDays": 30},
    }


FULL_RESPONSE = {
    "id": "c1",
    "togaiCustomerId": "t1",
    "name": "Acme",
    "primaryEmail": "a@b.co",
    "billingAddress": "1 Main St",
    "address": {"line1": "1 Main St", "phoneNumber": "+1"},
    "settings": [
        {"id": "s", "value": "1", "namespace": "USER", "name": "n", "dataType": "NUMERIC"}
    ],
    "account": {
        "id": "a1",
        "togaiAccountId": "ta1",
        "togaiCustomerId": "t1",
        "name": "Main",
        "customerId": "c1",
        "status": "DRAFT",
        "invoiceCurrency": "USD",
        "aliases": [{"alias": "al1"}],
        "netTermDays": 15,
        "primaryEmail": "a@b.co",
        "billingInformation": {"emailRecipients": ["x@y.z"], "additionalEmailRecipients": []},
        "invoiceGroupDetails": {
            "id": "g",
            "name": "G",
            "email": "g@x.y",
            "dailyInvoiceConsolidation": True,
            "invoiceCurrency": "USD",
            "billingAddress": {"city": "Paris"},
        },
        "metadata": {"vat": "FR1"},
        "tags": ["a"],
    },
}


@pytest.mark.parametrize(
    ("cls", "body"),
    [
        (tc.CreateCustomerResponse, FULL_RESPONSE),
        (tc.Customer, customer_json()),
        (
            tc.CustomerPage,
            {
                "data": [customer_json()],
                "nextToken": "t",
                "context": {"pageSize": 1, "sortOrder": "ASC"},
            },
        ),
        (tc.CustomerPage, {"data": []}),
        (
            tc.CustomerContact,
            {
                "username": "u",
                "name": "n",
                "loginAccess": False,
                "createdAt": "2024-01-02T03:04:05Z",
                "verified": True,
                "createdBy": "me",
            },
        ),
        (tc.DeleteCustomerResponse, {"success": True}),
    ],
)
def test_wire_round_trip_is_lossless(cls, body):
    """from_dict(body).to_dict() == body for every response shape."""
    assert cls.from_dict(body).to_dict() == body


def test_every_model_is_frozen_and_exported():
    """All model classes are frozen attrs classes exported from the package."""
    models = [
        cls
        for cls in vars(_models).values()
        if isinstance(cls, type) and issubclass(cls, Model) and cls is not Model
    ]
    assert len(models) >= 17
    for cls in models:
        assert getattr(tc, cls.__name__) is cls
        assert attrs.has(cls)
        assert cls.__setattr__ is not object.__setattr__  # frozen classes guard assignment


def test_contact_request_repr_hides_the_password():
    """The password field is left out of repr()."""
    req = tc.CreateCustomerContactRequest(name="J", email="j@x.io", password="s3cr3t-pw")
    assert "s3cr3t-pw" not in repr(req)


def test_from_dict_reports_the_offending_field():
    """Malformed data names the field in camelCase."""
    with pytest.raises(tc.RequestValidationError, match="createdAt"):
        tc.Customer.from_dict(customer_json(createdAt="yesterday"))


def test_naive_datetimes_in_requests_are_sent_as_utc():
    """A naive datetime in a request is taken as UTC and sent with a Z, as every datetime."""
    call = CREATE_CUSTOMER.build(
        id="c1",
        name="Acme",
        primary_email="a@acme.com",
        address={},
        account={
            "id": "a1",
            "name": "Main",
            "account_aliases": [{"value": "al1", "effective_from": datetime(2024, 1, 1)}],
        },
    )
    (alias,) = call.body.to_dict()["account"]["accountAliases"]
    assert alias["effectiveFrom"] == "2024-01-01T00:00:00Z"
    assert call.body.account.account_aliases[0].effective_from.tzinfo is UTC
