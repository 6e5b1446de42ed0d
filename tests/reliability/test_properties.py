"""Property tests: model round-trips, paging under churn, validation at the spec's boundaries.

Strategies are derived from the attrs models (types from the annotations, limits from the
``_fields`` metadata); the boundary oracle is the upstream OpenAPI document itself.
"""

from __future__ import annotations

import itertools
import json
import re
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from togai_customers import _models
from togai_customers._fields import constraints_of, to_camel
from togai_customers_server.sandbox import Sandbox

# The upstream reference, as shipped with the repository (docs/reference/).
SPEC = Path(__file__).parents[2] / "docs" / "reference" / "togai-customers-api.yaml"

AUTH = [("authorization", "Bearer test")]
MODELS = [getattr(_models, name) for name in _models.__all__ if name != "Model"]

QUICK = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)

# --- strategies from the models --------------------------------------------------------------

_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    ),
)


def _strategy(tp: Any, attribute: attrs.Attribute[Any] | None = None) -> st.SearchStrategy[Any]:
    """Values of annotation ``tp``; strings honour the attribute's declared length and enum."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return st.none() | st.one_of(*(_strategy(a, attribute) for a in inner))
    if origin is list:
        (item,) = typing.get_args(tp)
        return st.lists(_strategy(item), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
    if tp is str:
        c = constraints_of(attribute) if attribute is not None else None
        if c is not None and c.enum:
            return st.sampled_from(c.enum)
        lo = c.min_length if c is not None and c.min_length else 0
        hi = c.max_length if c is not None and c.max_length else 40
        return st.text(min_size=lo, max_size=min(hi, 40))
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**53), 2**53)
    if tp is datetime:
        return _datetimes
    if isinstance(tp, type) and attrs.has(tp):
        return _model_strategy(tp)
    raise AssertionError(f"no strategy for {tp!r}")


def _model_strategy(cls: type[Any]) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    return st.builds(
        cls,
        **{a.name: st.deferred(lambda a=a: _strategy(hints[a.name], a)) for a in attrs.fields(cls)},
    )


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_to_dict_from_dict_round_trip(cls):
    """Any instance survives to_dict -> JSON text -> from_dict unchanged, for every model."""

    @QUICK
    @given(_model_strategy(cls))
    def check(model: Any) -> None:
        wire = model.to_dict()
        assert all(isinstance(k, str) and "_" not in k for k in wire)  # camelCase keys
        assert cls.from_dict(json.loads(json.dumps(wire))) == model

    check()


# --- paging under churn ----------------------------------------------------------------------


def _call(sandbox: Sandbox, method: str, path: str, query: str = "", body: Any = None) -> Any:
    raw = b"" if body is None else json.dumps(body).encode()
    reply = sandbox.handle(method, path, query, AUTH, raw)
    assert reply.status < 300, reply.body
    return json.loads(reply.body)


_steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 3)),
        st.tuples(st.just("delete"), st.integers(0, 10_000)),
        st.tuples(st.just("page"), st.integers(1, 6)),
    ),
    max_size=40,
)


@QUICK
@given(initial=st.integers(0, 25), steps=_steps)
def test_paging_never_repeats_or_skips_under_creates_and_deletes(initial, steps):
    """Walking pages while customers come and go: no repeats, no survivor skipped."""
    ids = itertools.count()
    with Sandbox() as sandbox:

        def create(n: int) -> list[str]:
            made = []
            for _ in range(n):
                cid = f"c{next(ids):04d}"
                body = {"id": cid, "name": "Name " + cid, "primaryEmail": "a@b.io", "address": {}}
                _call(sandbox, "POST", "/customers", body=body)
                made.append(cid)
            return made

        alive = create(initial)
        at_start = set(alive)
        deleted: set[str] = set()
        seen: list[str] = []
        token: str | None = None
        first = True
        for action, arg in [*steps, *[("page", 50)] * 10]:
            if action == "create":
                alive += create(arg)
            elif action == "delete" and alive:
                victim = alive.pop(arg % len(alive))
                _call(sandbox, "DELETE", f"/customers/{victim}")
                deleted.add(victim)
            elif action == "page" and (first or token):
                query = f"pageSize={arg}" + (f"&nextToken={token}" if token else "")
                page = _call(sandbox, "GET", "/customers", query)
                seen += [c["id"] for c in page["data"]]
                token, first = page.get("nextToken"), False
        assert not token, "ten pages of 50 always reach the end here"
        assert len(seen) == len(set(seen)), "a customer was listed twice"
        assert (at_start - deleted) <= set(seen), "a customer present throughout was skipped"
        assert set(seen) <= at_start | set(alive) | deleted  # nothing invented
        order = [int(c[1:]) for c in seen]
        assert order == sorted(order), "creation order"


# --- validation at the spec's boundaries -----------------------------------------------------

# The spec's request schemas, and the request that carries each to the sandbox.
_CUSTOMER = {"name": "Valid Name", "primaryEmail": "a@b.io", "address": {}}
_ACCOUNT = {"name": "Main account"}
REQUEST_SCHEMAS = (
    "CreateCustomerRequest",
    "UpdateCustomerRequest",
    "CreateCustomerContactRequest",
    "CreateAccountRequestWithoutCustomerId",
    "CreateAccountAliasRequest",
)


def _spec_limits() -> list[tuple[str, str, int | None, int | None, str | None]]:
    """(schema, property, minLength, maxLength, pattern) of every limited string in a request."""
    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    out = []
    for name in REQUEST_SCHEMAS:
        for prop, s in schemas[name]["properties"].items():
            if s.get("type") == "string" and {"minLength", "maxLength", "pattern"} & set(s):
                out.append((name, prop, s.get("minLength"), s.get("maxLength"), s.get("pattern")))
    return out


LIMITS = _spec_limits()


def _text_of_length(prop: str, pattern: str | None, length: int) -> str:
    """A string of ``length`` characters that satisfies ``pattern`` whenever the length allows."""
    if pattern is not None and "@" in pattern:
        return "a" * max(length - 6, 0) + "@b.com"[max(6 - length, 0) :]
    if "currency" in prop.lower():
        return "U" * length
    return "a" * length


class _Probe:
    """Sends one request with one field set to a value: did validation let it through?"""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.ids = itertools.count()
        _call(sandbox, "POST", "/customers", body={**_CUSTOMER, "id": "base"})

    def _request(self, schema: str, prop: str, value: str) -> tuple[str, str, dict[str, Any]]:
        n = next(self.ids)
        customer = {**_CUSTOMER, "id": f"p{n}"}
        account = {**_ACCOUNT, "id": f"acc{n}"}
        if schema == "CreateCustomerRequest":
            return "POST", "/customers", {**customer, prop: value}
        if schema == "UpdateCustomerRequest":
            return "PATCH", "/customers/base", {prop: value}
        if schema == "CreateCustomerContactRequest":
            contact = {"name": "Jane", "email": "jane@acme.com", prop: value}
            return "POST", "/customers/base/contacts", contact
        if schema == "CreateAccountRequestWithoutCustomerId":
            return "POST", "/customers", {**customer, "account": {**account, prop: value}}
        alias = {"value": "alias-1", prop: value}
        return "POST", "/customers", {**customer, "account": {**account, "accountAliases": [alias]}}

    def accepts(self, schema: str, prop: str, value: str) -> bool:
        method, path, body = self._request(schema, prop, value)
        reply = self.sandbox.handle(method, path, "", AUTH, json.dumps(body).encode())
        # 409 (a username or id generated twice) means validation passed.
        assert reply.status in (200, 201, 400, 409), reply.body
        return reply.status != 400


def _allowed(value: str, lo: int | None, hi: int | None, pattern: str | None) -> bool:
    return (
        (lo is None or len(value) >= lo)
        and (hi is None or len(value) <= hi)
        # JSON Schema's "$" is the end of the text (Python's would also match before a final \n).
        and (pattern is None or re.search(pattern.replace("$", r"\Z"), value) is not None)
    )


def test_the_spec_limits_cover_the_known_boundaries():
    """The oracle is not empty: it has the name (3/255), ids (50) and the contact patterns."""
    bounds = {(s, p): (lo, hi) for s, p, lo, hi, _ in LIMITS}
    assert bounds[("CreateCustomerRequest", "name")] == (3, 255)
    assert bounds[("CreateCustomerRequest", "id")][1] == 50
    assert {p for s, p, *_, pat in LIMITS if pat} == {"preferredUsername", "email"}


@pytest.mark.parametrize(
    ("schema", "prop", "lo", "hi", "pattern"), LIMITS, ids=[f"{s}.{p}" for s, p, *_ in LIMITS]
)
def test_lengths_at_the_boundaries_are_accepted_exactly_as_the_spec_says(
    schema, prop, lo, hi, pattern
):
    """min-1 / min / max / max+1 characters: accepted exactly when the spec allows the length."""
    lengths = sorted({n for b in (lo, hi) if b is not None for n in (b - 1, b, b + 1) if n >= 0})
    with Sandbox() as sandbox:
        probe = _Probe(sandbox)
        for length in lengths:
            value = _text_of_length(prop, pattern, length)
            assert len(value) == length
            expected = _allowed(value, lo, hi, pattern)
            assert probe.accepts(schema, prop, value) == expected, (length, value[:20])


PATTERNED = [(s, p, lo, hi, pat) for s, p, lo, hi, pat in LIMITS if pat]


@pytest.mark.parametrize(
    ("schema", "prop", "lo", "hi", "pattern"), PATTERNED, ids=[f"{s}.{p}" for s, p, *_ in PATTERNED]
)
def test_patterns_accept_exactly_the_matching_strings(schema, prop, lo, hi, pattern):
    """Generated (non-)matching strings: accepted iff the spec's pattern and length allow them."""
    with Sandbox() as sandbox:
        probe = _Probe(sandbox)

        @QUICK
        @given(st.from_regex(pattern, fullmatch=True) | st.text(max_size=60))
        def check(value: str) -> None:
            assert probe.accepts(schema, prop, value) == _allowed(value, lo, hi, pattern)

        check()


def test_strategies_follow_the_wire_names():
    """The wire names the oracle uses are the models' camelCase names (nothing re-spelt here)."""
    fields = {to_camel(a.name) for a in attrs.fields(_models.CreateCustomerContactRequest)}
    assert {p for s, p, *_ in LIMITS if s == "CreateCustomerContactRequest"} <= fields
