"""Conformance: the official generated client `togai-client` (PyPI) against the sandbox over HTTP.

It parses every response with its own strict pydantic models, so a wrong field name, type or
enum in the sandbox fails here. (Where it disagrees with the reference spec, the client wins.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from togai_client.api.customers_api import CustomersApi
    from togai_client.models import CreateCustomerRequest

# togai_client takes seconds to import (every generated API and model): the tests import it when
# they run, not at collection, so that only the pytest-xdist worker running them pays for it.


@pytest.fixture
def official(togai_sandbox_url: str) -> Iterator[CustomersApi]:
    """The official client's CustomersApi pointed at the served sandbox."""
    from togai_client import ApiClient, Configuration
    from togai_client.api.customers_api import CustomersApi

    with ApiClient(Configuration(host=togai_sandbox_url, access_token="test-key")) as client:
        yield CustomersApi(client)


def _customer(customer_id: str) -> CreateCustomerRequest:
    from togai_client.models import Address, CreateCustomerRequest

    return CreateCustomerRequest(
        id=customer_id,
        name=f"Customer {customer_id}",
        primary_email="billing@example.com",
        address=Address(line1="1 Main St", city="Springfield", country="US"),
    )


def test_all_six_operations(official: CustomersApi) -> None:
    """Create (with an account), list across pages, get, update, create a contact, delete and a
    404, all parsed by the official client without errors."""
    from togai_client.exceptions import NotFoundException
    from togai_client.models import (
        Address,
        CreateAccountRequestWithoutCustomerId,
        CreateCustomerContactRequest,
        CreateCustomerRequest,
        CreateEntitySetting,
        UpdateCustomerRequest,
    )

    created = official.create_customer(
        CreateCustomerRequest(
            id="acme/eu 1",
            name="Acme Corp",
            primary_email="billing@acme.com",
            address=Address(line1="1 Main St", postal_code="12345", country="US"),
            settings=[
                CreateEntitySetting(
                    id="s1", value="30", namespace="USER", name="Days", data_type="NUMERIC"
                )
            ],
            account=CreateAccountRequestWithoutCustomerId(
                id="acme-main",
                name="Acme main",
                invoice_currency="USD",
                aliases=["acme-alias"],
                status="DRAFT",
                tags=["Gold"],
                metadata={"vat": "X1"},
                net_term_days=30,
            ),
        )
    )
    assert created.togai_customer_id
    assert created.billing_address == "1 Main St, 12345, US"
    assert created.settings is not None
    assert created.settings[0].id == "s1"
    account = created.account
    assert account is not None
    assert account.status == "DRAFT"
    assert account.customer_id == "acme/eu 1"
    assert account.aliases is not None
    assert account.aliases[0].alias == "acme-alias"
    assert account.tags == ["gold"]

    for i in range(6):
        official.create_customer(_customer(f"c{i}"))
    seen: list[str] = []
    page = official.get_customers(page_size=3)
    pages = 1
    while True:
        assert page.context is not None
        assert page.context.page_size == 3
        assert page.context.sort_order == "ASC"
        seen += [c.id for c in page.data or []]
        if page.next_token is None:
            break
        page = official.get_customers(next_token=page.next_token, page_size=3)
        pages += 1
    assert pages == 3
    assert seen == ["acme/eu 1", *(f"c{i}" for i in range(6))]

    got = official.get_customer("acme/eu 1")
    assert got.status == "ACTIVE"
    assert got.created_at == got.updated_at

    updated = official.update_customer("acme/eu 1", UpdateCustomerRequest(name="Acme Europe"))
    assert updated.name == "Acme Europe"
    assert updated.primary_email == "billing@acme.com"
    assert updated.updated_at > got.updated_at

    contact = official.create_customer_contact(
        "acme/eu 1",
        CreateCustomerContactRequest(
            name="Jane Doe", email="jane@acme.com", preferred_username="janedoe", login_access=True
        ),
    )
    assert contact.username == "janedoe"
    assert contact.login_access is True
    assert contact.verified is False
    assert contact.created_at is not None

    assert official.delete_customer("acme/eu 1").success is True
    with pytest.raises(NotFoundException) as info:
        official.get_customer("acme/eu 1")
    assert info.value.status == 404
    assert "acme/eu 1" in (info.value.body or "")


def test_error_statuses_reach_the_official_client(official: CustomersApi) -> None:
    """A duplicate create (409) and a bad page size (400) surface as the client's exceptions."""
    from togai_client.exceptions import ApiException, BadRequestException

    official.create_customer(_customer("dup"))
    with pytest.raises(ApiException) as conflict:
        official.create_customer(_customer("dup"))
    assert conflict.value.status == 409
    with pytest.raises(BadRequestException) as bad:
        official.get_customers(page_size=500)
    assert "pageSize" in (bad.value.body or "")
