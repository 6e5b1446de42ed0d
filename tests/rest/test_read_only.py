"""Read-only mode of the REST adapter: every non-GET route is refused before reaching Togai."""

from __future__ import annotations

import httpx
import pytest

from togai_customers_server._settings import ServeOptions, options_from_env
from togai_customers_server.sandbox import Sandbox

from ._rest_support import MakeApi, customer_body

WRITES = [
    ("POST", "/v1/customers", customer_body()),
    ("PATCH", "/v1/customers/acme", {"name": "Acme Two"}),
    ("DELETE", "/v1/customers/acme", None),
    ("POST", "/v1/customers/acme/contacts", {"name": "Jo", "email": "jo@x.io"}),
    ("PUT", "/v1/customers/acme", {"name": "Acme Two"}),  # no such route: refused all the same
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_every_write_is_403_naming_the_flag(
    make_api: MakeApi, togai_sandbox: Sandbox, method: str, path: str, body: object
) -> None:
    """POST/PATCH/DELETE/PUT under /v1: 403 naming --read-only and TOGAI_READ_ONLY; nothing sent."""
    api = make_api(ServeOptions(read_only=True))
    r = api.request(method, path, json=body)
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/json"
    message = r.json()["message"]
    assert "--read-only" in message
    assert "TOGAI_READ_ONLY" in message
    assert togai_sandbox.requests == []


def test_reads_still_work(make_api: MakeApi, togai_sandbox: Sandbox) -> None:
    """GET routes, /health and the OpenAPI document are served as usual."""
    api = make_api(ServeOptions(read_only=True))
    assert api.get("/v1/customers").json()["data"] == []
    assert api.get("/v1/customers/nobody").status_code == 404
    assert api.get("/health").status_code == 200
    assert [r.method for r in togai_sandbox.requests] == ["GET", "GET"]


def test_writes_work_without_the_flag(make_api: MakeApi) -> None:
    """The guard is off by default: the same POST creates the customer."""
    assert make_api().post("/v1/customers", json=customer_body()).status_code == 201


def test_a_missing_token_is_401_before_the_read_only_refusal(make_api: MakeApi) -> None:
    """With a server token, an unauthenticated write learns nothing about the mode (401)."""
    api = make_api(ServeOptions(read_only=True, server_token="tok"))
    assert api.post("/v1/customers", json=customer_body()).status_code == 401
    authed = api.post(
        "/v1/customers", json=customer_body(), headers={"Authorization": "Bearer tok"}
    )
    assert authed.status_code == 403


def test_openapi_lists_the_writes_as_refused(make_api: MakeApi) -> None:
    """The document still lists every route; in read-only mode the writes document the 403."""
    document = make_api(ServeOptions(read_only=True)).get("/schema/openapi.json").json()
    create = document["paths"]["/v1/customers"]["post"]
    assert "read-only" in create["responses"]["403"]["description"]
    assert create["description"].startswith("Refused: this server is read-only")
    listing = document["paths"]["/v1/customers"]["get"]
    assert "read-only" not in listing["responses"]["403"]["description"]


def test_options_from_env_reads_the_safety_variables() -> None:
    """TOGAI_READ_ONLY, TOGAI_TOOLS and TOGAI_ALLOW_UNCONFIRMED_DELETES reach the options."""
    options = options_from_env(
        {
            "TOGAI_READ_ONLY": "1",
            "TOGAI_TOOLS": "get-customer, list-customers",
            "TOGAI_ALLOW_UNCONFIRMED_DELETES": "true",
            "TOGAI_HOST": "0.0.0.0",
        }
    )
    assert options.read_only is True
    assert options.tools == ("get-customer", "list-customers")
    assert options.allow_unconfirmed_deletes is True
    assert options.host == "0.0.0.0"
    defaults = options_from_env({})
    assert (defaults.read_only, defaults.tools, defaults.allow_unconfirmed_deletes) == (
        False,
        None,
        False,
    )
    with pytest.raises(ValueError, match="TOGAI_READ_ONLY"):
        options_from_env({"TOGAI_READ_ONLY": "sometimes"})


@pytest.mark.parametrize("path", ["//v1/customers", "///v1/customers", "//v1//customers/"])
def test_doubled_slashes_do_not_skip_read_only(
    make_api: MakeApi, togai_sandbox: Sandbox, path: str
) -> None:
    """POST //v1/customers (routed as /v1/customers) is refused like any write; nothing sent."""
    api = make_api(ServeOptions(read_only=True))
    # A URL, not a string: httpx reads "//v1/..." as a host ("v1") and a path.
    r = api.post(
        httpx.URL("http://testserver").copy_with(raw_path=path.encode()), json=customer_body()
    )
    assert r.status_code == 403, (path, r.text)
    assert togai_sandbox.requests == []
