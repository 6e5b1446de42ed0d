"""The SDK signature of each operation, written once: its builder.

A builder takes the user's arguments, checks them against the table's parameter rows and the
request model's limits (raising :class:`RequestValidationError` naming every bad field, before
any I/O) and returns a :class:`Call`. The builders are declared on :class:`OperationMethods`, which
every client flavour inherits (see ``_methods``): the sync client, the async client and both
``with_raw_response`` views expose these same functions, so their signatures and docstrings cannot
drift apart; :meth:`Operation.build` runs them too. Every row of the table must have a builder
here; a missing one fails at import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, TypeVar

from ._methods import methods_of, operation, paged_operation
from ._models import (
    Address,
    CreateAccountRequest,
    CreateCustomerResponse,
    Customer,
    CustomerContact,
    CustomerPage,
    DeleteCustomerResponse,
    Setting,
)
from ._operations import (
    CREATE_CUSTOMER,
    CREATE_CUSTOMER_CONTACT,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMERS,
    OPERATIONS,
    UPDATE_CUSTOMER,
    Call,
    Operation,
    make_call,
    missing_rows,
)

__all__ = ["AccountParam", "AddressParam", "OperationMethods", "SettingParam", "builder"]

R = TypeVar("R")

AddressParam: TypeAlias = Address | Mapping[str, Any]
SettingParam: TypeAlias = Setting | Mapping[str, Any]
AccountParam: TypeAlias = CreateAccountRequest | Mapping[str, Any]


class OperationMethods:
    """The operation methods of every client flavour, one builder per row of the table."""

    @operation(CREATE_CUSTOMER)
    def create_customer(
        *,
        id: str,
        name: str,
        primary_email: str,
        address: AddressParam,
        settings: Sequence[SettingParam] | None = None,
        account: AccountParam | None = None,
    ) -> Call[CreateCustomerResponse]:
        """Create a customer (and, with ``account``, its first account).

        ``id`` is yours to choose and names the customer in every later call.
        ``address``, ``settings`` items and ``account`` take a model or a mapping of its
        snake_case fields. Retried safely: if a retry meets 409 because the first attempt went
        through, the existing customer is returned when its name, email and address match.
        """
        body = {
            "id": id,
            "name": name,
            "primary_email": primary_email,
            "address": address,
            "settings": None if settings is None else list(settings),
            "account": account,
        }
        return make_call(CREATE_CUSTOMER, body=body)

    @paged_operation(LIST_CUSTOMERS, item=Customer)
    def list_customers(
        *,
        page_size: int | None = None,
        next_token: str | None = None,
        max_items: int | None = None,
    ) -> Call[CustomerPage]:
        """List customers: the first page, from ``next_token`` on; iterate for every customer.

        ``page_size``: {page_size.minimum} to {page_size.maximum} customers per page (left
        out, the server's default of {page_size.default}). ``next_token``: resume from a saved
        cursor. ``max_items``: stop the iteration after that many customers. The sync client
        returns the first :class:`SyncPage`; the async client an :class:`AsyncPaginator`
        (``await`` it for the first page, ``async for`` over it for every customer).
        """
        return make_call(
            LIST_CUSTOMERS, page_size=page_size, next_token=next_token, max_items=max_items
        )

    @operation(GET_CUSTOMER)
    def get_customer(customer_id: str) -> Call[Customer]:
        """Fetch one customer by its id."""
        return make_call(GET_CUSTOMER, customer_id=customer_id)

    @operation(UPDATE_CUSTOMER)
    def update_customer(
        customer_id: str,
        *,
        name: str | None = None,
        primary_email: str | None = None,
        address: AddressParam | None = None,
    ) -> Call[Customer]:
        """Change a customer's name, primary email and/or address; only given fields are sent.

        ``address`` replaces the stored address as a whole, as the API does.
        """
        body = {"name": name, "primary_email": primary_email, "address": address}
        return make_call(UPDATE_CUSTOMER, customer_id=customer_id, body=body)

    @operation(DELETE_CUSTOMER)
    def delete_customer(customer_id: str) -> Call[DeleteCustomerResponse]:
        """Delete a customer permanently; ``.success`` is True when it is gone."""
        return make_call(DELETE_CUSTOMER, customer_id=customer_id)

    @operation(CREATE_CUSTOMER_CONTACT)
    def create_customer_contact(
        customer_id: str,
        *,
        name: str,
        email: str,
        preferred_username: str | None = None,
        password: str | None = None,
        phone: str | None = None,
        verified: bool | None = None,
        login_access: bool | None = None,
    ) -> Call[CustomerContact]:
        """Add a contact to a customer; not retried after an ambiguous failure (not idempotent)."""
        body = {
            "name": name,
            "email": email,
            "preferred_username": preferred_username,
            "password": password,
            "phone": phone,
            "verified": verified,
            "login_access": login_access,
        }
        return make_call(CREATE_CUSTOMER_CONTACT, customer_id=customer_id, body=body)


_BUILDERS = {name: method.build for name, method in methods_of(OperationMethods).items()}
missing_rows(_BUILDERS, "builder in togai_customers._calls.OperationMethods", OPERATIONS)


def builder(op: Operation[R]) -> Any:
    """The builder of ``op``: ``builder(op)(**arguments)`` returns its validated :class:`Call`."""
    return _BUILDERS[op.name]
