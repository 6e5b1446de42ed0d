"""Typed Python SDK for the Togai Customers API.

>>> from togai_customers import TogaiCustomers
>>> client = TogaiCustomers()                    # reads TOGAI_API_KEY      # doctest: +SKIP
>>> client.get_customer("acme-corp").name        # doctest: +SKIP
'Acme Corp'

The names are imported when first used (PEP 562): ``import togai_customers`` alone loads no
HTTP stack, so the command line's ``--version`` and ``--help`` stay quick. Type checkers see
the imports under ``TYPE_CHECKING``.
"""

# Private aliases: every public name of this module is one of the SDK's (``__all__``).
import importlib as _importlib
import typing as _typing

from ._version import __version__

if _typing.TYPE_CHECKING:
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

    #: ``Client`` is :class:`TogaiCustomers`; ``AsyncClient`` is :class:`AsyncTogaiCustomers`.
    Client = TogaiCustomers
    AsyncClient = AsyncTogaiCustomers

#: Where each public name lives (``Client``/``AsyncClient`` are the clients' short names).
_WHERE = {
    "RawResponse": "._base",
    "configure_logging_from_env": "._base",
    "AsyncTogaiCustomers": "._client",
    "AsyncWithRawResponse": "._client",
    "TogaiCustomers": "._client",
    "WithRawResponse": "._client",
    "Clock": "._clock",
    "default_clock": "._clock",
    "DEFAULT_BASE_URL": "._config",
    "DEFAULT_MAX_RETRIES": "._config",
    "DEFAULT_TIMEOUT": "._config",
    "ClientConfig": "._config",
    "MissingAPIKeyError": "._config",
    "APIConnectionError": "._exceptions",
    "APIResponseValidationError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ConflictError": "._exceptions",
    "FieldError": "._exceptions",
    "FieldProblem": "._exceptions",
    "InternalServerError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "RateLimitError": "._exceptions",
    "RequestValidationError": "._exceptions",
    "TogaiError": "._exceptions",
    "UnprocessableEntityError": "._exceptions",
    "Account": "._models",
    "AccountAlias": "._models",
    "AccountAliasRequest": "._models",
    "Address": "._models",
    "BillingInformation": "._models",
    "CreateAccountRequest": "._models",
    "CreateCustomerContactRequest": "._models",
    "CreateCustomerRequest": "._models",
    "CreateCustomerResponse": "._models",
    "Customer": "._models",
    "CustomerContact": "._models",
    "CustomerPage": "._models",
    "DeleteCustomerResponse": "._models",
    "InvoiceGroupDetails": "._models",
    "PaginationContext": "._models",
    "Setting": "._models",
    "UpdateCustomerRequest": "._models",
    "OPERATIONS": "._operations",
    "Call": "._operations",
    "LostAnswer": "._operations",
    "Operation": "._operations",
    "Paging": "._operations",
    "Param": "._operations",
    "AdaptivePace": "._pacing",
    "TokenBucket": "._pacing",
    "AsyncPage": "._pagination",
    "AsyncPaginator": "._pagination",
    "SyncPage": "._pagination",
    "Client": "._client",
    "AsyncClient": "._client",
}
_ALIASES = {"Client": "TogaiCustomers", "AsyncClient": "AsyncTogaiCustomers"}

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


def __getattr__(name: str) -> _typing.Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), _ALIASES.get(name, name))
    globals()[name] = value  # the next lookup is a plain global
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
