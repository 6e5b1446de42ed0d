"""The SDK signature of each operation, written once.

Each function takes the user's arguments, validates them against the spec (raising
:class:`RequestValidationError` naming the field, before any I/O) and returns a :class:`Call`. The
sync client, the async client and ``with_raw_response`` all expose these same functions, so their
signatures and docstrings cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from ._base import Call
from ._exceptions import FieldError, RequestValidationError
from ._models import (
    Address,
    CreateAccountRequest,
    CreateCustomerContactRequest,
    CreateCustomerResponse,
    Customer,
    CustomerContact,
    CustomerPage,
    DeleteCustomerResponse,
    Setting,
    UpdateCustomerRequest,
)
from ._operations import (
    CREATE_CUSTOMER,
    CREATE_CUSTOMER_CONTACT,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMERS,
    UPDATE_CUSTOMER,
    Operation,
)
from ._validation import check

__all__ = [
    "create_customer",
    "create_customer_contact",
    "delete_customer",
    "get_customer",
    "list_customers",
    "update_customer",
]

AddressParam: TypeAlias = Address | Mapping[str, Any]
SettingParam: TypeAlias = Setting | Mapping[str, Any]
AccountParam: TypeAlias = CreateAccountRequest | Mapping[str, Any]

_CUSTOMER_ID_MAX = 50


def _customer_id(value: object) -> dict[str, str]:
    if not isinstance(value, str):
        message = f"expected a string, got {type(value).__name__}"
    elif not value:
        message = "must not be empty"
    elif len(value) > _CUSTOMER_ID_MAX:
        message = f"must be at most {_CUSTOMER_ID_MAX} characters (got {len(value)})"
    else:
        return {"customer_id": value}
    raise RequestValidationError([FieldError("customer_id", "customer_id", message)])


def _body(op: Operation, **values: Any) -> Any:
    from ._serde import from_python  # deferred: cattrs loads on the first call, not at import

    assert op.request_type is not None
    model = from_python(values, op.request_type)
    check(model)
    return model


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

    ``id`` is yours to choose (1-50 characters) and names the customer in every later call.
    ``address``, ``settings`` items and ``account`` take a model or a mapping of its snake_case
    fields. Retried safely: if a retry meets 409 because the first attempt went through, the
    existing customer is returned when its name and email match.
    """
    body = _body(
        CREATE_CUSTOMER,
        id=id,
        name=name,
        primary_email=primary_email,
        address=address,
        settings=None if settings is None else list(settings),
        account=account,
    )
    return Call(CREATE_CUSTOMER, CreateCustomerResponse, body=body)


def list_customers(
    *, page_size: int | None = None, next_token: str | None = None
) -> Call[CustomerPage]:
    """List customers, one page (``page_size`` 1-50, default 10) from ``next_token`` on."""
    query: dict[str, str | int] = {}
    errors: list[FieldError] = []
    if page_size is not None:
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            errors.append(FieldError("page_size", "pageSize", "expected an integer"))
        elif not 1 <= page_size <= 50:
            errors.append(FieldError("page_size", "pageSize", "must be between 1 and 50"))
        else:
            query["pageSize"] = page_size
    if next_token is not None:
        if not isinstance(next_token, str) or not next_token:
            errors.append(FieldError("next_token", "nextToken", "expected a non-empty string"))
        else:
            query["nextToken"] = next_token
    if errors:
        raise RequestValidationError(errors)
    return Call(LIST_CUSTOMERS, CustomerPage, query=query)


def get_customer(customer_id: str) -> Call[Customer]:
    """Fetch one customer by its id."""
    return Call(GET_CUSTOMER, Customer, path_params=_customer_id(customer_id))


def update_customer(
    customer_id: str,
    *,
    name: str | None = None,
    primary_email: str | None = None,
    address: AddressParam | None = None,
) -> Call[Customer]:
    """Change a customer's name, primary email and/or address; only given fields are sent."""
    params = _customer_id(customer_id)
    body = _body(UPDATE_CUSTOMER, name=name, primary_email=primary_email, address=address)
    assert isinstance(body, UpdateCustomerRequest)
    return Call(UPDATE_CUSTOMER, Customer, path_params=params, body=body)


def delete_customer(customer_id: str) -> Call[DeleteCustomerResponse]:
    """Delete a customer permanently; ``.success`` is True when it is gone."""
    return Call(DELETE_CUSTOMER, DeleteCustomerResponse, path_params=_customer_id(customer_id))


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
    """Add a contact to a customer. Never retried after an ambiguous failure (not idempotent)."""
    params = _customer_id(customer_id)
    body = _body(
        CREATE_CUSTOMER_CONTACT,
        name=name,
        email=email,
        preferred_username=preferred_username,
        password=password,
        phone=phone,
        verified=verified,
        login_access=login_access,
    )
    assert isinstance(body, CreateCustomerContactRequest)
    return Call(CREATE_CUSTOMER_CONTACT, CustomerContact, path_params=params, body=body)
