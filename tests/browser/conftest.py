"""The REST app served by uvicorn on 127.0.0.1 (a free port), on the in-process sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app


@pytest.fixture
def rest_url(togai_async_client: AsyncTogaiCustomers) -> Iterator[str]:
    """Base URL of the REST app, served over real HTTP for the browser."""
    app = create_rest_app(ServeOptions(), client=togai_async_client)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="rest-for-browser", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20.0
        while not server.started:
            assert thread.is_alive(), "uvicorn stopped before it started"
            assert time.monotonic() < deadline, "uvicorn did not start in 20 s"
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        # The app is the real one, wired to the sandbox: /v1 answers.
        assert httpx.get(f"{url}/v1/customers", timeout=10).status_code == 200
        yield url
    finally:
        server.should_exit = True
        thread.join(10.0)
