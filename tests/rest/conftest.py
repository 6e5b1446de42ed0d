"""Fixtures: the REST app wired to the in-process sandbox (or to any given SDK client)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app

from ._rest_support import MakeApi


@pytest.fixture
def make_api(togai_async_client: AsyncTogaiCustomers) -> Iterator[MakeApi]:
    """Build a started test client for the app on the sandbox (default) or on ``client=``."""
    clients: list[TestClient[Litestar]] = []

    def make(
        options: ServeOptions | None = None, *, client: AsyncTogaiCustomers | None = None
    ) -> TestClient[Litestar]:
        app = create_rest_app(options or ServeOptions(), client=client or togai_async_client)
        test_client = TestClient(app=app)
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: MakeApi) -> TestClient[Litestar]:
    """The REST app on a fresh in-process sandbox, no inbound auth."""
    return make_api()
