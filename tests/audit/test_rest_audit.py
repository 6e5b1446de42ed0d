"""The REST adapter's audit trail: one line per write, whatever became of it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _server_support import asgi_in_thread
from litestar.testing import TestClient

from togai_customers import AsyncTogaiCustomers
from togai_customers_server._audit import AUDIT_LOGGER, fingerprint
from togai_customers_server._settings import ServeOptions
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, SandboxTransport

from ._audit_support import ISSUER, OAuthStandIn, lines_of

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _customer(customer_id: str = "acme", **extra: Any) -> dict[str, Any]:
    return {"id": customer_id, "name": "Acme", "primaryEmail": "b@acme.com", "address": {}, **extra}


def _contact() -> dict[str, Any]:
    return {"name": "Jane", "email": "jane@acme.com", "password": "Contact-Pa55word!"}


def _client(sandbox: Sandbox, api_key: str = "test") -> AsyncTogaiCustomers:
    http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
    return AsyncTogaiCustomers(api_key=api_key, http_client=http, max_retries=0)


@pytest.fixture
def rest(togai_sandbox: Sandbox, audit_file: Path) -> Iterator[TestClient[Any]]:
    """The REST app on the sandbox, open on loopback, auditing into ``audit_file``."""
    app = create_rest_app(ServeOptions(audit_log=str(audit_file)), client=_client(togai_sandbox))
    with TestClient(app=app) as client:
        yield client


def test_each_write_kind_gives_one_line_and_reads_none(
    rest: TestClient[Any], togai_sandbox: Sandbox, audit_file: Path
) -> None:
    """Create, update, add contact and delete: one 'done' line each with Togai's request id;
    list and get write nothing."""
    answers = [
        rest.post("/v1/customers", json=_customer()),
        rest.patch("/v1/customers/acme", json={"name": "Acme 2"}),
        rest.post("/v1/customers/acme/contacts", json=_contact()),
        rest.delete("/v1/customers/acme"),
    ]
    rest.get("/v1/customers")
    rest.get("/v1/customers/nobody")
    assert [a.status_code for a in answers] == [201, 200, 201, 200]
    lines = lines_of(audit_file)
    assert [(x["operation"], x["target"]) for x in lines] == [
        ("create_customer", "acme"),
        ("update_customer", "acme"),
        ("create_customer_contact", "jane@acme.com"),
        ("delete_customer", "acme"),
    ]
    for line, answer in zip(lines, answers, strict=True):
        assert TIME.fullmatch(line["time"])
        assert line["surface"] == "rest"
        assert line["caller"] == {"kind": "open"}
        assert (line["outcome"], line["error"], line["status"]) == (
            "done",
            None,
            answer.status_code,
        )
        assert line["request_id"] == answer.headers["x-request-id"]
        assert line["request_id"].startswith("req_")
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
    assert [x["confirmation"] for x in lines] == [None, None, None, "not_asked"]


def test_refused_failed_and_lost_writes(
    rest: TestClient[Any], togai_sandbox: Sandbox, audit_file: Path
) -> None:
    """A validation refusal (nothing sent), Togai's 404 and 409, and a dropped connection."""
    bad = rest.post("/v1/customers", json=_customer("x" * 51))
    missing = rest.patch("/v1/customers/nobody", json={"name": "Nobody Inc"})
    rest.post("/v1/customers", json=_customer("dup"))
    conflict = rest.post("/v1/customers", json=_customer("dup"))
    togai_sandbox.fail_next("drop-before")
    dropped = rest.delete("/v1/customers/dup")
    assert [a.status_code for a in (bad, missing, conflict, dropped)] == [400, 404, 409, 502]
    outcomes = [
        (x["operation"], x["target"], x["outcome"], x["error"], x["status"], x["request_id"])
        for x in lines_of(audit_file)
    ]
    assert outcomes == [
        ("create_customer", "x" * 51, "refused", "validation", 400, None),
        ("update_customer", "nobody", "failed", "not_found", 404, missing.headers["x-request-id"]),
        ("create_customer", "dup", "done", None, 201, outcomes[2][5]),
        ("create_customer", "dup", "failed", "conflict", 409, conflict.headers["x-request-id"]),
        ("delete_customer", "dup", "lost", "connection", None, None),
    ]


def test_a_timeout_is_lost(audit_file: Path) -> None:
    """Togai never answered: 'lost' with 'timeout' (it may or may not have happened)."""

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    client = AsyncTogaiCustomers(api_key="test", http_client=http, max_retries=0)
    app = create_rest_app(ServeOptions(audit_log=str(audit_file)), client=client)
    with TestClient(app=app) as rest:
        assert rest.post("/v1/customers", json=_customer()).status_code == 504
    (line,) = lines_of(audit_file)
    assert (line["outcome"], line["error"], line["status"]) == ("lost", "timeout", None)


def test_read_only_refusal_names_the_target(togai_sandbox: Sandbox, audit_file: Path) -> None:
    """--read-only: each write route is refused with 403 before routing, and recorded with the
    id it named (from the path, or the body of a create); nothing reaches Togai."""
    options = ServeOptions(audit_log=str(audit_file), read_only=True)
    app = create_rest_app(options, client=_client(togai_sandbox))
    with TestClient(app=app) as rest:
        answers = [
            rest.post("/v1/customers", json=_customer("ro-1")),
            rest.delete("/v1/customers/a%2Fb"),
            rest.post("/v1/customers/ro-1/contacts", json=_contact()),
            rest.post("/v1/nowhere", json={}),  # no write route: nothing to record
        ]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert [
        (x["operation"], x["target"], x["outcome"], x["error"], x["status"], x["confirmation"])
        for x in lines_of(audit_file)
    ] == [
        ("create_customer", "ro-1", "refused", "read_only", 403, None),
        ("delete_customer", "a/b", "refused", "read_only", 403, "not_asked"),
        ("create_customer_contact", "jane@acme.com", "refused", "read_only", 403, None),
    ]
    assert togai_sandbox.requests == []


@pytest.mark.parametrize("mode", ["server-token", "forward-auth"])
def test_a_bearer_caller_is_a_stable_fingerprint(
    togai_sandbox: Sandbox, audit_file: Path, mode: str
) -> None:
    """Server token and forward-auth: the caller's kind plus the credential's fingerprint (the
    same in every process); a request without a credential gets 401 and no line."""
    secret = f"{mode}-Sekr3t-value-0123456789"
    if mode == "server-token":
        options = ServeOptions(audit_log=str(audit_file), server_token=secret)
    else:
        options = ServeOptions(audit_log=str(audit_file), forward_auth=True)
    app = create_rest_app(options, client=_client(togai_sandbox))
    with TestClient(app=app) as rest:
        assert rest.post("/v1/customers", json=_customer()).status_code == 401
        auth = {"Authorization": f"Bearer {secret}"}
        assert rest.post("/v1/customers", json=_customer(), headers=auth).status_code == 201
    (line,) = lines_of(audit_file)
    assert line["caller"] == {"kind": mode, "fingerprint": fingerprint(secret)}
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", line["caller"]["fingerprint"])
    assert secret not in audit_file.read_text()


def test_an_oauth_caller_is_issuer_subject_and_client(
    togai_sandbox: Sandbox, audit_file: Path
) -> None:
    """Behind the OAuth layer (a test stand-in here) the caller is the token's iss, sub and
    client_id, over real HTTP."""
    app = create_rest_app(ServeOptions(audit_log=str(audit_file)), client=_client(togai_sandbox))
    with asgi_in_thread(OAuthStandIn(app, sub="alice", client_id="agent-7")) as url:
        answer = httpx.post(f"{url}/v1/customers", json=_customer(), timeout=10)
    assert answer.status_code == 201
    (line,) = lines_of(audit_file)
    assert line["caller"] == {
        "kind": "oauth",
        "iss": ISSUER,
        "sub": "alice",
        "client_id": "agent-7",
    }


def test_without_a_file_the_lines_go_to_the_logger(
    togai_sandbox: Sandbox, caplog: pytest.LogCaptureFixture, audit_file: Path
) -> None:
    """No --audit-log: each line is an INFO record of togai_customers.audit, and no file."""
    app = create_rest_app(ServeOptions(), client=_client(togai_sandbox))
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER), TestClient(app=app) as rest:
        rest.post("/v1/customers", json=_customer("via-log"))
        rest.get("/v1/customers")
    records = [r for r in caplog.records if r.name == AUDIT_LOGGER]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert '"target": "via-log"' in records[0].getMessage()
    assert '"outcome": "done"' in records[0].getMessage()
    assert not audit_file.exists()
