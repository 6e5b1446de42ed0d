"""Typed Python SDK for the Togai Customers API.

>>> from togai_customers import TogaiCustomers
>>> client = TogaiCustomers()                    # reads TOGAI_API_KEY      # doctest: +SKIP
>>> client.get_customer("acme-corp").name        # doctest: +SKIP
'Acme Corp'
"""

from ._base import DEFAULT_BASE_URL, RawResponse
from ._client import AsyncTogaiCustomers, TogaiCustomers
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    TogaiError,
    UnprocessableEntityError,
)
from ._models import (
    Account,
    AccountAlias,
    AccountAliasRequest,
    Address,
    BillingInformation,
    CreateAccountRequest,
    CreateCustomerContactRequest,
    CreateCustomerRequest,
    CreateCustomerResponse,
    Customer,
    CustomerContact,
    CustomerPage,
    DeleteCustomerResponse,
    InvoiceGroupDetails,
    PaginationContext,
    Setting,
)
from ._operations import OPERATIONS, Operation
from ._pagination import AsyncPage, AsyncPaginator, SyncPage
from ._version import __version__

#: ``Client`` is :class:`TogaiCustomers`; ``AsyncClient`` is :class:`AsyncTogaiCustomers`.
Client = TogaiCustomers
AsyncClient = AsyncTogaiCustomers

__all__ = [
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
