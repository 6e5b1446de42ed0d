"""Fixtures for the SDK tests: a client of each flavour (sync, async) over a given handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _sdk_support import API_KEY, BASE_URL, Client

from togai_customers import AsyncTogaiCustomers, TogaiCustomers

MakeClient = Callable[..., Client]


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    """Run the test once with the sync client and once with the async client."""
    return str(request.param)


@pytest.fixture
def make_client(flavour: str) -> MakeClient:
    """Build a client of the current flavour whose HTTP goes to ``handler`` (a MockTransport)."""

    def factory(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Client:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", BASE_URL)
        transport = httpx.MockTransport(handler)
        if flavour == "sync":
            return TogaiCustomers(http_client=httpx.Client(transport=transport), **kwargs)
        return AsyncTogaiCustomers(http_client=httpx.AsyncClient(transport=transport), **kwargs)

    return factory


@pytest.fixture
def sandbox_api(flavour: str) -> Any:
    """(client, recorder, sandbox): a client of the current flavour on an in-process sandbox."""
    from _sdk_support import Recorder

    from togai_customers_server.sandbox import Sandbox, SandboxTransport

    with Sandbox() as sandbox:
        recorder = Recorder(SandboxTransport(sandbox))
        client: Client
        if flavour == "sync":
            client = TogaiCustomers(api_key=API_KEY, http_client=httpx.Client(transport=recorder))
        else:
            client = AsyncTogaiCustomers(
                api_key=API_KEY, http_client=httpx.AsyncClient(transport=recorder)
            )
        yield client, recorder, sandbox
