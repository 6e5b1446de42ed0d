"""The operation table: the single source of truth for every surface.

One row per upstream operation. The SDK clients, the sandbox's router, the REST adapter, the MCP
tools, the CLI and the docs read from here: method, paths, URL parameters with their limits,
request and response types, success status, the seed's hints, the retry and lost-answer policy,
and the prose an LLM reads. Nothing else spells a path, a limit or a parameter name. Values come
from the capability seed (``togai-customers.naftiko.yaml``), the upstream reference
(``togai-customers-api.yaml``) and Togai's documented behaviour.

A row is also the public way in for every surface: :meth:`Operation.build` takes the SDK's keyword
arguments, :meth:`Operation.from_wire` what arrives over HTTP (REST, the sandbox) and
:meth:`Operation.from_arguments` an MCP tool's JSON arguments; each returns a :class:`Call`,
checked once, which a client sends (``client.send(call)``).

A new row needs its models, its builder (``_calls``) and its sandbox handler; each of those
registries checks at import time that no row is missing.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

import attrs

from ._exceptions import FieldError, FieldProblem, RequestValidationError
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
    "READ_METHODS",
    "UPDATE_CUSTOMER",
    "Call",
    "LostAnswer",
    "Operation",
    "Paging",
    "Param",
    "make_call",
    "missing_rows",
]

R = TypeVar("R")

#: The HTTP methods that read and change nothing (RFC 9110 safe methods, as the API uses them):
#: a row is ``read_only`` exactly when its method is one of these (checked when it is built).
READ_METHODS = frozenset({"GET", "HEAD"})

#: Path segments that clients and servers remove from a URL (RFC 3986, 5.2.4): a request for the
#: id "." or ".." would reach another path, so a path parameter cannot be one of them.
_DOT_SEGMENTS = (".", "..")


@attrs.frozen(kw_only=True)
class Param:
    """A URL parameter (path or query) of an operation, with its limits.

    ``name`` is the SDK keyword (``customer_id``, ``page_size``); ``wire_name`` how the upstream API
    spells it (``pageSize``); ``rest_name`` how the REST adapter's URL does (``customer-id``).
    ``default`` is what the server uses when the parameter is left out (documentation; the
    sandbox serves it); the SDK never sends it on its own.
    """

    name: str
    wire_name: str
    location: Literal["path", "query"]
    value_type: type[int] | type[str]
    description: str
    rest_name: str = ""
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: int | None = None
    example: Any = None

    def __attrs_post_init__(self) -> None:
        # The description may quote the limits ("{minimum} to {maximum}"): filled in from the row.
        limits = {k: getattr(self, k) for k in ("min_length", "max_length", "minimum", "maximum")}
        object.__setattr__(
            self, "description", self.description.format(**limits, **{"default": self.default})
        )

    @property
    def url_name(self) -> str:
        """The name in the REST adapter's URL."""
        return self.rest_name or self.wire_name

    def error(self, value: object) -> FieldError | None:
        """Why ``value`` (a Python value) is not acceptable, or None."""
        if self.value_type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                return self._error("expected an integer", FieldProblem.TYPE, "an integer")
            lo, hi = self.minimum, self.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                return self._error(f"must be between {lo} and {hi}")
            return None
        if not isinstance(value, str):
            got = f"expected a string, got {type(value).__name__}"
            return self._error(got, FieldProblem.TYPE, "a string")
        if self.location == "path" and value in _DOT_SEGMENTS:
            return self._error(f"{value!r} cannot be sent in a URL path (it is a dot segment)")
        if self.min_length is not None and len(value) < self.min_length:
            if self.min_length == 1:
                return self._error("must not be empty")
            return self._error(f"must be at least {self.min_length} characters (got {len(value)})")
        if self.max_length is not None and len(value) > self.max_length:
            return self._error(f"must be at most {self.max_length} characters (got {len(value)})")
        return None

    def _error(
        self, message: str, problem: FieldProblem = FieldProblem.VALUE, expected: str | None = None
    ) -> FieldError:
        return FieldError(self.name, self.wire_name, message, problem, expected)

    def from_text(self, text: str) -> int | str:
        """A value as it arrives in a URL (always text) as this parameter's type.

        Integral numbers are accepted for integers (``20`` or ``20.0``: Togai types ``pageSize``
        as a number and its official client may send a float). Raises ``ValueError`` with a
        message for users.
        """
        if self.value_type is str:
            return text
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if not number.is_integer():
            raise ValueError(f"expected an integer, got {text[:20]!r}")
        return int(number)

    def json_schema(self) -> dict[str, Any]:
        """The parameter's JSON Schema (OpenAPI, MCP): type, limits, description, example."""
        schema: dict[str, Any] = {"type": "integer" if self.value_type is int else "string"}
        for key, value in (
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
        ):
            if value is not None:
                schema[key] = value
        if self.location == "path" and self.value_type is str:
            schema["not"] = {"enum": list(_DOT_SEGMENTS)}
        schema["description"] = self.description
        if self.example is not None:
            schema["examples"] = [self.example]
        return schema


@attrs.frozen(kw_only=True)
class Paging:
    """How a paginated operation pages: the cursor and size parameters, the items and next cursor
    fields of its response model, and (if it has one) the field describing the page (Python
    names). Every surface pages through these: the SDK's pages, the CLI, MCP and the sandbox."""

    cursor: str
    size: str
    items: str
    next_cursor: str
    context: str | None = None

    def items_of(self, page: Any) -> list[Any]:
        """The items of a page (a response model)."""
        items: list[Any] = getattr(page, self.items)
        return items

    def next_of(self, page: Any) -> str | None:
        """The cursor of the page after ``page`` (None: it is the last)."""
        cursor: str | None = getattr(page, self.next_cursor)
        return cursor

    def item_type(self, page_type: type[Any]) -> type[Any]:
        """The type of a page's items (``Customer`` for ``CustomerPage.data``)."""
        hint = typing.get_type_hints(page_type)[self.items]
        (item,) = typing.get_args(hint)
        return item  # type: ignore[no-any-return]


@attrs.frozen(kw_only=True)
class LostAnswer:
    """How a retry is resolved when it meets ``status`` after an attempt that may have gone through.

    The API has no idempotency keys, so a retried request whose first answer was lost (a timeout,
    a dropped connection, a 500/502/504) can find its own effect: a create meets 409, a delete 404.
    Only then is ``status`` not an error: ``resolve`` turns the request body and, when ``lookup``
    is set, what the row's ``reader`` finds into the operation's result, or returns
    None when what it finds is not what the request did (then the original error is raised). After
    failures that certainly were not processed (refused connection, 429, 503) the status keeps its
    usual meaning.
    """

    status: int
    meaning: str  #: In words, for documentation.
    resolve: Callable[[Any, Any], Any]
    #: Read what the call acted on first (with the row's ``reader``) and pass it to ``resolve``.
    lookup: bool = False


@attrs.frozen(kw_only=True, repr=False)
class Operation(Generic[R]):
    """One upstream operation and how every surface exposes it."""

    name: str  #: Python method name on the clients, e.g. ``create_customer``.
    method: str  #: HTTP method upstream and on the REST adapter.
    path: str  #: Upstream path template, ``{customer_id}`` placeholders (the params' names).
    rest_path: str  #: REST adapter path template (seed), ``{customer-id}`` placeholders.
    request_type: type[Any] | None  #: attrs model of the JSON body, if any.
    response_type: type[R]  #: attrs model of the success body.
    success_status: int
    operation_id: str  #: The seed's operation name (``createcustomer``).
    tool_name: str  #: The seed's MCP tool name (``create-customer``).
    cli_command: str  #: The CLI command, e.g. ``get`` or ``contacts create``.
    summary: str  #: One line, from the seed.
    description: str  #: A longer explanation, for OpenAPI, MCP and CLI readers.
    #: What an LLM needs beyond the description: formats, examples, what to call next.
    guidance: str
    read_only: bool  #: Seed hint ``readOnly``.
    idempotent: bool  #: Seed hint ``idempotent``.
    destructive: bool  #: Seed hint ``destructive``.
    #: Whether the SDK may retry after an *ambiguous* failure (timeout, dropped connection, 5xx),
    #: where the server may have processed the request. True for the seed's idempotent operations
    #: and for create_customer, which is idempotent by its caller-chosen id (see ``lost_answer``).
    retry_ambiguous: bool
    lost_answer: LostAnswer | None = None
    path_params: tuple[Param, ...] = ()
    query_params: tuple[Param, ...] = ()
    paging: Paging | None = None
    #: What an error status means for this operation and what to do next, for an agent; keys are
    #: statuses, values templates over the call's arguments (``{customer_id}``) and ``{message}``
    #: (the API's own words). Statuses not listed get the generic text.
    error_advice: Mapping[int, str] = attrs.field(factory=dict)
    #: The read-only row that reads what this one acts on (get_customer for update and delete):
    #: the lost-answer lookup, the MCP confirmation's question and the CLI's merge read it.
    reader: Operation[Any] | None = None
    #: The reader's arguments for a call of this row (default: the call's path parameters that
    #: the reader takes); e.g. a create reads the id it sent in its body.
    reader_arguments: Callable[[Call[Any]], Mapping[str, Any]] | None = None

    def __attrs_post_init__(self) -> None:
        placeholders = {p.name for p in self.path_params}
        for p in self.path_params:
            if "{" + p.name + "}" not in self.path or "{" + p.url_name + "}" not in self.rest_path:
                raise ValueError(f"{self.name}: path parameter {p.name} is not in its paths")
        if self.path.count("{") != len(placeholders):
            raise ValueError(f"{self.name}: {self.path} has placeholders without a Param row")
        if self.read_only != (self.method in READ_METHODS):
            raise ValueError(
                f"{self.name}: read_only={self.read_only} does not fit its method {self.method}"
            )
        if self.read_only and (self.destructive or self.request_type is not None):
            raise ValueError(f"{self.name}: a read-only row can neither destroy nor take a body")
        if self.paging is not None:
            names = {p.name for p in self.query_params}
            if not {self.paging.cursor, self.paging.size} <= names:
                raise ValueError(f"{self.name}: paging names parameters it does not have")
            fields = _field_names(self.response_type)
            used = {self.paging.items, self.paging.next_cursor, self.paging.context} - {None}
            if not used <= fields:
                raise ValueError(f"{self.name}: paging names fields its response does not have")
        if self.reader is not None and not self.reader.read_only:
            raise ValueError(f"{self.name}: its reader {self.reader.name} is not read-only")
        if self.lost_answer is not None and self.lost_answer.lookup and self.reader is None:
            raise ValueError(f"{self.name}: its lost-answer rule looks up, but it has no reader")

    def __repr__(self) -> str:
        return f"<Operation {self.name}: {self.method} {self.path}>"

    @property
    def params(self) -> tuple[Param, ...]:
        """Path parameters, then query parameters."""
        return self.path_params + self.query_params

    def param(self, name: str) -> Param:
        """The URL parameter named ``name`` (SDK spelling)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def check_params(self, values: Mapping[str, Any]) -> list[FieldError]:
        """Every problem with the URL parameter values given (None meaning "left out")."""
        errors: list[FieldError] = []
        for p in self.params:
            value = values.get(p.name)
            if value is None:
                if p.required:
                    errors.append(
                        FieldError(p.name, p.wire_name, "field required", FieldProblem.REQUIRED)
                    )
                continue
            error = p.error(value)
            if error is not None:
                errors.append(error)
        return errors

    def _parse_params(self, text: Mapping[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
        """URL parameter values as text (by SDK name; decoded), converted; and every problem."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for p in self.params:
            raw = text.get(p.name)
            if raw is None:
                continue
            try:
                values[p.name] = p.from_text(raw)
            except ValueError as exc:
                errors.append(FieldError(p.name, p.wire_name, str(exc), FieldProblem.TYPE))
        errors += [e for e in self.check_params(values) if e.field not in {x.field for x in errors}]
        return values, errors

    def upstream_path(self, **params: str) -> str:
        """Return the upstream path with the (already URL-encoded) path parameters filled in."""
        return self.path.format(**params)

    # The ways in: each returns a Call checked once ------------------------------------------

    def build(self, *args: Any, **kwargs: Any) -> Call[R]:
        """The call of the SDK method of this row (same arguments as ``client.<name>(...)``),
        checked; :class:`RequestValidationError` naming every bad argument (SDK names)."""
        from . import _calls  # the builders register themselves when it loads

        return _calls.builder(self)(*args, **kwargs)  # type: ignore[no-any-return]

    def from_wire(
        self,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> Call[R]:
        """The call of a request as it arrives over HTTP (what the REST adapter and the sandbox
        receive): ``path`` the decoded path parameters by SDK name, ``query`` the query
        parameters by their wire name (others are ignored), ``body`` the raw JSON body.

        Everything is converted and checked once; :class:`RequestValidationError` names every
        bad field at once, as the wire spells it (``pageSize``, ``address.postalCode``).
        """
        text = dict(path or {})
        given = query or {}
        text.update({p.name: given[p.wire_name] for p in self.query_params if p.wire_name in given})
        values, errors = self._parse_params(text)
        model: Any = None
        if self.request_type is not None:
            from ._serde import parse_request
            from ._validation import validate

            try:
                data = json.loads(body or b"")
            except (ValueError, RecursionError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                errors.append(FieldError("", "", f"the body is not valid JSON ({reason})"))
            else:
                try:
                    model = parse_request(data, self.request_type)
                except RequestValidationError as exc:
                    errors += exc.errors
                else:
                    errors += validate(model)
        if errors:
            raise RequestValidationError(errors, wire=True)
        return self._call(values, model)

    def from_arguments(self, arguments: Mapping[str, Any]) -> Call[R]:
        """The call of JSON arguments named as the SDK names them (an MCP tool's arguments,
        described by :meth:`input_schema`; ``null`` means left out), checked once: unknown
        names, missing ones, types and limits; :class:`RequestValidationError` names each."""
        names = {p.name for p in self.params}
        body_names = set() if self.request_type is None else _field_names(self.request_type)
        errors = [
            FieldError(name, name, "unknown argument", FieldProblem.UNKNOWN)
            for name in arguments
            if name not in names and name not in body_names
        ]
        given = {k: v for k, v in arguments.items() if v is not None}
        params = {k: v for k, v in given.items() if k in names}
        body = {k: v for k, v in given.items() if k in body_names}
        try:
            call = make_call(self, body=body, **params)
        except RequestValidationError as exc:
            errors += exc.errors
        if errors:
            raise RequestValidationError(errors)
        return call

    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema of the row's arguments as the SDK names them (the SDK method's keyword
        arguments; an MCP tool's ``inputSchema``): the URL parameters with their limits, then
        the request model's fields (snake_case), no others."""
        from ._schema import json_schema

        properties: dict[str, Any] = {}
        required: list[str] = []
        for p in self.params:
            properties[p.name] = p.json_schema()
            if p.required:
                required.append(p.name)
        if self.request_type is not None:
            body = json_schema(self.request_type, wire=False)
            properties.update(body["properties"])
            required += body.get("required", [])
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False
        return schema

    def reader_call(self, call: Call[Any]) -> Call[Any]:
        """The call of this row's ``reader`` that reads what ``call`` acts on."""
        reader = self.reader
        if reader is None:
            raise ValueError(f"{self.name} has no reader")
        if self.reader_arguments is not None:
            arguments = dict(self.reader_arguments(call))
        else:
            names = {p.name for p in reader.params}
            arguments = {k: v for k, v in call.path_params.items() if k in names}
        return reader.build(**arguments)

    def _call(self, values: Mapping[str, Any], body: Any) -> Call[R]:
        return Call(
            self,
            path_params={p.name: values[p.name] for p in self.path_params},
            query={p.name: values[p.name] for p in self.query_params if p.name in values},
            body=body,
        )


@attrs.frozen
class Call(Generic[R]):
    """One operation invocation, validated and ready to send: the row plus its arguments.

    ``path_params`` and ``query`` are keyed by SDK name (``customer_id``, ``page_size``).
    """

    op: Operation[R]
    path_params: Mapping[str, str] = attrs.field(factory=dict)
    query: Mapping[str, str | int] = attrs.field(factory=dict)
    body: Any = None  # a request model, or None
    #: Auto-pagination stops after this many items (client-side; never sent).
    max_items: int | None = None

    def path(self) -> str:
        """The upstream path, with the path parameters filled in (percent-encoded)."""
        return self.op.upstream_path(**{k: quote(v, safe="") for k, v in self.path_params.items()})

    def wire_query(self) -> dict[str, str | int]:
        """The query parameters by their wire names."""
        return {self.op.param(k).wire_name: v for k, v in self.query.items()}

    def iterating(self) -> Call[R]:
        """This call of a paginated row as auto-pagination sends it: the largest page size the
        row allows, unless the caller chose one."""
        paging = self.op.paging
        if paging is None:
            raise ValueError(f"{self.op.name} does not page")
        if paging.size in self.query:
            return self
        largest = self.op.param(paging.size).maximum
        assert largest is not None
        return attrs.evolve(self, query={**self.query, paging.size: largest})

    def next_page(self, page: Any) -> Call[R] | None:
        """The call of the page after ``page`` (this call's answer), or None after the last.

        A server that repeats the cursor it was given would otherwise be asked forever.
        """
        paging = self.op.paging
        if paging is None:
            raise ValueError(f"{self.op.name} does not page")
        token = paging.next_of(page)
        if not token or token == self.query.get(paging.cursor):
            return None
        return attrs.evolve(self, query={**self.query, paging.cursor: token}).iterating()


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _field_names(cls: type[Any]) -> set[str]:
    return {a.name for a in attrs.fields(cls)}


def make_call(
    op: Operation[R],
    *,
    body: Mapping[str, Any] | None = None,
    max_items: int | None = None,
    **params: Any,
) -> Call[R]:
    """Check ``op``'s URL parameters (``params``, by SDK name; None means left out) and, for an
    operation with a request body, the ``body`` values (snake_case; models or mappings); return
    the call, or raise :class:`RequestValidationError` naming every problem."""
    paging = op.paging
    if paging is not None and params.get(paging.size) is None and _is_count(max_items):
        # The caller will iterate: pages as large as needed, up to the largest the row allows.
        largest = op.param(paging.size).maximum or max_items
        params[paging.size] = max(1, min(max_items, largest))  # type: ignore[type-var]
    errors: list[FieldError] = op.check_params(params)
    model: Any = None
    if op.request_type is not None:
        from ._serde import from_python  # deferred: cattrs loads on the first call, not at import
        from ._validation import validate

        try:
            model = from_python(body or {}, op.request_type)
        except RequestValidationError as exc:
            errors += exc.errors
        else:
            errors += validate(model)
    if max_items is not None and not (_is_count(max_items) and max_items >= 1):
        errors.append(FieldError("max_items", "max_items", "must be an integer >= 1"))
    if errors:
        raise RequestValidationError(errors)
    return Call(
        op,
        path_params={p.name: params[p.name] for p in op.path_params},
        query={p.name: params[p.name] for p in op.query_params if params.get(p.name) is not None},
        body=model,
        max_items=max_items,
    )


# Rows ----------------------------------------------------------------------------------------

_CUSTOMER_ID = Param(
    name="customer_id",
    wire_name="customer_id",
    rest_name="customer-id",
    location="path",
    value_type=str,
    required=True,
    min_length=1,
    max_length=50,
    description=(
        "Id of an existing customer: the id chosen when it was created ({min_length} to "
        "{max_length} characters). "
        "Call list-customers to find ids."
    ),
    example="acme-corp",
)

_NOT_FOUND = "customer {customer_id} not found (Togai: {message}); call list-customers to find ids."


GET_CUSTOMER: Operation[Customer] = Operation(
    name="get_customer",
    method="GET",
    path="/customers/{customer_id}",
    rest_path="/v1/customers/{customer-id}",
    request_type=None,
    response_type=Customer,
    success_status=200,
    operation_id="getcustomer",
    tool_name="get-customer",
    cli_command="get",
    summary="Get a Customer",
    description="Fetch one customer by the id chosen when it was created.",
    guidance=(
        "Returns the customer as Togai's JSON (id, togaiCustomerId, name, primaryEmail, address, "
        "billingAddress, status, createdAt, updatedAt). Unknown id: call list-customers."
    ),
    read_only=True,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    path_params=(_CUSTOMER_ID,),
    error_advice={404: _NOT_FOUND},
)


def _created_by_us(
    request: CreateCustomerRequest, existing: Customer
) -> CreateCustomerResponse | None:
    """The stored customer, when it is the one this create wrote; else None."""
    if request.differences(existing):
        return None
    return CreateCustomerResponse.from_customer(existing, settings=request.settings)


CREATE_CUSTOMER: Operation[CreateCustomerResponse] = Operation(
    name="create_customer",
    method="POST",
    path="/customers",
    rest_path="/v1/customers",
    request_type=CreateCustomerRequest,
    response_type=CreateCustomerResponse,
    success_status=201,
    operation_id="createcustomer",
    tool_name="create-customer",
    cli_command="create",
    summary="Create a Customer",
    description=(
        "Create a customer with a caller-chosen id and, optionally, its first account. "
        "Fails with 409 when a customer with the same id already exists."
    ),
    guidance=(
        "Required: id (your own identifier, e.g. 'acme-corp'; it names the customer in every "
        "later call), name, primary_email and address (an object whose fields are all optional, "
        'e.g. {"line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}). '
        "Optional: settings, and account to create the first billing account in the same call. "
        "Returns the new customer as Togai's JSON (camelCase, with the togaiCustomerId Togai "
        "assigned). If the id is taken, call get-customer to inspect that customer or choose "
        "another id. Next: create-contact-customer to add people to it."
    ),
    read_only=False,
    idempotent=False,
    destructive=False,
    retry_ambiguous=True,
    lost_answer=LostAnswer(
        status=409,
        meaning=(
            "the customer exists: if its name, primary email and address are the ones sent, it "
            "is the one the lost attempt created, and it is returned"
        ),
        resolve=_created_by_us,
        lookup=True,
    ),
    reader=GET_CUSTOMER,
    reader_arguments=lambda call: {"customer_id": call.body.id},
    error_advice={
        409: (
            "a customer with id {id} already exists (Togai: {message}); call get-customer with "
            "customer_id={id} to see it, or choose another id."
        ),
    },
)

LIST_CUSTOMERS: Operation[CustomerPage] = Operation(
    name="list_customers",
    method="GET",
    path="/customers",
    rest_path="/v1/customers",
    request_type=None,
    response_type=CustomerPage,
    success_status=200,
    operation_id="getcustomers",
    tool_name="list-customers",
    cli_command="list",
    summary="List Customers",
    description=(
        "List customers in creation order, one page at a time. Pass the returned nextToken to "
        "fetch the next page; it is absent on the last page."
    ),
    guidance=(
        "Returns {data: [customer, ...], nextToken, context}; each customer is the full object "
        "(id, togaiCustomerId, name, primaryEmail, address, billingAddress, status, createdAt, "
        "updatedAt). To page, call again with next_token set to the nextToken you got; when "
        "nextToken is absent you have seen every customer. A page can be empty and without "
        "nextToken (Togai at times hands out a token after the last full page): that is the "
        "normal end, not an error. Use it to find the customer ids the other tools take."
    ),
    read_only=True,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    query_params=(
        Param(
            name="next_token",
            wire_name="nextToken",
            location="query",
            value_type=str,
            min_length=1,
            description=(
                "Opaque cursor from a previous page's nextToken; omit for the first page."
            ),
        ),
        Param(
            name="page_size",
            wire_name="pageSize",
            location="query",
            value_type=int,
            minimum=1,
            maximum=100,  # "Togai supports up to 100 results per page"
            default=20,  # the first page of GET /customers shows 20 by default
            description="Customers per page, {minimum} to {maximum} (default {default}).",
        ),
    ),
    paging=Paging(
        cursor="next_token",
        size="page_size",
        items="data",
        next_cursor="next_token",
        context="context",
    ),
)

UPDATE_CUSTOMER: Operation[Customer] = Operation(
    name="update_customer",
    method="PATCH",
    path="/customers/{customer_id}",
    rest_path="/v1/customers/{customer-id}",
    request_type=UpdateCustomerRequest,
    response_type=Customer,
    success_status=200,
    operation_id="updatecustomer",
    tool_name="update-customer",
    cli_command="update",
    summary="Update a Customer",
    description=(
        "Change a customer's name, primary email or address; fields left out keep their value."
    ),
    guidance=(
        "Pass customer_id and at least one of the fields to change; fields you leave out keep "
        "their value, and address replaces the stored address as a whole. Returns the updated "
        "customer. Calling it twice with the same values is harmless."
    ),
    read_only=False,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    path_params=(_CUSTOMER_ID,),
    error_advice={404: _NOT_FOUND},
    reader=GET_CUSTOMER,
)

DELETE_CUSTOMER: Operation[DeleteCustomerResponse] = Operation(
    name="delete_customer",
    method="DELETE",
    path="/customers/{customer_id}",
    rest_path="/v1/customers/{customer-id}",
    request_type=None,
    response_type=DeleteCustomerResponse,
    success_status=200,
    operation_id="deletecustomer",
    tool_name="delete-customer",
    cli_command="delete",
    summary="Delete a Customer",
    description='Delete a customer permanently. Answers {"success": true}.',
    guidance=(
        "This cannot be undone. Before deleting, the server asks the person to confirm in a form "
        "naming the customer (unless its operator turned that off); a result starting with "
        '"not deleted" means they did not confirm or could not be asked: tell them, and do not '
        'call it again unless they ask you to. Returns {"success": true}. A second call for the '
        "same id reports that the customer is not found."
    ),
    read_only=False,
    idempotent=True,
    destructive=True,
    retry_ambiguous=True,
    lost_answer=LostAnswer(
        status=404,
        meaning="the customer is gone: the attempt whose answer was lost deleted it",
        resolve=lambda _request, _found: DeleteCustomerResponse(success=True),
    ),
    path_params=(_CUSTOMER_ID,),
    error_advice={
        404: (
            "customer {customer_id} not found (Togai: {message}): it does not exist or was "
            "already deleted; call list-customers to find ids."
        ),
    },
    reader=GET_CUSTOMER,
)

CREATE_CUSTOMER_CONTACT: Operation[CustomerContact] = Operation(
    name="create_customer_contact",
    method="POST",
    path="/customers/{customer_id}/contacts",
    rest_path="/v1/customers/{customer-id}/contacts",
    request_type=CreateCustomerContactRequest,
    response_type=CustomerContact,
    success_status=201,
    operation_id="createcustomercontact",
    tool_name="create-contact-customer",
    cli_command="contacts create",
    summary="Create a Contact for the Customer",
    description=(
        "Add a contact person (name, email, optional phone and portal login) to a customer. "
        "Not idempotent: each call creates a new contact."
    ),
    guidance=(
        "Required: customer_id, name and email (e.g. jane@acme.com). Each call creates another "
        "contact, so do not repeat a call that succeeded. password is write-only and never "
        "returned. Returns the contact (username, name, email, phone, loginAccess, verified, "
        "createdAt)."
    ),
    read_only=False,
    idempotent=False,
    destructive=False,
    retry_ambiguous=False,
    path_params=(_CUSTOMER_ID,),
    error_advice={
        404: _NOT_FOUND,
        409: (
            "Togai refused the contact as a duplicate (Togai: {message}): its email or "
            "preferred_username is already used by a contact. Choose another preferred_username "
            "(or leave it out to get a generated one), or check whether this person is already a "
            "contact of the customer before creating it again."
        ),
    },
)

#: Every operation, in the seed's order.
OPERATIONS: tuple[Operation[Any], ...] = (
    CREATE_CUSTOMER,
    LIST_CUSTOMERS,
    GET_CUSTOMER,
    UPDATE_CUSTOMER,
    DELETE_CUSTOMER,
    CREATE_CUSTOMER_CONTACT,
)


def missing_rows(registry: Mapping[str, Any], what: str, rows: tuple[Operation[Any], ...]) -> None:
    """Raise ``ImportError`` naming the rows ``registry`` (keyed by row name) lacks.

    Each surface that keeps something per row (builders, sandbox handlers) calls it at import
    time, so a half-wired new row fails before anything runs.
    """
    missing = [op.name for op in rows if op.name not in registry]
    if missing:
        raise ImportError(f"no {what} for operation(s) {', '.join(missing)}")
