"""Client construction: env configuration, headers, key redaction, logging, lifecycle."""

from __future__ import annotations

import logging

import httpx
import pytest
from _sdk_support import API_KEY, Script, customer_json, resolve

from togai_customers import (
    DEFAULT_BASE_URL,
    AsyncTogaiCustomers,
    NotFoundError,
    TogaiCustomers,
    TogaiError,
    __version__,
)


@pytest.mark.parametrize("cls", [TogaiCustomers, AsyncTogaiCustomers])
def test_missing_api_key_says_how_to_set_it(cls):
    """Without api_key or TOGAI_API_KEY the constructor raises, naming both ways to set it."""
    with pytest.raises(TogaiError) as info:
        cls()
    assert "api_key" in str(info.value)
    assert "TOGAI_API_KEY" in str(info.value)


@pytest.mark.parametrize("cls", [TogaiCustomers, AsyncTogaiCustomers])
def test_env_supplies_key_and_base_url(cls, monkeypatch):
    """TOGAI_API_KEY and TOGAI_BASE_URL are read when no arguments are given."""
    monkeypatch.setenv("TOGAI_API_KEY", "env-key")
    monkeypatch.setenv("TOGAI_BASE_URL", "http://127.0.0.1:4010/")
    client = cls()
    assert client.base_url == "http://127.0.0.1:4010"
    assert client._headers["Authorization"] == "Bearer env-key"


def test_a_scheme_in_capitals_is_a_scheme(togai_sandbox_url):
    """URL schemes are case-insensitive (RFC 3986 3.1): HTTP:// is taken, and spelt http://."""
    url = togai_sandbox_url.replace("http://", "HTTP://")
    with TogaiCustomers(api_key=API_KEY, base_url=url) as client:
        assert client.base_url == togai_sandbox_url
        assert client.list_customers().data == []


def test_default_base_url_is_production():
    """Without TOGAI_BASE_URL the client talks to https://api.togai.com."""
    assert TogaiCustomers(api_key="k").base_url == DEFAULT_BASE_URL == "https://api.togai.com"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"base_url": "api.togai.com"}, "base_url"), ({"max_retries": -1}, "max_retries")],
)
def test_bad_settings_are_rejected(kwargs, fragment):
    """A base URL without scheme or a negative retry count is refused at construction."""
    with pytest.raises(TogaiError, match=fragment):
        TogaiCustomers(api_key="k", **kwargs)


async def test_requests_carry_bearer_key_user_agent_and_accept(make_client):
    """Every request sends the bearer key, a versioned User-Agent and Accept JSON."""
    script = Script(default=lambda r: httpx.Response(200, json=customer_json()))
    await resolve(make_client(script).get_customer("c1"))
    headers = script.requests[0].headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["user-agent"] == f"togai-customers-python/{__version__}"
    assert headers["accept"] == "application/json"


async def test_repr_redacts_the_key(make_client):
    """repr(client) shows the base URL and settings, never the key."""
    client = make_client(Script())
    text = repr(client)
    assert API_KEY not in text
    assert "<redacted>" in text
    assert "api.togai.test" in text


async def test_logs_never_contain_the_key(make_client, caplog, monkeypatch):
    """Request logs at DEBUG (method, path, status, elapsed, attempt) carry no secret."""
    caplog.set_level(logging.DEBUG)
    script = Script(
        httpx.Response(503, json={"message": "busy"}),
        httpx.Response(404, json={"message": "Customer with id c9 not found"}),
    )
    with pytest.raises(NotFoundError) as info:
        await resolve(make_client(script).get_customer("c9"))
    logged = [r.getMessage() for r in caplog.records if r.name == "togai_customers"]
    lines = [line for line in logged if line.startswith("GET ")]
    assert len(lines) == 2
    assert any("retrying" in line for line in logged)
    assert lines[0].startswith("GET /customers/c9 -> 503 in ")
    assert lines[0].endswith("(attempt 1)")
    assert lines[1].startswith("GET /customers/c9 -> 404 in ")
    assert lines[1].endswith("(attempt 2)")
    everything = caplog.text + str(info.value) + repr(info.value)
    assert API_KEY not in everything


def test_togai_log_env_turns_on_request_logging(monkeypatch):
    """TOGAI_LOG=info attaches a handler to the togai_customers logger at INFO."""
    logger = logging.getLogger("togai_customers")
    saved = (list(logger.handlers), logger.level)
    try:
        logger.handlers.clear()
        monkeypatch.setenv("TOGAI_LOG", "info")
        TogaiCustomers(api_key="k")
        assert logger.level == logging.INFO
        assert len(logger.handlers) == 1
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])


def test_context_manager_closes_its_own_pool():
    """Leaving `with TogaiCustomers()` closes the client it created."""
    with TogaiCustomers(api_key="k") as client:
        http = client._http
    assert http.is_closed


def test_user_supplied_http_client_is_left_open():
    """A caller's httpx.Client is theirs to close; the SDK does not close it."""
    http = httpx.Client()
    with TogaiCustomers(api_key="k", http_client=http):
        pass
    assert not http.is_closed
    http.close()


async def test_async_context_manager_closes_its_own_pool():
    """Leaving `async with AsyncTogaiCustomers()` closes the client it created."""
    async with AsyncTogaiCustomers(api_key="k") as client:
        http = client._http
    assert http.is_closed


async def test_with_raw_response_gives_status_headers_and_parse(make_client):
    """with_raw_response returns status, headers, request id and a typed parse()."""
    script = Script(
        default=lambda r: httpx.Response(
            200, json=customer_json("c1"), headers={"X-Request-Id": "rid-1"}
        )
    )
    raw = await resolve(make_client(script).with_raw_response.get_customer("c1"))
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "rid-1"
    assert raw.request_id == "rid-1"
    customer = raw.parse()
    assert customer.id == "c1"
    assert raw.parse() is customer


async def test_with_options_can_swap_the_key(make_client):
    """with_options(api_key=...) sends the other key and leaves the original client alone."""
    script = Script(default=lambda r: httpx.Response(200, json=customer_json()))
    client = make_client(script)
    await resolve(client.with_options(api_key="other-key").get_customer("c1"))
    await resolve(client.get_customer("c1"))
    assert [r.headers["authorization"] for r in script.requests] == [
        "Bearer other-key",
        f"Bearer {API_KEY}",
    ]


def test_operation_methods_have_the_builder_signature_and_docs():
    """client.<op> exposes the real parameters and docstring (help() and IDEs show them)."""
    import inspect

    client = TogaiCustomers(api_key="k")
    sig = inspect.signature(client.create_customer)
    assert list(sig.parameters) == ["id", "name", "primary_email", "address", "settings", "account"]
    assert "Create a customer" in (client.create_customer.__doc__ or "")
    assert TogaiCustomers.get_customer.__doc__ == "Fetch one customer by its id."
