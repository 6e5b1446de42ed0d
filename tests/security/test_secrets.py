"""The API key (and a contact's password) never leak: logs, reprs, errors, CLI output, answers."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from mcp import Client
from typer.testing import CliRunner

from togai_customers import AsyncTogaiCustomers, TogaiCustomers, TogaiError
from togai_customers._cli import app as cli_app
from togai_customers._cli._state import CliState
from togai_customers_server._settings import ServeOptions
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, SandboxTransport, serve_in_thread

KEY = "sk_live_sec_7d41c0ffee93b2_do_not_leak"
PASSWORD = "hunter2-Pa55w0rd-secret"
# Loggers of every layer, captured at DEBUG (they propagate to the root, which caplog hears).
LOGGERS = [
    "",
    "togai_customers",
    "togai_customers_server",
    "httpx",
    "httpcore",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "litestar",
    "mcp",
    "asyncio",
]


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, captured; the test then checks no record mentions a secret."""
    previous = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in previous.items():
        logging.getLogger(name).setLevel(level)


def _record_text(record: logging.LogRecord) -> str:
    text = record.getMessage() + repr(record.args) + repr(record.__dict__.get("extra", ""))
    if record.exc_info:
        text += "".join(traceback.format_exception(*record.exc_info))
    return text


def _assert_clean(text: str) -> None:
    assert KEY not in text
    assert KEY[:16] not in text  # not even a prefix
    assert PASSWORD not in text


def _assert_logs_clean(caplog: pytest.LogCaptureFixture) -> int:
    for record in caplog.records:
        _assert_clean(_record_text(record))
    return len(caplog.records)


async def test_sdk_logs_reprs_and_errors_never_show_the_key(all_logs):
    """Successes, retries, 401/404/500s and a dead host, sync and async: the key shows nowhere."""
    with Sandbox(api_key="another-key") as wrong, Sandbox(api_key=KEY) as sandbox:
        sandbox.fail_next("500", "drop-before", "503")
        with serve_in_thread(sandbox) as url:
            client = TogaiCustomers(KEY, base_url=url, max_retries=3)
            aclient = AsyncTogaiCustomers(KEY, base_url=url, max_retries=3)
            shown = [repr(client), repr(aclient), repr(client.with_options(max_retries=1))]
            shown.append(repr(client.with_raw_response))
            client.create_customer(id="acme", name="Acme Corp", primary_email="a@a.io", address={})
            await aclient.create_customer_contact(
                "acme", name="Jane Doe", email="jane@acme.com", password=PASSWORD
            )
            errors: list[BaseException] = []
            for call in (
                lambda: client.get_customer("nobody"),
                lambda: client.create_customer(
                    id="acme", name="Acme Corp", primary_email="a@a.io", address={}
                ),
                lambda: client.create_customer_contact(
                    "acme", name="J", email="bad", password=PASSWORD
                ),
            ):
                with pytest.raises(TogaiError) as info:
                    call()
                errors.append(info.value)
            with pytest.raises(TogaiError) as info:
                await aclient.get_customer("nobody")
            errors.append(info.value)
            client.close()
            await aclient.aclose()
        with TogaiCustomers(KEY, http_client=httpx.Client(transport=SandboxTransport(wrong))) as c:
            with pytest.raises(TogaiError) as info:
                c.list_customers()
            errors.append(info.value)
        with pytest.raises(TogaiError) as info:
            TogaiCustomers(KEY, base_url="http://127.0.0.1:9", max_retries=1).get_customer("x")
        errors.append(info.value)
    for exc in errors:
        shown += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for text in shown:
        _assert_clean(text)
    assert _assert_logs_clean(all_logs) > 0  # the SDK did log its requests


def test_option_and_state_reprs_hide_secrets():
    """ServeOptions, the CLI state and a sandbox with a key: their reprs hide key and token."""
    texts = [
        repr(ServeOptions(api_key=KEY, server_token=KEY + "-token")),
        repr(CliState(api_key=KEY)),
        repr(Sandbox(api_key=KEY)),
    ]
    for text in texts:
        _assert_clean(text)


CLI_RUNS = [
    ["-v", "list"],
    ["-v", "get", "nobody"],
    ["-v", "create", "--id", "acme", "--name", "Acme Corp", "--primary-email", "a@a.io"],
    ["-v", "create", "--id", "acme", "--name", "Acme Corp", "--primary-email", "a@a.io"],
    [
        "-v",
        "--output",
        "json",
        "create",
        "--dry-run",
        "--id",
        "x1",
        "--name",
        "Dry Run",
        "--primary-email",
        "d@d.io",
    ],
    [
        "-v",
        "contacts",
        "create",
        "acme",
        "--name",
        "Jane Doe",
        "--email",
        "j@a.io",
        "--password",
        PASSWORD,
        "--dry-run",
    ],
    [
        "-v",
        "--output",
        "json",
        "contacts",
        "create",
        "acme",
        "--name",
        "Jane Doe",
        "--email",
        "j@a.io",
        "--password",
        PASSWORD,
        "--dry-run",
    ],
    [
        "-v",
        "contacts",
        "create",
        "acme",
        "--name",
        "Jane Doe",
        "--email",
        "j@a.io",
        "--password",
        PASSWORD,
    ],
    ["-v", "delete", "acme", "--yes"],
]


def test_cli_output_never_shows_the_key_or_password(all_logs):
    """Verbose runs, dry runs, successes and failures: stdout, stderr and logs stay clean."""
    with Sandbox(api_key=KEY) as sandbox, serve_in_thread(sandbox) as url:
        runner = CliRunner()
        outputs = []
        for args in CLI_RUNS:
            r = runner.invoke(cli_app, ["--base-url", url, "--api-key", KEY, *args])
            outputs.append((args, r.exit_code, r.stdout + r.stderr))
        # Unreachable upstream, verbose: the traceback is printed, the key is not.
        r = runner.invoke(
            cli_app,
            [
                "--base-url",
                "http://127.0.0.1:9",
                "--api-key",
                KEY,
                "--max-retries",
                "0",
                "-v",
                "list",
            ],
        )
        outputs.append((["unreachable"], r.exit_code, r.stdout + r.stderr))
    for args, code, text in outputs:
        assert code in (0, 1, 2), (args, code, text[-300:])
        assert "Usage:" not in text or code == 2, (args, text[-300:])
        _assert_clean(text)
    assert [code for _, code, _ in outputs[:4]] == [0, 1, 0, 1]  # the runs did what they say
    assert "<redacted>" in outputs[4][2]  # the dry run shows the header, redacted
    _assert_logs_clean(all_logs)


def test_rest_answers_and_logs_never_show_the_key(all_logs):
    """REST in both auth modes: success and error bodies and headers never carry the key."""
    with Sandbox(api_key=KEY) as sandbox:
        sandbox.fail_next("500", "500", "500")
        http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers(KEY, http_client=http, max_retries=2)
        responses = []
        with TestClient(app=create_rest_app(ServeOptions(), client=client)) as api:
            responses.append(api.get("/v1/customers"))  # 502 after three 500s
            body = {"id": "acme", "name": "Acme Corp", "primaryEmail": "a@a.io", "address": {}}
            responses.append(api.post("/v1/customers", json=body))
            responses.append(api.post("/v1/customers", json=body))  # 409
            responses.append(api.get("/v1/customers/nobody"))
            contact = {"name": "Jane", "email": "bad", "password": PASSWORD}
            responses.append(api.post("/v1/customers/acme/contacts", json=contact))
            responses.append(api.get("/schema/openapi.json"))
        forward = create_rest_app(ServeOptions(forward_auth=True), client=client)
        with TestClient(app=forward) as api:
            wrong = {"Authorization": f"Bearer {KEY}-but-wrong"}
            responses.append(api.get("/v1/customers", headers=wrong))  # upstream 401
            responses.append(api.get("/v1/customers", headers={"Authorization": f"Bearer {KEY}"}))
            responses.append(api.get("/v1/customers"))  # no key at all
    assert [r.status_code for r in responses] == [502, 201, 409, 404, 400, 200, 401, 200, 401]
    for r in responses:
        _assert_clean(r.text + json.dumps(dict(r.headers)))
    _assert_logs_clean(all_logs)


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


async def test_mcp_results_and_logs_never_show_the_key(all_logs):
    """MCP tool results, good and failed (even a refused key), never carry the key or password."""
    with Sandbox(api_key=KEY) as sandbox, Sandbox(api_key="another") as wrong:
        good = AsyncTogaiCustomers(
            KEY, http_client=httpx.AsyncClient(transport=SandboxTransport(sandbox))
        )
        bad = AsyncTogaiCustomers(
            KEY, http_client=httpx.AsyncClient(transport=SandboxTransport(wrong))
        )
        texts = []
        async with Client(create_mcp_server(client=good)) as mcp:
            for name, args in [
                (
                    "create-customer",
                    {"id": "acme", "name": "Acme Corp", "primary_email": "a@a.io", "address": {}},
                ),
                (
                    "create-contact-customer",
                    {
                        "customer_id": "acme",
                        "name": "Jane",
                        "email": "j@a.io",
                        "password": PASSWORD,
                    },
                ),
                (
                    "create-contact-customer",
                    {"customer_id": "acme", "name": "Jane", "email": "bad", "password": PASSWORD},
                ),
                ("get-customer", {"customer_id": "nobody"}),
            ]:
                result = await mcp.call_tool(name, args)
                texts.append(_text(result) + json.dumps(result.structured_content or {}))
        async with Client(create_mcp_server(client=bad)) as mcp:
            refused = await mcp.call_tool("list-customers", {})
            assert refused.is_error
            assert "refused" in _text(refused)
            texts.append(_text(refused))
    for text in texts:
        _assert_clean(text)
    _assert_logs_clean(all_logs)
