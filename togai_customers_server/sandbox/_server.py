"""Serving the sandbox over HTTP with uvicorn (imported only here, when a server starts)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .._security import ASGIApp
from .._sockets import listening_socket
from ._asgi import create_app
from ._sandbox import Sandbox

__all__ = ["run_sandbox", "serve_app_in_thread", "serve_in_thread"]


def run_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 4010,
    db: str | None = None,
    api_key: str | None = None,
    fail_rate: float = 0.0,
    latency_ms: float = 0.0,
    rate_limit: float | None = None,
    retry_after: bool = False,
    seed: int | None = None,
) -> None:
    """Serve a sandbox on ``host:port`` until interrupted (blocking)."""
    import uvicorn

    with Sandbox(
        db=db,
        api_key=api_key,
        fail_rate=fail_rate,
        latency_ms=latency_ms,
        rate_limit=rate_limit,
        retry_after=retry_after,
        seed=seed,
    ) as sandbox:
        where = f"[{host}]" if ":" in host else host
        print(
            f"Togai sandbox on http://{where}:{port} "
            f"(storage: {db or 'in memory'}; auth: "
            f"{'one API key' if api_key else 'any token'})",
            file=sys.stderr,
            flush=True,
        )
        uvicorn.run(create_app(sandbox), host=host, port=port, log_level="info")


@contextmanager
def serve_in_thread(
    sandbox: Sandbox | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``sandbox`` over HTTP in a background thread; yields the base URL.

    ``port=0`` picks a free port. The server stops when the block exits; a sandbox created here
    is closed too.
    """
    state = sandbox if sandbox is not None else Sandbox()
    try:
        with serve_app_in_thread(create_app(state), host=host, port=port) as url:
            yield url
    finally:
        if sandbox is None:
            state.close()


@contextmanager
def serve_app_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn in a background thread; yields the base URL."""
    import uvicorn

    sock = listening_socket(host, port)  # bound here: port 0's choice is known at once
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="togai-sandbox", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox server did not start on {host}:{port}")
            time.sleep(0.005)
        where = f"[{host}]" if ":" in host else host
        yield f"http://{where}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10.0)
        sock.close()
