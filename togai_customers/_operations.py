"""The operation table: the single source of truth for every surface.

One row per upstream operation. The SDK clients, the sandbox's router, the REST adapter, the MCP
tools and the CLI all read method, paths, types, success status and hints from here; nothing else
spells a path. Values come from the capability seed (``togai-customers.naftiko.yaml``) and the
upstream reference (``togai-customers-api.yaml``).
"""

from __future__ import annotations

from typing import Any

import attrs

from ._models import (
    CreateCustomerContactRequest,
    CreateCustomerRequest,
    CreateCustomerResponse,
    Customer,
    CustomerContact,
    CustomerPage,
    DeleteCustomerResponse,
    UpdateCustomerRequest,
)

__all__ = [
    "CREATE_CUSTOMER",
    "CREATE_CUSTOMER_CONTACT",
    "DELETE_CUSTOMER",
    "GET_CUSTOMER",
    "LIST_CUSTOMERS",
    "OPERATIONS",
    "UPDATE_CUSTOMER",
    "Operation",
    "QueryParam",
    "operation",
]


@attrs.frozen(kw_only=True)
class QueryParam:
    """A query parameter of an operation: SDK keyword name, wire name, type, bounds, description."""

    name: str
    wire_name: str
    type: type[Any]
    description: str
    minimum: int | None = None
    maximum: int | None = None


@attrs.frozen(kw_only=True)
class Operation:
    """One upstream operation and how every surface exposes it."""

    name: str  #: Python method name on the clients, e.g. ``create_customer``.
    method: str  #: HTTP method upstream and on the REST adapter.
    path: str  #: Upstream path template, ``{customer_id}`` placeholders.
    rest_path: str  #: REST adapter path template (seed), ``{customer-id}`` placeholders.
    request_type: type[Any] | None  #: attrs model of the JSON body, if any.
    response_type: type[Any]  #: attrs model of the success body.
    success_status: int
    operation_id: str  #: The seed's operation name (``createcustomer``).
    tool_name: str  #: The seed's MCP tool name (``create-customer``).
    summary: str  #: One line, from the seed.
    description: str  #: A longer explanation, for OpenAPI and MCP readers.
    read_only: bool  #: Seed hint ``readOnly``.
    idempotent: bool  #: Seed hint ``idempotent``.
    destructive: bool  #: Seed hint ``destructive``.
    #: Whether the SDK may retry after an *ambiguous* failure (timeout, dropped connection, 5xx),
    #: where the server may have processed the request. True for the seed's idempotent operations
    #: and for create_customer, which is idempotent by its caller-chosen id (a retry answered 409 is
    #: resolved by fetching the customer).
    retry_ambiguous: bool
    path_params: tuple[str, ...] = ()
    query_params: tuple[QueryParam, ...] = ()

    def upstream_path(self, **params: str) -> str:
        """Return the upstream path with the (already URL-encoded) path parameters filled in."""
        return self.path.format(**params)


_CUSTOMER_ID = ("customer_id",)

CREATE_CUSTOMER = Operation(
    name="create_customer",
    method="POST",
    path="/customers",
    rest_path="/v1/customers",
    request_type=CreateCustomerRequest,
    response_type=CreateCustomerResponse,
    success_status=201,
    operation_id="createcustomer",
    tool_name="create-customer",
    summary="Create a Customer",
    description=(
        "Create a customer with a caller-chosen id and, optionally, its first account. "
        "Fails with 409 when a customer with the same id already exists."
    ),
    read_only=False,
    idempotent=False,
    destructive=False,
    retry_ambiguous=True,
)

LIST_CUSTOMERS = Operation(
    name="list_customers",
    method="GET",
    path="/customers",
    rest_path="/v1/customers",
    request_type=None,
    response_type=CustomerPage,
    success_status=200,
    operation_id="getcustomers",
    tool_name="list-customers",
    summary="List Customers",
    description=(
        "List customers in creation order, one page at a time. Pass the returned nextToken to "
        "fetch the next page; it is absent on the last page."
    ),
    read_only=True,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    query_params=(
        QueryParam(
            name="next_token",
            wire_name="nextToken",
            type=str,
            description="Opaque cursor from a previous page's nextToken; omit for the first page.",
        ),
        QueryParam(
            name="page_size",
            wire_name="pageSize",
            type=int,
            description="Customers per page, 1 to 50 (default 10).",
            minimum=1,
            maximum=50,
        ),
    ),
)

GET_CUSTOMER = Operation(
    name="get_customer",
    method="GET",
    path="/customers/{customer_id}",
    rest_path="/v1/customers/{customer-id}",
    request_type=None,
    response_type=Customer,
    success_status=200,
    operation_id="getcustomer",
    tool_name="get-customer",
    summary="Get a Customer",
    description="Fetch one customer by the id chosen when it was created.",
    read_only=True,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    path_params=_CUSTOMER_ID,
)

UPDATE_CUSTOMER = Operation(
    name="update_customer",
    method="PATCH",
    path="/customers/{customer_id}",
    rest_path="/v1/customers/{customer-id}",
    request_type=UpdateCustomerRequest,
    response_type=Customer,
    success_status=200,
    operation_id="updatecustomer",
    tool_name="update-customer",
    summary="Update a Customer",
    description=(
        "Change a customer's name, primary email or address; fields left out keep their value."
    ),
    read_only=False,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    path_params=_CUSTOMER_ID,
)

DELETE_CUSTOMER = Operation(
    name="delete_customer",
    method="DELETE",
    path="/customers/{customer_id}",
    rest_path="/v1/customers/{customer-id}",
    request_type=None,
    response_type=DeleteCustomerResponse,
    success_status=200,
    operation_id="deletecustomer",
    tool_name="delete-customer",
    summary="Delete a Customer",
    description='Delete a customer permanently. Answers {"success": true}.',
    read_only=False,
    idempotent=True,
    destructive=True,
    retry_ambiguous=True,
    path_params=_CUSTOMER_ID,
)

CREATE_CUSTOMER_CONTACT = Operation(
    name="create_customer_contact",
    method="POST",
    path="/customers/{customer_id}/contacts",
    rest_path="/v1/customers/{customer-id}/contacts",
    request_type=CreateCustomerContactRequest,
    response_type=CustomerContact,
    success_status=201,
    operation_id="createcustomercontact",
    tool_name="create-contact-customer",
    summary="Create a Contact for the Customer",
    description=(
        "Add a contact person (name, email, optional phone and portal login) to a customer. "
        "Not idempotent: each call creates a new contact."
    ),
    read_only=False,
    idempotent=False,
    destructive=False,
    retry_ambiguous=False,
    path_params=_CUSTOMER_ID,
)

#: Every operation, in the seed's order.
OPERATIONS: tuple[Operation, ...] = (
    CREATE_CUSTOMER,
    LIST_CUSTOMERS,
    GET_CUSTOMER,
    UPDATE_CUSTOMER,
    DELETE_CUSTOMER,
    CREATE_CUSTOMER_CONTACT,
)

_BY_NAME = {op.name: op for op in OPERATIONS}


def operation(name: str) -> Operation:
    """Return the operation row named ``name`` (e.g. ``"get_customer"``)."""
    return _BY_NAME[name]
