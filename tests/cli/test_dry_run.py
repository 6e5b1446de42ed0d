"""--dry-run prints the exact request (key and password redacted) and sends nothing."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize(
    ("args", "method", "path", "body"),
    [
        (
            ["create", "--id", "c1", "--name", "Acme", "--email", "a@acme.io", "--country", "FR"],
            "POST",
            "/customers",
            {"id": "c1", "name": "Acme", "primaryEmail": "a@acme.io", "address": {"country": "FR"}},
        ),
        (
            ["update", "c 1/x", "--email", "new@acme.io"],
            "PATCH",
            "/customers/c%201%2Fx",
            {"primaryEmail": "new@acme.io"},
        ),
        (["delete", "c1"], "DELETE", "/customers/c1", None),
        (
            [
                "contacts",
                "create",
                "c1",
                "--name",
                "Jane",
                "--email",
                "j@acme.io",
                "--password",
                "hunter2-secret",
            ],
            "POST",
            "/customers/c1/contacts",
            {"name": "Jane", "email": "j@acme.io", "password": "<redacted>"},
        ),
    ],
)
def test_dry_run_json(cli, togai_sandbox, togai_sandbox_url, api_key, args, method, path, body):
    """The JSON form has method, URL, headers (key redacted) and the body the SDK built."""
    r = cli("-o", "json", *args, "--dry-run")
    assert r.exit_code == 0, r.output
    shown = json.loads(r.stdout)
    assert (shown["method"], shown["url"], shown["body"]) == (
        method,
        togai_sandbox_url + path,
        body,
    )
    assert shown["headers"]["authorization"] == "Bearer <redacted>"
    assert api_key not in r.output
    assert "hunter2-secret" not in r.output
    assert r.stderr == "Dry run: nothing was sent.\n"
    assert togai_sandbox.requests == []


def test_dry_run_text(cli, togai_sandbox, togai_sandbox_url):
    """On a terminal (table format) the request is printed as text: request line, headers, body."""
    r = cli("-o", "table", "update", "c1", "--name", "New Name", "--city", "Lyon", "--dry-run")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == f"PATCH {togai_sandbox_url}/customers/c1"
    assert "authorization: Bearer <redacted>" in lines
    body = json.loads(r.stdout.split("\n\n", 1)[1])
    assert body == {"name": "New Name", "address": {"city": "Lyon"}}
    assert togai_sandbox.requests == []


def test_dry_run_without_key(togai_sandbox_url, togai_sandbox):
    """A dry run needs no API key (there is nothing to authenticate)."""
    from typer.testing import CliRunner

    from togai_customers._cli import app

    r = CliRunner().invoke(
        app, ["--base-url", togai_sandbox_url, "-o", "json", "delete", "c1", "--dry-run"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["method"] == "DELETE"
    assert togai_sandbox.requests == []


def test_dry_run_delete_needs_no_confirmation(cli, make_customer, api):
    """`delete --dry-run` neither asks nor deletes."""
    make_customer("c1")
    r = cli("delete", "c1", "--dry-run")
    assert r.exit_code == 0, r.output
    assert api.get_customer("c1").id == "c1"
