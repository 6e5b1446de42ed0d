"""The sandbox core: one request handler shared by the httpx transport and the ASGI app.

:meth:`Sandbox.handle` takes a request as plain values (method, raw path, query string, headers,
body bytes) and returns a :class:`Reply` (status, headers, body, or a connection drop). It routes
by matching the request path against the ``path`` templates of the SDK's operation table, hands
the request to the row's ``from_wire`` (the SDK's strict wire parser and limits, as the REST
adapter does), and builds responses as the SDK's models. Paginated rows page through one helper
driven by the row's ``Paging`` (keyset paging, tokens signed by the sandbox).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, unquote

import attrs

from togai_customers import (
    Account,
    AccountAlias,
    Address,
    CreateAccountRequest,
    CreateCustomerContactRequest,
    CreateCustomerRequest,
    CreateCustomerResponse,
    Customer,
    CustomerContact,
    DeleteCustomerResponse,
    PaginationContext,
    RequestValidationError,
    UpdateCustomerRequest,
)
from togai_customers.spec import (
    OPERATIONS,
    Call,
    Model,
    Operation,
    missing_rows,
)

from .._security import bearer_token, token_matches
from ._faults import FaultPlan, RateLimiter
from ._paging import InvalidToken, PageTokens
from ._store import Conflict, Store

__all__ = ["MAX_BODY_BYTES", "LoggedRequest", "Reply", "Sandbox"]

logger = logging.getLogger("togai_customers_server.sandbox")

#: Larger request bodies are refused with 413.
MAX_BODY_BYTES = 1024 * 1024
_CONTACT_CREATOR = "sandbox"


@attrs.frozen
class Reply:
    """A response to send, or ``drop`` the connection (``"before"``/``"after"`` processing)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    drop: Literal["before", "after"] | None = None


@attrs.frozen
class LoggedRequest:
    """One request the sandbox saw (for assertions in tests)."""

    method: str
    path: str
    status: int
    request_id: str
    fault: str | None = None
    query: str = ""  #: the query string, as sent


class _Problem(Exception):
    """An error answer: status and ``{"message": ...}``."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def _route_pattern(template: str) -> re.Pattern[str]:
    """``/customers/{customer_id}`` -> a regex with one named group per (raw) path segment."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(regex)


_ROUTES: tuple[tuple[re.Pattern[str], Operation[Any]], ...] = tuple(
    (_route_pattern(op.path), op) for op in OPERATIONS
)


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds, as Togai


def _billing_address(address: Address) -> str:
    """The one-line form of an address (``Customer.billingAddress``)."""
    parts = (
        address.line1,
        address.line2,
        address.city,
        address.state,
        address.postal_code,
        address.country,
    )
    return ", ".join(p for p in parts if p)


#: The handler of each row, by row name: ``handler(sandbox, call) -> model`` (the call checked by
#: the row's ``from_wire``: ``call.path_params``, ``call.query``, ``call.body``).
_HANDLERS: dict[str, Callable[[Any, Call[Any]], Any]] = {}


def _wire(value: Any) -> Any:
    """A model (or list of models) as its camelCase JSON form."""
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value.to_dict() if isinstance(value, Model) else value


def _handles(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the handler of the row named ``name`` (checked against the table at import)."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        _HANDLERS[name] = handler
        return handler

    return register


def _not_found(customer_id: str) -> _Problem:
    return _Problem(404, f"Customer with id {customer_id} not found")


class Sandbox:
    """A stateful emulator of the upstream Togai Customers API.

    ``db``: SQLite file to persist to (default: in memory). ``api_key``: accept only this bearer
    token (default: any non-empty one). ``fail_rate``: fraction of requests failing with 500, 503
    or a dropped connection; ``latency_ms``: delay added to each request; ``rate_limit``: requests
    per second before 429 (10 is what a new Togai organisation gets), in bursts of at most
    ``rate_limit_burst`` requests (default: one second's worth). Like Togai, a 429 carries no
    ``Retry-After`` header unless ``retry_after`` is set. ``seed``: makes the faults reproducible.
    ``clock`` (monotonic seconds) drives the rate limiter and can be replaced in tests.

    Paging is keyset paging, as Togai's: a page that comes back full carries a ``nextToken`` even
    when it is the last one, and that token's page is empty and has none (Togai documents this
    "extra API call to receive an empty list").
    """

    def __init__(
        self,
        *,
        db: str | None = None,
        api_key: str | None = None,
        fail_rate: float = 0.0,
        latency_ms: float = 0.0,
        rate_limit: float | None = None,
        rate_limit_burst: int | None = None,
        retry_after: bool = False,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0 (got {latency_ms!r})")
        self._store = Store(db)
        self._tokens = PageTokens(self._store.secret)
        self._api_key = api_key or None
        self._faults = FaultPlan(fail_rate, seed)
        self._clock = clock
        self._burst = rate_limit_burst
        self.retry_after = retry_after
        self._limiter = (
            None if rate_limit is None else RateLimiter(rate_limit, clock, rate_limit_burst)
        )
        self.latency_ms = latency_ms
        self.db = db
        self._log: deque[LoggedRequest] = deque(maxlen=10_000)

    def __repr__(self) -> str:
        return (
            f"Sandbox(db={self.db!r}, api_key={'<set>' if self._api_key else None}, "
            f"fail_rate={self.fail_rate}, latency_ms={self.latency_ms}, "
            f"rate_limit={self.rate_limit}, retry_after={self.retry_after})"
        )

    # Knobs -----------------------------------------------------------------------------------

    @property
    def fail_rate(self) -> float:
        return self._faults.fail_rate

    @fail_rate.setter
    def fail_rate(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"fail_rate must be between 0 and 1 (got {value!r})")
        self._faults.fail_rate = value

    @property
    def rate_limit(self) -> float | None:
        return None if self._limiter is None else self._limiter.rate

    @rate_limit.setter
    def rate_limit(self, value: float | None) -> None:
        self._limiter = None if value is None else RateLimiter(value, self._clock, self._burst)

    @property
    def latency_seconds(self) -> float:
        return self.latency_ms / 1000.0

    def fail_next(self, *faults: str) -> None:
        """Make the next requests fail, one fault each, in order (see :data:`FAULTS`; also
        ``"429"``, a rate-limit answer)."""
        self._faults.queue(*faults)

    @property
    def requests(self) -> list[LoggedRequest]:
        """The requests seen so far (the latest 10,000), oldest first."""
        return list(self._log)

    # Lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # The handler -----------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        raw_path: str | bytes,
        query: str | bytes = b"",
        headers: Iterable[tuple[Any, Any]] | Mapping[str, str] = (),
        body: bytes = b"",
    ) -> Reply:
        """Answer one request. ``raw_path`` is percent-encoded, as sent; latency is the caller's."""
        path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else raw_path
        path = path.partition("?")[0]
        request_id = f"req_{uuid.uuid4().hex}"
        fault: str | None = None
        try:
            if self._limiter is not None:
                wait = self._limiter.acquire()
                if wait is not None:
                    raise self._too_many(wait)
            fault = self._faults.draw()
            if fault == "429":
                raise self._too_many(1)
            if fault == "500":
                raise _Problem(500, "Internal server error (injected by the sandbox)")
            if fault == "503":
                raise _Problem(503, "Service unavailable (injected by the sandbox)")
            if fault == "drop-before":
                reply = Reply(0, [], b"", drop="before")
            else:
                try:
                    status, payload = self._process(method.upper(), path, query, headers, body)
                    reply = self._reply(status, payload, request_id)
                except _Problem as problem:
                    reply = self._problem(problem, request_id)
                if fault == "drop-after":
                    reply = attrs.evolve(reply, drop="after")
        except _Problem as problem:
            reply = self._problem(problem, request_id)
        except Exception:
            logger.exception("sandbox bug while handling %s %s", method, path[:200])
            reply = self._reply(500, {"message": "Internal sandbox error"}, request_id)
        q = query.decode("latin-1") if isinstance(query, bytes) else query
        logged = LoggedRequest(method.upper(), path, reply.status, request_id, fault, q)
        self._log.append(logged)
        return reply

    def _too_many(self, wait: int) -> _Problem:
        headers = {"Retry-After": str(wait)} if self.retry_after else {}
        return _Problem(429, "Too many requests: slow down", headers)

    @classmethod
    def _problem(cls, problem: _Problem, request_id: str) -> Reply:
        extra = list(problem.headers.items())
        if problem.status == 401:
            extra.append(("WWW-Authenticate", 'Bearer realm="togai-sandbox"'))
        return cls._reply(problem.status, {"message": problem.message}, request_id, extra)

    @staticmethod
    def _reply(
        status: int,
        payload: Any,
        request_id: str,
        extra: list[tuple[str, str]] | None = None,
    ) -> Reply:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = [
            ("Content-Type", "application/json"),
            ("X-Request-Id", request_id),
            *(extra or []),
        ]
        return Reply(status, headers, body)

    def _process(
        self,
        method: str,
        path: str,
        query: str | bytes,
        headers: Iterable[tuple[Any, Any]] | Mapping[str, str],
        body: bytes,
    ) -> tuple[int, Any]:
        if len(body) > MAX_BODY_BYTES:
            raise _Problem(413, f"Request body too large: at most {MAX_BODY_BYTES} bytes")
        token = bearer_token(headers)
        if token is None:
            raise _Problem(401, "Missing or malformed Authorization header: use 'Bearer <key>'")
        if self._api_key is not None and not token_matches(token, self._api_key):
            raise _Problem(401, "Invalid API key")
        op, path_text = self._route(method, path)
        q = query.decode("latin-1") if isinstance(query, bytes) else query
        given = dict(parse_qsl(q, keep_blank_values=True))
        try:
            call: Call[Any] = op.from_wire(
                path=path_text, query=given, body=body if op.request_type is not None else None
            )
        except RequestValidationError as exc:
            raise _Problem(400, str(exc)[:500]) from None
        result = _HANDLERS[op.name](self, call)
        return op.success_status, _wire(result)

    @staticmethod
    def _route(method: str, path: str) -> tuple[Operation[Any], dict[str, str]]:
        allowed: list[str] = []
        for pattern, op in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if op.method != method:
                allowed.append(op.method)
                continue
            params: dict[str, str] = {}
            for name, raw in match.groupdict().items():
                try:
                    value = unquote(raw, errors="strict")
                except UnicodeDecodeError:
                    raise _Problem(400, f"{name}: not valid UTF-8 once percent-decoded") from None
                params[name] = value
            return op, params
        if allowed:
            raise _Problem(
                405, f"Method {method} not allowed here", {"Allow": ", ".join(sorted(allowed))}
            )
        raise _Problem(404, f"No such path: {path[:200]}")

    def _page(self, call: Call[Any], read: Callable[[int, int], list[tuple[int, Any]]]) -> Any:
        """The page a call of a paginated row asks for, as Togai pages (see the class docstring):
        ``read(after, limit)`` gives up to ``limit`` ``(key, item)`` after the key ``after``."""
        op, params = call.op, call.query
        paging = op.paging
        assert paging is not None
        after, page_size = 0, op.param(paging.size).default or 1
        token = params.get(paging.cursor)
        if token is not None:
            try:
                after, page_size = self._tokens.decode(str(token))
            except (InvalidToken, ValueError):
                wire = op.param(paging.cursor).wire_name
                raise _Problem(400, f"{wire}: invalid or expired token") from None
        page_size = int(params.get(paging.size, page_size))
        rows = read(after, page_size)
        full = len(rows) == page_size  # keyset paging: a full page cannot know it is the last
        fields: dict[str, Any] = {
            paging.items: [item for _, item in rows],
            paging.next_cursor: self._tokens.encode(rows[-1][0], page_size) if full else None,
        }
        if paging.context is not None:
            fields[paging.context] = PaginationContext(page_size=page_size, sort_order="ASC")
        return op.response_type(**fields)

    def _customer(self, customer_id: str) -> dict[str, Any]:
        doc = self._store.get_customer(customer_id)
        if doc is None:
            raise _not_found(customer_id)
        return doc

    # Operations: one handler per row of the table ----------------------------------------------

    @_handles("create_customer")
    def _create_customer(self, call: Call[Any]) -> CreateCustomerResponse:
        req: CreateCustomerRequest = call.body
        now = _now()
        customer = Customer(
            id=req.id,
            togai_customer_id=f"cus.{secrets.token_hex(8)}",
            name=req.name,
            primary_email=req.primary_email,
            billing_address=_billing_address(req.address),
            address=req.address,
            status="ACTIVE",
            created_at=now,
            updated_at=now,
        )
        account = None if req.account is None else _account(req.account, customer)
        doc = customer.to_dict()
        if req.settings:
            doc["settings"] = _wire(req.settings)
        try:
            self._store.insert_customer(doc, None if account is None else account.to_dict())
        except Conflict as exc:
            raise _Problem(409, str(exc)) from None
        return CreateCustomerResponse.from_customer(
            customer, settings=req.settings, account=account
        )

    @_handles("list_customers")
    def _list_customers(self, call: Call[Any]) -> Any:
        def read(after: int, limit: int) -> list[tuple[int, Customer]]:
            rows = self._store.page("customers", after, limit)
            return [(key, Customer.from_dict(doc)) for key, doc in rows]

        return self._page(call, read)

    @_handles("get_customer")
    def _get_customer(self, call: Call[Any]) -> Customer:
        return Customer.from_dict(self._customer(call.path_params["customer_id"]))

    @_handles("update_customer")
    def _update_customer(self, call: Call[Any]) -> Customer:
        req: UpdateCustomerRequest = call.body

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            old = Customer.from_dict(doc)
            changes: dict[str, Any] = {"updated_at": max(_now(), old.updated_at + _ONE_MS)}
            if req.name is not None:
                changes["name"] = req.name
            if req.primary_email is not None:
                changes["primary_email"] = req.primary_email
            if req.address is not None:
                changes["address"] = req.address
                changes["billing_address"] = _billing_address(req.address)
            new: dict[str, Any] = attrs.evolve(old, **changes).to_dict()
            if "settings" in doc:
                new["settings"] = doc["settings"]
            return new

        customer_id = call.path_params["customer_id"]
        doc = self._store.modify_customer(customer_id, change)
        if doc is None:
            raise _not_found(customer_id)
        return Customer.from_dict(doc)

    @_handles("delete_customer")
    def _delete_customer(self, call: Call[Any]) -> DeleteCustomerResponse:
        customer_id = call.path_params["customer_id"]
        if not self._store.delete_customer(customer_id):
            raise _not_found(customer_id)
        return DeleteCustomerResponse(success=True)

    @_handles("create_customer_contact")
    def _create_customer_contact(self, call: Call[Any]) -> CustomerContact:
        req: CreateCustomerContactRequest = call.body
        customer_id = call.path_params["customer_id"]
        self._customer(customer_id)
        username = req.preferred_username or self._generate_username(req.name)
        contact = CustomerContact(
            username=username,
            name=req.name,
            login_access=bool(req.login_access),
            created_at=_now(),
            verified=bool(req.verified),
            preferred_username=req.preferred_username,
            email=req.email,
            phone=req.phone,
            created_by=_CONTACT_CREATOR,
        )
        # The password is accepted but never stored or returned.
        try:
            stored = self._store.insert_contact(customer_id, contact.to_dict())
        except Conflict as exc:
            raise _Problem(409, str(exc)) from None
        if not stored:
            raise _not_found(customer_id)
        return contact

    def _generate_username(self, name: str) -> str:
        base = re.sub(r"[^A-Za-z0-9]", "", name).lower()[:40] or "contact"
        while True:
            candidate = f"{base}{secrets.randbelow(10**6):06d}"
            if not self._store.username_taken(candidate):
                return candidate


_ONE_MS = timedelta(milliseconds=1)

missing_rows(_HANDLERS, "sandbox handler in togai_customers_server.sandbox.Sandbox", OPERATIONS)
_unknown = set(_HANDLERS) - {op.name for op in OPERATIONS}
if _unknown:
    raise ImportError(f"sandbox handlers for no row of the table: {', '.join(sorted(_unknown))}")


def _account(req: CreateAccountRequest, customer: Customer) -> Account:
    """The account created with a customer, as Togai returns it."""
    aliases = [AccountAlias(alias=a) for a in req.aliases or ()]
    aliases += [AccountAlias(alias=a.value) for a in req.account_aliases or ()]
    return Account(
        id=req.id,
        togai_account_id=f"acc.{secrets.token_hex(8)}",
        togai_customer_id=customer.togai_customer_id,
        name=req.name,
        customer_id=customer.id,
        status=req.status or "ACTIVE",
        invoice_currency=None if req.invoice_currency is None else req.invoice_currency.upper(),
        aliases=aliases or None,
        net_term_days=req.net_term_days,
        address=req.address,
        primary_email=req.primary_email,
        billing_information=req.billing_information,
        settings=req.settings,
        metadata=req.metadata,
        tags=None if req.tags is None else [t.lower() for t in req.tags],
    )
