"""Typed models of every schema in the upstream Customers API.

Frozen attrs classes with snake_case attributes; the JSON form is camelCase (see ``_serde``).
Request models carry the spec's limits (see ``_fields``), checked before anything is sent.
Response models are forward-compatible: unknown keys are ignored, enum-like values are plain
strings (a new upstream status is kept as it came), and request-only limits are not applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Self

import attrs

from ._fields import field

__all__ = [
    "Account",
    "AccountAlias",
    "AccountAliasRequest",
    "Address",
    "BillingInformation",
    "CreateAccountRequest",
    "CreateCustomerContactRequest",
    "CreateCustomerRequest",
    "CreateCustomerResponse",
    "Customer",
    "CustomerContact",
    "CustomerPage",
    "DeleteCustomerResponse",
    "InvoiceGroupDetails",
    "Model",
    "PaginationContext",
    "Setting",
]

SETTING_DATA_TYPES = ("STRING", "NUMERIC", "JSON", "JSON_LOGIC")
_EMAIL_DOC = "Email address, at most 320 characters, e.g. billing@acme.com."
_CONTACT_EMAIL_PATTERN = r"^\S+@\S+\.\S+$"
_USERNAME_PATTERN = r"^[A-Za-z0-9]{3,50}$"


class Model:
    """Base of every model: conversion to and from the camelCase wire form."""

    __slots__ = ()
    #: A request that changes only what it names: without any field it would change nothing, so
    #: it needs at least one (validation, and ``minProperties`` in its JSON Schema).
    __requires_a_field__: ClassVar[bool] = False

    def to_dict(self) -> dict[str, Any]:
        """Return the camelCase JSON form (``None`` values omitted)."""
        from ._serde import unstructure

        result: dict[str, Any] = unstructure(self)
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the camelCase JSON form; unknown keys are ignored (an answer's reading)."""
        from ._serde import structure

        return structure(data, cls)

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        """Build a request from its camelCase JSON form as the API would judge it: unknown keys,
        ``null`` values, wrong types and broken limits are refused, every one at once, in a
        :class:`RequestValidationError` naming the camelCase fields."""
        from ._serde import parse_request
        from ._validation import check

        model = parse_request(data, cls)
        check(model, wire=True)
        return model


@attrs.frozen(kw_only=True)
class Address(Model):
    """Postal address of a customer or account."""

    phone_number: str | None = field(default=None, description="Contact phone number.")
    line1: str | None = field(
        default=None, description="Address line 1 (street, PO box, company name)."
    )
    line2: str | None = field(
        default=None, description="Address line 2 (apartment, suite, unit, building)."
    )
    postal_code: str | None = field(default=None, description="ZIP or postal code.")
    city: str | None = field(default=None, description="City, district, suburb, town or village.")
    state: str | None = field(default=None, description="State, county, province or region.")
    country: str | None = field(
        default=None,
        description="Two-letter country code (ISO 3166-1 alpha-2), e.g. US.",
        example="US",
    )


@attrs.frozen(kw_only=True)
class Setting(Model):
    """A setting attached to a customer or account (``CreateEntitySetting``)."""

    id: str = field(description="Setting identifier.")
    value: str = field(description="Setting value, as a string.")
    namespace: str = field(description="Namespace of the setting, e.g. USER.")
    name: str = field(description="Human-readable name of the setting.")
    data_type: str = field(
        description="Type of the value: STRING, NUMERIC, JSON or JSON_LOGIC.",
        enum=SETTING_DATA_TYPES,
    )


@attrs.frozen(kw_only=True)
class AccountAliasRequest(Model):
    """An alternative account identifier for event ingestion, valid for a period."""

    value: str = field(description="The alias, 1 to 50 characters.", min_length=1, max_length=50)
    effective_from: datetime | None = field(
        default=None, description="Start of validity (ISO 8601 date-time); open-ended if absent."
    )
    effective_until: datetime | None = field(
        default=None, description="End of validity (ISO 8601 date-time); open-ended if absent."
    )


@attrs.frozen(kw_only=True)
class BillingInformation(Model):
    """Who receives the account's invoices (``AccountsBillingInformation``)."""

    email_recipients: list[str] | None = field(
        default=None, description="Invoice email recipients.", item_max_length=320
    )
    additional_email_recipients: list[str] | None = field(
        default=None, description="Additional (CC) invoice email recipients.", item_max_length=320
    )


@attrs.frozen(kw_only=True)
class CreateAccountRequest(Model):
    """Payload to create the customer's first account.

    (``CreateAccountRequestWithoutCustomerId`` upstream.)
    """

    id: str = field(
        description="Account identifier chosen by you, 1 to 50 characters.",
        min_length=1,
        max_length=50,
        example="acme-main",
    )
    name: str = field(
        description="Account name, 3 to 255 characters.", min_length=3, max_length=255
    )
    invoice_currency: str | None = field(
        default=None,
        description="ISO 4217 currency code the account is invoiced in (3 letters, e.g. USD).",
        min_length=3,
        max_length=3,
        pattern=r"^[A-Za-z]{3}$",
        example="USD",
    )
    aliases: list[str] | None = field(
        default=None,
        description="Up to 10 alternative ids for event ingestion, 3 to 50 characters each.",
        max_items=10,
        item_min_length=3,
        item_max_length=50,
    )
    account_aliases: list[AccountAliasRequest] | None = field(
        default=None, description="Aliases with an effective period."
    )
    address: Address | None = field(default=None, description="Postal address of the account.")
    primary_email: str | None = field(default=None, description=_EMAIL_DOC, max_length=320)
    billing_information: BillingInformation | None = field(
        default=None, description="Invoice recipients."
    )
    settings: list[Setting] | None = field(
        default=None, description="Up to 10 account settings.", max_items=10
    )
    net_term_days: int | None = field(default=None, description="Net term of invoices, in days.")
    metadata: dict[str, str] | None = field(
        default=None, description="Free-form string key/value pairs (e.g. tax ids)."
    )
    tags: list[str] | None = field(default=None, description="Tags, stored in lowercase.")
    status: str | None = field(
        default=None,
        description="ACTIVE (default) or DRAFT.",
        enum=("ACTIVE", "DRAFT"),
    )


@attrs.frozen(kw_only=True)
class AccountAlias(Model):
    """An alias of an account, as returned."""

    alias: str | None = field(default=None, description="The alias.")


@attrs.frozen(kw_only=True)
class InvoiceGroupDetails(Model):
    """Invoice group an account belongs to."""

    id: str = field(description="Invoice group id.")
    name: str = field(description="Invoice group name.")
    email: str = field(description="Invoice group email.")
    daily_invoice_consolidation: bool = field(
        description="Whether invoices are consolidated daily."
    )
    invoice_currency: str = field(description="ISO 4217 currency code.")
    billing_address: Address = field(description="Billing address.")
    net_term_days: int | None = field(default=None, description="Net term in days.")


@attrs.frozen(kw_only=True)
class Account(Model):
    """An account of a customer, as returned."""

    id: str = field(description="Account id chosen by the caller.")
    togai_account_id: str = field(description="Unique identifier assigned by Togai.")
    togai_customer_id: str = field(description="Togai's identifier of the owning customer.")
    name: str = field(description="Account name.")
    customer_id: str = field(description="Id of the owning customer.")
    status: str = field(
        description="ACTIVE, DRAFT or ARCHIVED.", enum=("ACTIVE", "DRAFT", "ARCHIVED")
    )
    invoice_currency: str | None = field(default=None, description="ISO 4217 currency code.")
    aliases: list[AccountAlias] | None = field(default=None, description="Aliases of the account.")
    net_term_days: int | None = field(default=None, description="Net term in days.")
    address: Address | None = field(default=None, description="Postal address.")
    primary_email: str | None = field(default=None, description="Primary email.")
    billing_information: BillingInformation | None = field(
        default=None, description="Invoice recipients."
    )
    settings: list[Setting] | None = field(default=None, description="Account settings.")
    invoice_group_details: InvoiceGroupDetails | None = field(
        default=None, description="Invoice group."
    )
    metadata: dict[str, str] | None = field(default=None, description="Key/value metadata.")
    tags: list[str] | None = field(default=None, description="Tags.")


@attrs.frozen(kw_only=True)
class CreateCustomerRequest(Model):
    """Payload to create a customer and, optionally, its first account."""

    id: str = field(
        description=(
            "Customer identifier chosen by you (1 to 50 characters), e.g. your own user or org id. "
            "Used in every later call."
        ),
        min_length=1,
        max_length=50,
        example="acme-corp",
    )
    name: str = field(
        description="Customer name, 3 to 255 characters.",
        min_length=3,
        max_length=255,
        example="Acme Corp",
    )
    primary_email: str = field(description=_EMAIL_DOC, max_length=320, example="billing@acme.com")
    address: Address = field(description="Postal address; all its fields are optional.")
    settings: list[Setting] | None = field(
        default=None, description="Up to 10 customer settings.", max_items=10
    )
    account: CreateAccountRequest | None = field(
        default=None, description="Create the customer's first account in the same call."
    )

    def differences(self, customer: Customer) -> tuple[str, ...]:
        """The fields (Python names) in which ``customer`` differs from what this request sets.

        What counts as "the same customer" when a create meets an existing id: the fields a
        customer shows and an update can change (name, primary email, address). Settings and the
        account are not part of a customer as returned.
        """
        return tuple(
            name for name in _SAME_CUSTOMER if getattr(self, name) != getattr(customer, name)
        )


@attrs.frozen(kw_only=True)
class CreateCustomerResponse(Model):
    """The customer just created (and its account, when one was requested)."""

    id: str = field(description="Customer id chosen by the caller.")
    togai_customer_id: str = field(description="Unique identifier assigned by Togai.")
    name: str = field(description="Customer name.")
    primary_email: str = field(description="Primary email.")
    billing_address: str | None = field(
        default=None, description="Billing address, formatted as one string."
    )
    address: Address | None = field(default=None, description="Postal address.")
    settings: list[Setting] | None = field(default=None, description="Customer settings.")
    account: Account | None = field(default=None, description="The account created with it.")

    @classmethod
    def from_customer(
        cls,
        customer: Customer,
        *,
        settings: list[Setting] | None = None,
        account: Account | None = None,
    ) -> CreateCustomerResponse:
        """The create answer for a stored ``customer`` (with the settings and account it got)."""
        return cls(
            id=customer.id,
            togai_customer_id=customer.togai_customer_id,
            name=customer.name,
            primary_email=customer.primary_email,
            billing_address=customer.billing_address,
            address=customer.address,
            settings=settings,
            account=account,
        )


@attrs.frozen(kw_only=True)
class UpdateCustomerRequest(Model):
    """Payload to update a customer: only the fields given are changed."""

    __requires_a_field__ = True

    name: str | None = field(
        default=None, description="New name, 3 to 255 characters.", min_length=3, max_length=255
    )
    primary_email: str | None = field(
        default=None, description="New primary email, at most 320 characters.", max_length=320
    )
    address: Address | None = field(
        default=None, description="New postal address (replaces the old one).", whole=True
    )


@attrs.frozen(kw_only=True)
class Customer(Model):
    """A customer, as returned."""

    id: str = field(description="Customer id chosen by the caller.")
    togai_customer_id: str = field(description="Unique identifier assigned by Togai.")
    name: str = field(description="Customer name.")
    primary_email: str = field(description="Primary email.")
    billing_address: str = field(description="Billing address, formatted as one string.")
    address: Address = field(description="Postal address.")
    status: str = field(description="ACTIVE or ARCHIVED.", enum=("ACTIVE", "ARCHIVED"))
    created_at: datetime = field(description="When the customer was created (UTC).")
    updated_at: datetime = field(description="When the customer was last changed (UTC).")


#: What :meth:`CreateCustomerRequest.differences` compares: the fields an update can change.
_SAME_CUSTOMER = tuple(a.name for a in attrs.fields(UpdateCustomerRequest))


@attrs.frozen(kw_only=True)
class PaginationContext(Model):
    """How a page was produced (``PaginationOptions``)."""

    page_size: int | None = field(default=None, description="Page size used.")
    sort_order: str | None = field(default=None, description="ASC or DESC.", enum=("ASC", "DESC"))


@attrs.frozen(kw_only=True)
class CustomerPage(Model):
    """One page of customers (``CustomerPaginatedResponse``)."""

    data: list[Customer] = field(
        default=attrs.Factory(list), description="The customers on this page."
    )
    next_token: str | None = field(
        default=None, description="Opaque cursor for the next page; absent on the last page."
    )
    context: PaginationContext | None = field(default=None, description="Paging parameters used.")


@attrs.frozen(kw_only=True)
class CreateCustomerContactRequest(Model):
    """Payload to create a contact for a customer."""

    name: str = field(
        description="Contact's full name, 1 to 50 characters.",
        min_length=1,
        max_length=50,
        example="Jane Doe",
    )
    email: str = field(
        description="Contact's email, e.g. jane@acme.com (at most 320 characters).",
        max_length=320,
        pattern=_CONTACT_EMAIL_PATTERN,
        example="jane@acme.com",
    )
    preferred_username: str | None = field(
        default=None,
        description="Portal login name: 3 to 50 letters or digits; generated when absent.",
        max_length=50,
        pattern=_USERNAME_PATTERN,
        example="janedoe",
    )
    password: str | None = field(
        default=None,
        description="Initial portal password, at most 100 characters.",
        max_length=100,
        secret=True,
    )
    phone: str | None = field(
        default=None, description="Phone number, at most 30 characters.", max_length=30
    )
    verified: bool | None = field(default=None, description="Whether the email is verified.")
    login_access: bool | None = field(
        default=None, description="Whether the contact may log in to the portal (default false)."
    )


@attrs.frozen(kw_only=True)
class CustomerContact(Model):
    """A contact just created (``CreateCustomerContactResponse``)."""

    username: str = field(description="Login name of the contact.")
    name: str = field(description="Contact's name.")
    login_access: bool = field(description="Whether the contact may log in.")
    created_at: datetime = field(description="When the contact was created (UTC).")
    verified: bool = field(description="Whether the email is verified.")
    preferred_username: str | None = field(default=None, description="Requested login name.")
    email: str | None = field(default=None, description="Contact's email.")
    phone: str | None = field(default=None, description="Contact's phone.")
    created_by: str | None = field(default=None, description="Who created the contact.")


@attrs.frozen(kw_only=True)
class DeleteCustomerResponse(Model):
    """Result of a delete (``BaseSuccessResponse``)."""

    success: bool = field(description="True when the customer was deleted.")
