"""Run the CLI (Typer's CliRunner) against the sandbox served over real HTTP."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from typer.testing import CliRunner, Result

from togai_customers import TogaiCustomers
from togai_customers._cli import app
from togai_customers_server.sandbox import Sandbox, SandboxTransport, serve_in_thread

#: The key the CLI sends in these tests; a sandbox with ``api_key=KEY`` accepts only it.
KEY = "sk-cli-test-0f1e2d3c4b5a"

Cli = Callable[..., Result]


def run_cli(url: str, *args: str, input: str | None = None, key: str = KEY) -> Result:
    """``togai-customers --base-url URL --api-key KEY ARGS...`` in-process (wide terminal)."""
    return CliRunner().invoke(
        app, ["--base-url", url, "--api-key", key, *args], input=input, env={"COLUMNS": "200"}
    )


@pytest.fixture
def togai_sandbox() -> Iterator[Sandbox]:
    """The sandbox of these tests accepts only ``KEY`` (overrides the plugin's fixture)."""
    with Sandbox(api_key=KEY) as sandbox:
        yield sandbox


@pytest.fixture
def cli(togai_sandbox_url: str) -> Cli:
    """Run the CLI against the test's sandbox (over HTTP)."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return run_cli(togai_sandbox_url, *args, input=input)

    return invoke


@pytest.fixture
def api(togai_sandbox: Sandbox) -> Iterator[TogaiCustomers]:
    """An SDK client on the same sandbox (in-process, quicker), to set up and check state."""
    http = httpx.Client(transport=SandboxTransport(togai_sandbox))
    with http, TogaiCustomers(KEY, http_client=http) as client:
        yield client


@pytest.fixture
def fresh_sandbox_url() -> Iterator[str]:
    """A second, empty sandbox over HTTP (the target of round trips)."""
    with Sandbox(api_key=KEY) as sandbox, serve_in_thread(sandbox) as url:
        yield url


@pytest.fixture
def api_key() -> str:
    """The key the CLI sends (and the only one the sandbox accepts)."""
    return KEY


@pytest.fixture
def make_customer(api: TogaiCustomers) -> Callable[..., None]:
    """Create a customer ``id`` in the sandbox (address fields as keywords)."""

    def make(customer_id: str, **extra: str) -> None:
        api.create_customer(
            id=customer_id,
            name=extra.pop("name", f"Customer {customer_id}"),
            primary_email=extra.pop("primary_email", f"{customer_id}@example.com"),
            address=extra,
        )

    return make


@pytest.fixture
def run_module() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m togai_customers ARGS`` in a fresh interpreter."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
        return subprocess.run(
            [sys.executable, "-m", "togai_customers", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=60,
            check=False,
        )

    return run


def _on_terminal(args: list[str], answer: str | None = None) -> tuple[int, str]:
    """Run the CLI with stdin/stdout/stderr on a pseudo-terminal; answer a [y/N] prompt."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "togai_customers", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "COLUMNS": "100"},
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if answer is not None and not answered and b"[y/N]" in seen:
                os.write(master, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, seen.decode(errors="replace")


@pytest.fixture
def on_terminal() -> Callable[..., tuple[int, str]]:
    """Run ``python -m togai_customers ARGS`` on a pseudo-terminal: ``(exit code, screen)``."""
    return _on_terminal


@attrs.frozen
class Seen:
    """A request as the sandbox received it."""

    method: str
    path: str
    body: Any

    @property
    def write(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")


def _recording(app: Any, seen: list[Seen]) -> Any:
    """``app`` behind an ASGI wrapper keeping each request's method, path and JSON body."""

    async def wrapper(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        seen.append(Seen(scope["method"], scope["path"], json.loads(body) if body else None))
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await app(scope, replay, send)

    return wrapper


@pytest.fixture
def recorded(togai_sandbox: Sandbox) -> Iterator[tuple[str, list[Seen]]]:
    """The test's sandbox over HTTP, recording every request with its body: (url, requests)."""
    import threading

    import uvicorn

    from togai_customers_server._sockets import listening_socket
    from togai_customers_server.sandbox import create_app

    seen: list[Seen] = []
    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(
        _recording(create_app(togai_sandbox), seen), log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the recording sandbox server did not start")
            time.sleep(0.005)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", seen
    finally:
        server.should_exit = True
        thread.join(10.0)
        sock.close()


@pytest.fixture
def first_write_fails(togai_sandbox: Sandbox) -> Iterator[str]:
    """The test's sandbox over HTTP, answering its first write (POST, PATCH) with 500 before
    processing it: the reads of a plan go through, the first write of its apply fails."""
    from togai_customers_server.sandbox import create_app
    from togai_customers_server.sandbox._server import serve_app_in_thread

    app = create_app(togai_sandbox)
    failed = [False]

    async def gateway(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PATCH") and not failed[0]:
            failed[0] = True
            body = b'{"message": "Internal Server Error"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    with serve_app_in_thread(gateway) as url:
        yield url
