"""Typed Python SDK for the Togai Customers API.

>>> from togai_customers import TogaiCustomers
>>> client = TogaiCustomers()                    # reads TOGAI_API_KEY      # doctest: +SKIP
>>> client.get_customer("acme-corp").name        # doctest: +SKIP
'Acme Corp'
"""

from ._base import RawResponse, configure_logging_from_env
from ._client import AsyncTogaiCustomers, AsyncWithRawResponse, TogaiCustomers, WithRawResponse
from ._clock import Clock, default_clock
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientConfig,
    MissingAPIKeyError,
)
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldError,
    FieldProblem,
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
    UpdateCustomerRequest,
)
from ._operations import OPERATIONS, Call, LostAnswer, Operation, Paging, Param
from ._pacing import AdaptivePace, TokenBucket
from ._pagination import AsyncPage, AsyncPaginator, SyncPage
from ._version import __version__

#: ``Client`` is :class:`TogaiCustomers`; ``AsyncClient`` is :class:`AsyncTogaiCustomers`.
Client = TogaiCustomers
AsyncClient = AsyncTogaiCustomers

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "OPERATIONS",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AccountAlias",
    "AccountAliasRequest",
    "AdaptivePace",
    "Address",
    "AsyncClient",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncTogaiCustomers",
    "AsyncWithRawResponse",
    "AuthenticationError",
    "BadRequestError",
    "BillingInformation",
    "Call",
    "Client",
    "ClientConfig",
    "Clock",
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
    "FieldProblem",
    "InternalServerError",
    "InvoiceGroupDetails",
    "LostAnswer",
    "MissingAPIKeyError",
    "NotFoundError",
    "Operation",
    "PaginationContext",
    "Paging",
    "Param",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "RequestValidationError",
    "Setting",
    "SyncPage",
    "TogaiCustomers",
    "TogaiError",
    "TokenBucket",
    "UnprocessableEntityError",
    "UpdateCustomerRequest",
    "WithRawResponse",
    "__version__",
    "configure_logging_from_env",
    "default_clock",
]
