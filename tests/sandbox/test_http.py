"""The sandbox over real HTTP: the ASGI app under uvicorn, the pytest fixture and the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from togai_customers import APIConnectionError, AsyncTogaiCustomers, TogaiCustomers
from togai_customers._cli import app as cli_app
from togai_customers_server.sandbox import MAX_BODY_BYTES, Sandbox, create_app

VALID = {"id": "acme", "name": "Acme Corp", "primaryEmail": "a@acme.com", "address": {}}
AUTH = {"Authorization": "Bearer t"}


def test_sdk_over_http(togai_sandbox_url: str, togai_sandbox: Sandbox) -> None:
    """The sync SDK works against the served sandbox, including an id with '/' and ' '."""
    with TogaiCustomers(api_key="k", base_url=togai_sandbox_url) as client:
        client.create_customer(id="a/b c", name="Acme", primary_email="a@b.co", address={})
        assert client.get_customer("a/b c").id == "a/b c"
        assert [c.id for c in client.list_customers()] == ["a/b c"]
    assert togai_sandbox.requests[0].path == "/customers"
    assert togai_sandbox.requests[1].path == "/customers/a%2Fb%20c"


async def test_async_sdk_over_http(togai_sandbox_url: str) -> None:
    """The async SDK works against the served sandbox."""
    async with AsyncTogaiCustomers(api_key="k", base_url=togai_sandbox_url) as client:
        await client.create_customer(id="acme", name="Acme", primary_email="a@b.co", address={})
        contact = await client.create_customer_contact("acme", name="Jo", email="jo@x.io")
        assert contact.username.startswith("jo")
        assert (await client.delete_customer("acme")).success


def test_http_headers_and_errors(togai_sandbox_url: str) -> None:
    """Over HTTP errors are JSON with X-Request-Id, and a huge streamed body is 413."""
    with httpx.Client(base_url=togai_sandbox_url) as c:
        r = c.get("/customers")
        assert r.status_code == 401
        assert r.headers["x-request-id"]
        assert r.headers["content-type"] == "application/json"
        r = c.post("/customers", content=b"{", headers=AUTH)
        assert r.status_code == 400
        chunks = (b"x" * 65536 for _ in range(MAX_BODY_BYTES // 65536 + 2))
        r = c.post("/customers", content=chunks, headers=AUTH)
        assert r.status_code == 413


def test_dropped_connections_over_http(togai_sandbox_url: str, togai_sandbox: Sandbox) -> None:
    """Over HTTP a drop before or after processing cuts the response; only drop-after stores."""
    togai_sandbox.fail_next("drop-before")
    with httpx.Client(base_url=togai_sandbox_url, headers=AUTH) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/customers", json=VALID)
        assert c.get("/customers/acme").status_code == 404
        togai_sandbox.fail_next("drop-after")
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/customers", json=VALID)
        assert c.get("/customers/acme").status_code == 200


def test_sdk_recovers_lost_create_over_http(togai_sandbox_url: str, togai_sandbox: Sandbox) -> None:
    """Over HTTP too, a create whose response is lost is recovered by the SDK (retry, 409, get)."""
    togai_sandbox.fail_next("drop-after")
    with TogaiCustomers(api_key="k", base_url=togai_sandbox_url) as client:
        created = client.create_customer(id="acme", name="Acme", primary_email="a@b.co", address={})
    assert created.id == "acme"
    assert [r.status for r in togai_sandbox.requests] == [201, 409, 200]


def test_sdk_without_retries_sees_connection_error(
    togai_sandbox_url: str, togai_sandbox: Sandbox
) -> None:
    """With max_retries=0 a dropped connection surfaces as APIConnectionError."""
    togai_sandbox.fail_next("drop-before")
    with (
        TogaiCustomers(api_key="k", base_url=togai_sandbox_url, max_retries=0) as client,
        pytest.raises(APIConnectionError),
    ):
        client.list_customers()


async def test_asgi_app_in_process() -> None:
    """create_app is a plain ASGI app: it runs under httpx's ASGITransport with lifespan-free
    requests and exposes its sandbox."""
    app = create_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://s", headers=AUTH
    ) as c:
        assert (await c.post("/customers", json=VALID)).status_code == 201
        assert (await c.get("/customers/acme")).json()["id"] == "acme"
    app.sandbox.close()  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_cli(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "togai_customers", "sandbox", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/customers", timeout=1)
            return proc, url
        except httpx.TransportError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    _out, err = proc.communicate()
    raise AssertionError(f"sandbox did not start: {err.decode()}")


def stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    return err.decode()


def test_cli_serves_and_persists(tmp_path: Path) -> None:
    """`togai-customers sandbox --db F --api-key K` answers over HTTP, checks the key and keeps
    the data across a restart."""
    db = str(tmp_path / "s.db")
    proc, url = start_cli("--db", db, "--api-key", "k1")
    try:
        with httpx.Client(base_url=url) as c:
            assert c.get("/customers", headers={"Authorization": "Bearer other"}).status_code == 401
            r = c.post("/customers", json=VALID, headers={"Authorization": "Bearer k1"})
            assert r.status_code == 201
            togai_id = r.json()["togaiCustomerId"]
    finally:
        err = stop(proc)
    assert "Togai sandbox on http://127.0.0.1" in err
    assert "k1" not in err
    proc, url = start_cli("--db", db)
    try:
        r = httpx.get(url + "/customers/acme", headers=AUTH)
        assert r.status_code == 200
        assert r.json()["togaiCustomerId"] == togai_id
    finally:
        stop(proc)


def test_cli_rejects_bad_db(tmp_path: Path) -> None:
    """A --db that is not a SQLite file is a one-line error with exit code 1."""
    bad = tmp_path / "x.db"
    bad.write_text("not sqlite " * 500)
    result = CliRunner().invoke(cli_app, ["sandbox", "--db", str(bad)])
    assert result.exit_code == 1
    assert "Error:" in result.stderr


def test_cli_without_server_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without uvicorn installed the command says which extra to install and exits 1."""
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(cli_app, ["sandbox"])
    assert result.exit_code == 1
    assert "pip install 'togai-customers[server]'" in result.stderr


def test_plugin_and_sandbox_import_no_server_stack() -> None:
    """Importing the sandbox and its pytest plugin loads no uvicorn, litestar or mcp."""
    code = (
        "import sys, togai_customers_server.sandbox._pytest_plugin\n"
        "print([m for m in ('uvicorn', 'litestar', 'mcp') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)
    assert out.stdout.decode().strip() == "[]"
