"""The public door: exactly these names, sorted, each defined."""

from __future__ import annotations

import subprocess
import sys

import togai_customers

EXPECTED = [
    "DEFAULT_BASE_URL",
    "OPERATIONS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AccountAlias",
    "AccountAliasRequest",
    "Address",
    "AsyncClient",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncTogaiCustomers",
    "AuthenticationError",
    "BadRequestError",
    "BillingInformation",
    "Client",
    "ConflictError",
    "CreateAccountRequest",
    "CreateCustomerContactRequest",
    "CreateCustomerRequest",
    "CreateCustomerResponse",
    "Customer",
    "CustomerContact",
    "CustomerPage",
    "DeleteCustomerResponse",
    "FieldError",
    "InternalServerError",
    "InvoiceGroupDetails",
    "NotFoundError",
    "Operation",
    "PaginationContext",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestValidationError",
    "Setting",
    "SyncPage",
    "TogaiCustomers",
    "TogaiError",
    "UnprocessableEntityError",
    "__version__",
]


def test_exported_names():
    """togai_customers.__all__ lists exactly the public API, and each name resolves."""
    assert togai_customers.__all__ == EXPECTED
    for name in EXPECTED:
        assert getattr(togai_customers, name) is not None


def test_client_aliases():
    """Client is TogaiCustomers and AsyncClient is AsyncTogaiCustomers."""
    assert togai_customers.Client is togai_customers.TogaiCustomers
    assert togai_customers.AsyncClient is togai_customers.AsyncTogaiCustomers


def test_import_does_not_pull_in_cli_or_server_stacks():
    """`import togai_customers` imports neither typer, litestar, mcp nor the server package."""
    code = (
        "import sys, togai_customers; "
        "print(sorted(m for m in ('typer', 'litestar', 'mcp', 'uvicorn', 'togai_customers_server',"
        " 'togai_customers._cli') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_operation_table_matches_the_seed():
    """Six operations with the seed's ids, tool names, REST paths and hints."""
    rows = [
        (
            o.name,
            o.method,
            o.path,
            o.rest_path,
            o.operation_id,
            o.tool_name,
            o.read_only,
            o.idempotent,
            o.destructive,
            o.success_status,
        )
        for o in togai_customers.OPERATIONS
    ]
    assert rows == [
        (
            "create_customer",
            "POST",
            "/customers",
            "/v1/customers",
            "createcustomer",
            "create-customer",
            False,
            False,
            False,
            201,
        ),
        (
            "list_customers",
            "GET",
            "/customers",
            "/v1/customers",
            "getcustomers",
            "list-customers",
            True,
            True,
            False,
            200,
        ),
        (
            "get_customer",
            "GET",
            "/customers/{customer_id}",
            "/v1/customers/{customer-id}",
            "getcustomer",
            "get-customer",
            True,
            True,
            False,
            200,
        ),
        (
            "update_customer",
            "PATCH",
            "/customers/{customer_id}",
            "/v1/customers/{customer-id}",
            "updatecustomer",
            "update-customer",
            False,
            True,
            False,
            200,
        ),
        (
            "delete_customer",
            "DELETE",
            "/customers/{customer_id}",
            "/v1/customers/{customer-id}",
            "deletecustomer",
            "delete-customer",
            False,
            True,
            True,
            200,
        ),
        (
            "create_customer_contact",
            "POST",
            "/customers/{customer_id}/contacts",
            "/v1/customers/{customer-id}/contacts",
            "createcustomercontact",
            "create-contact-customer",
            False,
            False,
            False,
            201,
        ),
    ]
