"""Fixtures for the SDK tests: a client of the test's flavour over a handler or the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _sdk_support import BASE_URL, Client, Recorder, sdk_client

MakeClient = Callable[..., Client]


@pytest.fixture
def make_client(flavour: str) -> MakeClient:
    """Build a client of the current flavour whose HTTP goes to ``handler`` (a MockTransport)."""

    def factory(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Client:
        kwargs.setdefault("base_url", BASE_URL)
        return sdk_client(flavour, httpx.MockTransport(handler), **kwargs)

    return factory


@pytest.fixture
def sandbox_api(flavour: str) -> Any:
    """(client, recorder, sandbox): a client of the current flavour on an in-process sandbox."""
    from togai_customers_server.sandbox import Sandbox, SandboxTransport

    with Sandbox() as sandbox:
        recorder = Recorder(SandboxTransport(sandbox))
        yield sdk_client(flavour, recorder), recorder, sandbox
