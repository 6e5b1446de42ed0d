"""The HTTP surface: auth, request ids, timestamps, routing and garbage input (never a 500)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from togai_customers import AuthenticationError, NotFoundError, TogaiCustomers
from togai_customers_server.sandbox import MAX_BODY_BYTES, Sandbox, SandboxTransport

VALID = {"id": "acme", "name": "Acme Corp", "primaryEmail": "a@acme.com", "address": {}}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dTpw"},
        {"Authorization": "Token abc"},
    ],
)
def test_missing_or_malformed_auth_is_401(sandbox: Sandbox, headers: dict[str, str]) -> None:
    """No, empty or non-bearer Authorization answers 401 with a message, for every path."""
    with httpx.Client(transport=SandboxTransport(sandbox), base_url="http://s") as c:
        for method, path in [
            ("GET", "/customers"),
            ("POST", "/customers"),
            ("GET", "/customers/x"),
            ("POST", "/customers/x/contacts"),
        ]:
            r = c.request(method, path, headers=headers, json=VALID)
            assert r.status_code == 401
            assert isinstance(r.json()["message"], str)
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert sandbox.requests[-1].status == 401


def test_any_token_is_accepted_by_default(raw: httpx.Client) -> None:
    """Without api_key, any non-empty bearer token works."""
    r = raw.get("/customers", headers={"Authorization": "Bearer whatever-123"})
    assert r.status_code == 200


def test_api_key_restricts_to_one_token() -> None:
    """With api_key set only that token is accepted; the SDK raises AuthenticationError otherwise
    and the key never appears in the sandbox's repr."""
    with Sandbox(api_key="right-key") as sb:
        http = httpx.Client(transport=SandboxTransport(sb))
        with TogaiCustomers(api_key="wrong-key", http_client=http) as wrong:
            with pytest.raises(AuthenticationError):
                wrong.list_customers()
            with wrong.with_options(api_key="right-key") as right:
                assert right.list_customers().data == []
        assert "right-key" not in repr(sb)


def test_every_response_has_a_request_id(raw: httpx.Client) -> None:
    """Successes and errors alike carry a unique X-Request-Id."""
    responses = [
        raw.post("/customers", json=VALID),
        raw.post("/customers", json=VALID),
        raw.get("/customers/acme"),
        raw.get("/customers/nobody"),
        raw.post("/customers", content=b"{"),
        raw.get("/customers", headers={"Authorization": ""}),
        raw.put("/customers"),
        raw.get("/elsewhere"),
    ]
    ids = [r.headers["X-Request-Id"] for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)
    assert [r.status_code for r in responses] == [201, 409, 200, 404, 400, 401, 405, 404]


async def test_sdk_sees_the_request_id(api: Any) -> None:
    """The SDK exposes the sandbox's X-Request-Id on errors."""
    with pytest.raises(NotFoundError) as info:
        await api.get_customer("nobody")
    assert info.value.request_id.startswith("req_")


def test_timestamps_are_utc_with_z(raw: httpx.Client) -> None:
    """createdAt and updatedAt are ISO 8601 UTC ending in Z, in get, list and update."""
    raw.post("/customers", json=VALID)
    docs = [
        raw.get("/customers/acme").json(),
        raw.get("/customers").json()["data"][0],
        raw.patch("/customers/acme", json={"name": "New Name"}).json(),
    ]
    for doc in docs:
        assert ISO_Z.match(doc["createdAt"]), doc
        assert ISO_Z.match(doc["updatedAt"]), doc


def test_unknown_path_and_method(raw: httpx.Client) -> None:
    """An unknown path is 404 and a wrong method on a known path is 405 with Allow."""
    assert raw.get("/accounts").status_code == 404
    assert raw.get("/customers/a/b").status_code == 404
    r = raw.put("/customers/acme")
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}


def test_overlong_or_undecodable_ids_are_400(raw: httpx.Client) -> None:
    """A customer id over 50 characters, or not UTF-8 once decoded, is 400 naming customer_id."""
    for path in ["/customers/" + "x" * 51, "/customers/%FF%FE"]:
        r = raw.get(path)
        assert r.status_code == 400
        assert "customer_id" in r.json()["message"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b"{",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"null",
        b"42",
        b"\xff\xfe\x00",
        b'{"id": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_garbage_bodies_are_400(raw: httpx.Client, content: bytes) -> None:
    """Invalid JSON, a non-object body or absurd nesting is 400 with a message, never 500."""
    for path in ["/customers", "/customers/x/contacts"]:
        r = raw.post(path, content=content, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (path, r.text)
        assert r.json()["message"]
    raw.post("/customers", json=VALID)
    assert raw.patch("/customers/acme", content=content).status_code == 400


def test_wrong_types_are_400(raw: httpx.Client) -> None:
    """Wrong JSON types (numbers for strings, strings for booleans, objects for lists) are 400."""
    bodies = [
        {**VALID, "id": 5},
        {**VALID, "name": ["x"]},
        {**VALID, "address": "1 Main St"},
        {**VALID, "settings": {"id": "s"}},
        {**VALID, "account": {"id": "a", "name": "Acct", "netTermDays": "30"}},
        {**VALID, "account": {"id": "a", "name": "Acct", "netTermDays": True}},
        {**VALID, "account": {"id": "a", "name": "Acct", "metadata": {"k": 1}}},
        {
            **VALID,
            "account": {
                "id": "a",
                "name": "Acct",
                "accountAliases": [{"value": "v", "effectiveFrom": "x"}],
            },
        },
    ]
    for payload in bodies:
        r = raw.post("/customers", json=payload)
        assert r.status_code == 400, payload
    assert raw.get("/customers").json()["data"] == []


def test_huge_body_is_413(raw: httpx.Client) -> None:
    """A body over the cap (1 MiB) is refused with 413 before parsing."""
    big = json.dumps({**VALID, "name": "x" * (MAX_BODY_BYTES + 10)}).encode()
    r = raw.post("/customers", content=big)
    assert r.status_code == 413
    assert str(MAX_BODY_BYTES) in r.json()["message"]


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
_field_values = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        [
            "id",
            "name",
            "primaryEmail",
            "address",
            "settings",
            "account",
            "email",
            "preferredUsername",
            "phone",
            "verified",
            "loginAccess",
        ],
        _json,
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=st.one_of(_json, _field_values),
    path=st.sampled_from(["/customers", "/customers/acme", "/customers/acme/contacts"]),
)
def test_fuzzed_bodies_never_500(payload: Any, path: str) -> None:
    """Random JSON bodies on every write path get 2xx/4xx answers, never a 5xx."""
    with (
        Sandbox() as sb,
        httpx.Client(
            transport=SandboxTransport(sb),
            base_url="http://s",
            headers={"Authorization": "Bearer t"},
        ) as c,
    ):
        c.post("/customers", json=VALID)
        method = "PATCH" if path == "/customers/acme" else "POST"
        r = c.request(method, path, json=payload)
        assert r.status_code < 500, r.text
        assert "message" in r.json() or r.is_success
