"""The pytest plugin's fixtures, as any project that installs the package gets them."""

from __future__ import annotations

import httpx
import pytest

from togai_customers import AsyncTogaiCustomers, TogaiCustomers
from togai_customers_server.sandbox import Sandbox


def test_togai_client_fixture(togai_client: TogaiCustomers, togai_sandbox: Sandbox) -> None:
    """togai_client is a sync SDK client on the in-process togai_sandbox."""
    togai_client.create_customer(id="acme", name="Acme", primary_email="a@b.co", address={})
    assert [c.id for c in togai_client.list_customers()] == ["acme"]
    assert [r.status for r in togai_sandbox.requests] == [201, 200]


async def test_togai_async_client_fixture(
    togai_async_client: AsyncTogaiCustomers, togai_sandbox: Sandbox
) -> None:
    """togai_async_client is an async SDK client on the same togai_sandbox."""
    await togai_async_client.create_customer(
        id="acme", name="Acme", primary_email="a@b.co", address={}
    )
    assert (await togai_async_client.get_customer("acme")).name == "Acme"
    assert len(togai_sandbox.requests) == 2


def test_each_test_gets_a_fresh_sandbox(togai_client: TogaiCustomers) -> None:
    """State does not leak between tests: the sandbox starts empty."""
    assert togai_client.list_customers().data == []


def test_togai_sandbox_url_serves_the_same_sandbox(
    togai_sandbox_url: str, togai_client: TogaiCustomers
) -> None:
    """togai_sandbox_url serves togai_sandbox over HTTP on 127.0.0.1."""
    togai_client.create_customer(id="acme", name="Acme", primary_email="a@b.co", address={})
    assert togai_sandbox_url.startswith("http://127.0.0.1:")
    r = httpx.get(f"{togai_sandbox_url}/customers/acme", headers={"Authorization": "Bearer x"})
    assert r.json()["name"] == "Acme"


def test_one_server_serves_each_tests_own_sandbox(pytester: pytest.Pytester) -> None:
    """Across tests, togai_sandbox_url is one server, serving the running test's fresh sandbox;
    between tests it answers 503."""
    pytester.makepyfile(
        """
        import httpx

        AUTH = {"Authorization": "Bearer x"}
        seen = []

        def test_first(togai_sandbox_url):
            seen.append(togai_sandbox_url)
            body = {"id": "acme", "name": "Acme", "primaryEmail": "a@b.co", "address": {}}
            r = httpx.post(f"{togai_sandbox_url}/customers", json=body, headers=AUTH)
            assert r.status_code == 201

        def test_between():
            r = httpx.get(f"{seen[0]}/customers", headers=AUTH)
            assert r.status_code == 503, r.text

        def test_second(togai_sandbox_url, togai_sandbox):
            assert togai_sandbox_url == seen[0]
            r = httpx.get(f"{togai_sandbox_url}/customers", headers=AUTH)
            assert r.json()["data"] == []
            assert [q.method for q in togai_sandbox.requests] == ["GET"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(passed=3)
