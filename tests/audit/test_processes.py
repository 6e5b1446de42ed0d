"""Audit lines of real ``togai-customers serve`` processes sharing one file: concurrent writes,
SIGTERM under load, and no secret anywhere in the lines."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from _server_support import cli_process, free_ports, stop, wait_until_listening
from litestar.testing import TestClient
from mcp import Client

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._audit import AUDIT_LOGGER, fingerprint
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._audit_support import lines_of

API_KEY = "togai-API-KEY-0f3e9d2c1b0a99887766"
TOKENS = ["server-token-A-6b1f0d9e8c7a6b5c4d3e", "server-token-B-9a8b7c6d5e4f3a2b1c0d"]
PASSWORD = "Contact-Pa55word-7c1e2d3f"
FORWARDED_KEY = "forwarded-KEY-5e4d3c2b1a0f9e8d7c6b"


@contextmanager
def _serving(upstream: str, audit_file: Path, tokens: list[str]) -> Iterator[list[int]]:
    """One ``serve --no-mcp`` process per token (REST only), all appending to ``audit_file``;
    yields their REST ports."""
    with ExitStack() as stack:
        procs = []
        for token in tokens:
            (port,) = free_ports(1)
            args = ["--base-url", upstream, "serve", "--no-mcp", "--rest-port", str(port)]
            env = {
                "TOGAI_API_KEY": API_KEY,
                "TOGAI_SERVER_TOKEN": token,
                "TOGAI_AUDIT_LOG": str(audit_file),
            }
            procs.append((stack.enter_context(cli_process(*args, env=env)), port))
        for proc, port in procs:
            wait_until_listening(port, proc)
        yield [port for _, port in procs]
        for proc, _ in procs:
            code, out, err, _ = stop(proc)
            assert code == 0, err
            for secret in (API_KEY, *TOKENS):
                assert secret not in out + err


def _text_and_mode(path: Path) -> tuple[str, int]:
    """The file's text and permission bits."""
    return path.read_text("utf-8"), path.stat().st_mode & 0o777


def _customer(customer_id: str) -> dict[str, Any]:
    return {"id": customer_id, "name": "Acme", "primaryEmail": "b@acme.com", "address": {}}


async def _post(
    http: httpx.AsyncClient, port: int, token: str, path: str, body: dict[str, Any]
) -> httpx.Response:
    return await http.post(
        f"http://127.0.0.1:{port}{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


async def test_two_processes_200_concurrent_writes_one_file(
    togai_sandbox_url: str, audit_file: Path
) -> None:
    """200 creates at once, half through each process (different server tokens), then contacts
    with passwords: one parseable line per write, each naming its process's caller; no API
    key, token or password in the file."""
    with _serving(togai_sandbox_url, audit_file, TOKENS) as ports:
        # 200 requests in flight at once, over 64 connections (200 new connections at once on
        # a loaded 2-core machine overflowed the listen backlog: resets, not the test's point).
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:
            answers = await asyncio.gather(
                *(
                    _post(http, ports[i % 2], TOKENS[i % 2], "/v1/customers", _customer(f"c{i}"))
                    for i in range(200)
                )
            )
            contacts = await asyncio.gather(
                *(
                    _post(
                        http,
                        ports[i % 2],
                        TOKENS[i % 2],
                        f"/v1/customers/c{i}/contacts",
                        {"name": "Jane", "email": f"jane{i}@acme.com", "password": PASSWORD},
                    )
                    for i in range(10)
                )
            )
    assert [a.status_code for a in answers] == [201] * 200
    assert [a.status_code for a in contacts] == [201] * 10
    lines = lines_of(audit_file)  # every line parses: none torn or interleaved
    assert len(lines) == 210
    creates = {x["target"]: x for x in lines if x["operation"] == "create_customer"}
    assert sorted(creates) == sorted(f"c{i}" for i in range(200))
    for i in range(200):
        line = creates[f"c{i}"]
        assert line["outcome"] == "done"
        assert line["caller"] == {"kind": "server-token", "fingerprint": fingerprint(TOKENS[i % 2])}
    text, mode = _text_and_mode(audit_file)
    for secret in (API_KEY, *TOKENS, PASSWORD):
        assert secret not in text
    assert mode == 0o600


async def test_sigterm_under_load_loses_no_answered_write(
    togai_sandbox_url: str, togai_sandbox: Sandbox, audit_file: Path
) -> None:
    """SIGTERM while 80 writes are in flight (the upstream is slow): every write that got an
    answer has its line, and every line parses."""
    togai_sandbox.latency_ms = 300
    with ExitStack() as stack:
        (port,) = free_ports(1)
        args = ["--base-url", togai_sandbox_url, "serve", "--no-mcp", "--rest-port", str(port)]
        env = {"TOGAI_API_KEY": API_KEY, "TOGAI_AUDIT_LOG": str(audit_file)}
        proc = stack.enter_context(cli_process(*args, env=env))
        wait_until_listening(port, proc)
        async with httpx.AsyncClient(
            timeout=30.0, limits=httpx.Limits(max_connections=100)
        ) as http:

            async def write(i: int) -> httpx.Response | None:
                await asyncio.sleep(i * 0.005)  # spread out: some before, some after SIGTERM
                try:
                    return await http.post(
                        f"http://127.0.0.1:{port}/v1/customers", json=_customer(f"t{i}")
                    )
                except httpx.HTTPError:
                    return None  # refused or cut: no answer

            tasks = [asyncio.create_task(write(i)) for i in range(80)]
            await asyncio.sleep(0.25)
            proc.send_signal(signal.SIGTERM)
            answers = await asyncio.gather(*tasks)
        _, err = proc.communicate(timeout=15)  # one SIGTERM: it stops by itself
    answered = {f"t{i}" for i, a in enumerate(answers) if a is not None}
    assert answered, "no write was answered: the test did not exercise anything"
    recorded = {x["target"] for x in lines_of(audit_file)}
    assert answered <= recorded
    assert proc.returncode == 0, err


async def test_no_secret_in_any_line_or_log_record(
    togai_sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Forwarded keys, server tokens, the API key and contact passwords: none in the file nor
    in the logger's records, whatever the outcome (done, refused, failed)."""
    audit_file = tmp_path / "audit.jsonl"
    http = httpx.AsyncClient(transport=SandboxTransport(togai_sandbox))
    client = AsyncTogaiCustomers(api_key=API_KEY, http_client=http, max_retries=0)
    contact = {"name": "Jane", "email": "jane@acme.com", "password": PASSWORD}
    with caplog.at_level(logging.DEBUG):
        for path in (str(audit_file), None):  # the file, then the logger
            forward = ServeOptions(forward_auth=True, audit_log=path)
            with TestClient(app=create_rest_app(forward, client=client)) as rest:
                auth = {"Authorization": f"Bearer {FORWARDED_KEY}"}
                rest.post("/v1/customers", json=_customer("s1"), headers=auth)
                rest.post("/v1/customers/s1/contacts", json=contact, headers=auth)
                rest.post("/v1/customers/nobody/contacts", json=contact, headers=auth)
                rest.post("/v1/customers/s1/contacts", json={**contact, "email": 5}, headers=auth)
            guarded = ServeOptions(server_token=TOKENS[0], audit_log=path)
            async with Client(create_mcp_server(guarded, client=client)) as agent:
                arguments = {"customer_id": "s1", "name": "J", "email": "j2@acme.com"}
                await agent.call_tool(
                    "create-contact-customer", {**arguments, "password": PASSWORD}
                )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    audit_records = [r for r in caplog.records if r.name == AUDIT_LOGGER]
    assert len(audit_records) == 5
    assert len(lines_of(audit_file)) == 5
    for secret in (API_KEY, FORWARDED_KEY, *TOKENS, PASSWORD):
        assert secret not in _text_and_mode(audit_file)[0]
        assert secret not in logged
