"""The public core: rows build, parse and check calls; clients send them; pace and time are
injected. What the CLI, the REST adapter, the MCP server and the sandbox stand on."""

from __future__ import annotations

import json
from typing import Any

import attrs
import httpx
import pytest
from _sdk_support import BASE_URL, Script, customer_json, resolve, sdk_client

from togai_customers import (
    OPERATIONS,
    AdaptivePace,
    Clock,
    Customer,
    FieldProblem,
    RequestValidationError,
    TogaiCustomers,
    TogaiError,
    TokenBucket,
    default_clock,
)
from togai_customers.spec import (
    CREATE_CUSTOMER,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMERS,
    UPDATE_CUSTOMER,
    Operation,
)


class _Waits(Clock):
    """Time stands still; waits are recorded and return at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return 10.0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_send_of_a_built_call_is_the_method(flavour: str) -> None:
    """``client.send(op.build(...))`` sends what ``client.get_customer(...)`` sends and parses
    to the same result."""
    script = Script(default=httpx.Response(200, json=customer_json("c 1")))
    client = sdk_client(flavour, httpx.MockTransport(script), base_url=BASE_URL)
    via_method = await resolve(client.get_customer("c 1"))
    raw = await resolve(client.send(GET_CUSTOMER.build("c 1")))
    assert raw.parse() == via_method
    assert isinstance(via_method, Customer)
    first, second = script.requests
    assert (first.method, first.url, first.headers["authorization"]) == (
        second.method,
        second.url,
        second.headers["authorization"],
    )
    assert str(first.url) == f"{BASE_URL}/customers/c%201"


def test_build_request_shows_the_request_and_sends_nothing() -> None:
    """``build_request`` is the first attempt's request, unsent: method, URL, headers, body."""
    script = Script()  # any request would fail the test
    client = TogaiCustomers(
        "sk_k", base_url=BASE_URL, http_client=httpx.Client(transport=httpx.MockTransport(script))
    )
    call = UPDATE_CUSTOMER.build("c1", name="New Name")
    request = client.build_request(call)
    assert (request.method, str(request.url)) == ("PATCH", f"{BASE_URL}/customers/c1")
    assert request.headers["authorization"] == "Bearer sk_k"
    assert json.loads(request.content) == {"name": "New Name"}
    assert script.count == 0


def test_from_wire_names_every_bad_field_at_once() -> None:
    """URL parameters, missing and unknown body fields, wrong types and broken limits of one
    request are all reported, in the wire's spelling, in one error."""
    body = {"id": "", "name": "Ab", "address": {"line1": 5}, "nickname": "x"}
    with pytest.raises(RequestValidationError) as caught:
        CREATE_CUSTOMER.from_wire(body=json.dumps(body))
    found = {(e.wire_field, e.problem) for e in caught.value.errors}
    assert found == {
        ("primaryEmail", FieldProblem.REQUIRED),
        ("address.line1", FieldProblem.TYPE),
        ("nickname", FieldProblem.UNKNOWN),
        ("id", FieldProblem.VALUE),
        ("name", FieldProblem.VALUE),
    }
    with pytest.raises(RequestValidationError) as both:
        UPDATE_CUSTOMER.from_wire(path={"customer_id": "x" * 51}, body=b'{"name": "A"}')
    assert [e.wire_field for e in both.value.errors] == ["customer_id", "name"]


def test_from_wire_converts_what_it_accepts() -> None:
    """Query parameters by their wire names become typed call arguments; others are ignored."""
    call = LIST_CUSTOMERS.from_wire(query={"pageSize": "20.0", "nextToken": "t", "other": "1"})
    assert call.query == {"page_size": 20, "next_token": "t"}
    assert call.path() == "/customers"
    with pytest.raises(RequestValidationError, match="not valid JSON"):
        CREATE_CUSTOMER.from_wire(body=b"{")


def test_from_arguments_checks_json_arguments_once() -> None:
    """An MCP tool's arguments: unknown names, missing ones, JSON types and limits at once;
    ``null`` is left out; the result is the call the SDK builds."""
    with pytest.raises(RequestValidationError) as caught:
        CREATE_CUSTOMER.from_arguments({"id": 5, "name": "Ab", "address": "x", "zip": "1"})
    kinds = {e.field: (e.problem, e.expected) for e in caught.value.errors}
    assert kinds == {
        "zip": (FieldProblem.UNKNOWN, None),
        "id": (FieldProblem.TYPE, "a string"),
        "primary_email": (FieldProblem.REQUIRED, None),
        "address": (FieldProblem.TYPE, "an object"),
        "name": (FieldProblem.VALUE, None),
    }
    args: dict[str, Any] = {"customer_id": "c1", "name": "Acme Corp", "primary_email": None}
    assert UPDATE_CUSTOMER.from_arguments(args) == UPDATE_CUSTOMER.build("c1", name="Acme Corp")


def test_input_schema_is_the_sdk_arguments() -> None:
    """A row's input schema lists its SDK keyword arguments (snake_case) and no others."""
    schema = UPDATE_CUSTOMER.input_schema()
    assert list(schema["properties"]) == ["customer_id", "name", "primary_email", "address"]
    assert schema["required"] == ["customer_id"]
    assert schema["additionalProperties"] is False
    assert LIST_CUSTOMERS.input_schema()["properties"]["page_size"]["maximum"] == 100


def test_readers_are_defined_on_the_rows() -> None:
    """The read of what a write acts on is the row's: a delete or update reads the customer by
    its path, a create by the id in its body."""
    assert DELETE_CUSTOMER.reader is GET_CUSTOMER
    assert UPDATE_CUSTOMER.reader is GET_CUSTOMER
    assert DELETE_CUSTOMER.reader_call(DELETE_CUSTOMER.build("c9")) == GET_CUSTOMER.build("c9")
    create = CREATE_CUSTOMER.build(id="new", name="Acme", primary_email="a@b.co", address={})
    assert CREATE_CUSTOMER.reader_call(create) == GET_CUSTOMER.build("new")
    assert all(op.reader is None or op.reader.read_only for op in OPERATIONS)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"read_only": False}, "does not fit its method GET"),
        ({"method": "POST"}, "does not fit its method POST"),
        ({"reader": DELETE_CUSTOMER}, "is not read-only"),
    ],
)
def test_a_row_that_contradicts_itself_fails_when_it_is_built(
    change: dict[str, Any], problem: str
) -> None:
    """Read-only is the row's hint, checked against its method; a reader must be read-only."""
    fields = {a.name: getattr(GET_CUSTOMER, a.name) for a in attrs.fields(Operation)}
    with pytest.raises(ValueError, match=problem):
        Operation(**{**fields, **change})


def test_a_page_that_repeats_its_cursor_is_the_last() -> None:
    """``next_page`` follows the row's cursor, at the largest page size, and stops when the
    server hands back the cursor it was given."""
    page = LIST_CUSTOMERS.response_type(data=[], next_token="t1")
    nxt = LIST_CUSTOMERS.build().next_page(page)
    assert nxt is not None
    assert nxt.query == {"next_token": "t1", "page_size": 100}
    assert nxt.next_page(page) is None


async def test_the_default_clock_takes_every_wait(flavour: str) -> None:
    """Inside ``default_clock(c)`` a client without a clock of its own waits with ``c``
    (here a 503 then a 200: one backoff wait); afterwards the clock before it is back."""
    waits = _Waits()
    script = Script(
        httpx.Response(503, json={"message": "busy"}), httpx.Response(200, json=customer_json())
    )
    client = sdk_client(flavour, httpx.MockTransport(script), base_url=BASE_URL)
    before = client.clock  # the suite's own default (the plugin's togai_instant_retries)
    with default_clock(waits):
        assert client.clock is waits
        await resolve(client.get_customer("c1"))
    (wait,) = waits.waits
    assert 0.5 <= wait <= 1.0
    assert client.clock is before


async def test_a_pacer_is_shared_by_the_clients_given_it(flavour: str) -> None:
    """Two clients given one pacer draw from one budget (the second waits); a pacer and a rate
    together are refused."""
    waits = _Waits()
    pacer = TokenBucket(2)
    script = Script(default=httpx.Response(200, json=customer_json()))
    one = sdk_client(flavour, httpx.MockTransport(script), pacer=pacer, clock=waits)
    two = sdk_client(flavour, httpx.MockTransport(script), pacer=pacer, clock=waits)
    await resolve(one.get_customer("c1"))
    await resolve(two.get_customer("c1"))
    assert waits.waits == [pytest.approx(0.5)]
    assert one.pacer is two.pacer is pacer
    assert one.max_requests_per_second == 2
    with pytest.raises(TogaiError, match="not both"):
        sdk_client(flavour, pacer=AdaptivePace(), max_requests_per_second=5)
