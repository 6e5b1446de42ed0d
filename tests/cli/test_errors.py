"""Errors: one line on stderr, exit 1 (request failed) or 2 (bad input); the key never shows."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from togai_customers._cli import app


def test_not_found_is_one_line_exit_1(cli):
    """A 404 prints exactly the issue's line on stderr and exits 1, with no traceback."""
    r = cli("get", "c9")
    assert r.exit_code == 1
    assert r.stderr == "Error: 404 Not Found: Customer with id c9 not found\n"
    assert r.stdout == ""


def test_conflict_on_create(cli, make_customer):
    """Creating an existing id fails with the API's 409 message."""
    make_customer("c1")
    r = cli("create", "--id", "c1", "--name", "Again Inc", "--email", "x@y.io")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: 409 Conflict: ")
    assert len(r.stderr.splitlines()) == 1


def test_verbose_shows_traceback_and_request_log(cli):
    """-v adds the traceback and the SDK's request log; the error line stays last."""
    r = cli("-v", "get", "c9")
    assert r.exit_code == 1
    assert "Traceback (most recent call last)" in r.stderr
    assert "GET /customers/c9 -> 404" in r.stderr
    assert r.stderr.splitlines()[-1] == "Error: 404 Not Found: Customer with id c9 not found"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["create", "--id", "c1", "--name", "Ab", "--email", "a@b.io"],
            "Error: Invalid request: --name: must be at least 3 characters (got 2)",
        ),
        (
            ["contacts", "create", "c1", "--name", "Jo", "--email", "not-an-email"],
            "Error: Invalid request: --email: does not match the pattern ^\\S+@\\S+\\.\\S+$",
        ),
        (
            ["create", "--id", "c1", "--name", "Acme", "--email", "a@b.io", "--account-id", "a1"],
            "Error: Invalid request: --account-name: field required",
        ),
        (
            ["create", "--name", "Acme"],
            "Error: Invalid request: --id: field required; --primary-email: field required",
        ),
    ],
)
def test_invalid_fields_are_named_by_option_exit_2(cli, togai_sandbox, args, message):
    """A field the SDK rejects is named by its option; exit 2 and nothing is sent."""
    r = cli(*args)
    assert r.exit_code == 2
    assert r.stderr.strip() == message
    assert togai_sandbox.requests == []


def test_usage_error_exits_2(cli):
    """An unknown option or a bad --output value is a usage error (exit 2)."""
    assert cli("get", "c1", "--bogus").exit_code == 2
    assert cli("-o", "yaml", "get", "c1").exit_code == 2


def test_missing_api_key_exit_2(togai_sandbox_url):
    """Without --api-key or TOGAI_API_KEY the CLI says how to give one (exit 2)."""
    r = CliRunner().invoke(app, ["--base-url", togai_sandbox_url, "get", "c1"])
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: No Togai API key: pass --api-key, or set the TOGAI_API_KEY environment variable.\n"
    )


def test_api_key_from_environment(togai_sandbox_url, api_key, make_customer):
    """TOGAI_API_KEY and TOGAI_BASE_URL configure the CLI."""
    make_customer("c1")
    r = CliRunner().invoke(
        app, ["get", "c1"], env={"TOGAI_API_KEY": api_key, "TOGAI_BASE_URL": togai_sandbox_url}
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["id"] == "c1"


def test_connection_error_exit_1():
    """An unreachable API is one error line and exit 1 (no retries wait in tests)."""
    r = CliRunner().invoke(
        app,
        ["--base-url", "http://127.0.0.1:9", "--api-key", "k", "--max-retries", "0", "get", "c1"],
    )
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: Connection error: ")
    assert len(r.stderr.splitlines()) == 1


def test_wrong_key_is_401_and_not_printed(togai_sandbox_url):
    """A rejected key gives the 401 line; neither the key nor its tail is printed, even with -v."""
    wrong = "sk-wrong-key-7f7f7f7f"
    r = CliRunner().invoke(
        app, ["--base-url", togai_sandbox_url, "--api-key", wrong, "-v", "get", "c1"]
    )
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1].startswith("Error: 401 Unauthorized")
    assert wrong not in r.output
    assert "7f7f7f7f" not in r.output


@pytest.mark.parametrize(
    "args",
    [
        ["-v", "get", "nope"],
        ["-v", "-o", "table", "get", "c1"],
        ["-v", "-o", "json", "list", "--all"],
        ["-v", "create", "--id", "c2", "--name", "Acme", "--email", "a@b.io", "--dry-run"],
        ["-v", "-o", "table", "update", "c1", "--name", "Acme Two", "--dry-run"],
        ["-v", "delete", "c1", "--dry-run"],
        ["-v", "create", "--id", "c1", "--name", "Acme", "--email", "a@b.io"],
        ["-v", "export"],
    ],
)
def test_api_key_never_printed(cli, make_customer, api_key, args):
    """The key appears in no output: results, errors, tracebacks, logs or dry runs."""
    make_customer("c1")
    r = cli(*args)
    assert r.exit_code in (0, 1), r.output
    assert api_key not in r.output
    assert r.output  # something was printed


@pytest.mark.parametrize(
    "args",
    [["list"], ["create", "--id", "c1", "--name", "Acme", "--email", "a@b.io", "--dry-run"]],
)
def test_a_base_url_without_a_scheme_is_a_usage_error(tmp_path, args):
    """`--base-url 127.0.0.1:4010` (or the same in TOGAI_BASE_URL) is bad input: one line,
    exit 2, before any request; the same for a bulk run."""
    r = CliRunner().invoke(app, ["--base-url", "127.0.0.1:4010", "--api-key", "k", *args])
    assert r.exit_code == 2, r.output
    assert r.stderr == (
        "Error: base_url must start with http:// or https:// (got '127.0.0.1:4010')\n"
    )
    source = tmp_path / "in.csv"
    source.write_text("id,name,primary_email\nc1,One Inc,one@x.io\n")
    r = CliRunner().invoke(
        app, ["import", str(source)], env={"TOGAI_BASE_URL": "localhost:4010", "TOGAI_API_KEY": "k"}
    )
    assert r.exit_code == 2, r.output
    assert "base_url must start with http:// or https://" in r.stderr
    assert list(tmp_path.iterdir()) == [source]


@pytest.fixture
def rest_adapter_url(togai_sandbox_url):
    """This project's REST adapter over HTTP, on the test's sandbox: its root URL."""
    from togai_customers import AsyncTogaiCustomers
    from togai_customers_server._settings import ServeOptions
    from togai_customers_server.rest import create_rest_app
    from togai_customers_server.sandbox._server import serve_app_in_thread

    from .conftest import KEY

    upstream = AsyncTogaiCustomers(KEY, base_url=togai_sandbox_url)
    with serve_app_in_thread(create_rest_app(ServeOptions(), client=upstream)) as url:
        yield url


def test_the_rest_adapter_root_gets_a_hint(rest_adapter_url, tmp_path):
    """Pointed at the REST adapter's root instead of its /v1, the CLI's 404 says so and names
    the base URL to use (list, sync, import: the import stops at the first create); with it,
    the same commands work."""
    from .conftest import run_cli

    hint = f"(this looks like a togai-customers REST adapter: use {rest_adapter_url}/v1 as the"
    r = run_cli(rest_adapter_url, "list")
    assert r.exit_code == 1
    assert r.stderr == f"Error: 404 Not Found: Not Found {hint} base URL)\n"
    source = tmp_path / "in.csv"
    source.write_text("id,name,primary_email\nc1,One Inc,one@x.io\nc2,Two Inc,two@x.io\n")
    for command in (["sync", str(source), "--yes"], ["import", str(source)]):
        r = run_cli(rest_adapter_url, "-o", "json", *command, "--concurrency", "1")
        assert r.exit_code == 1, r.output
        assert r.stderr.splitlines()[-1] == f"Error: 404 Not Found: Not Found {hint} base URL)"
    assert list(tmp_path.iterdir()) == [source]  # nothing finished: no journal kept
    r = run_cli(rest_adapter_url + "/v1", "-o", "json", "import", str(source))
    assert r.exit_code == 0, r.output
    listed = json.loads(run_cli(rest_adapter_url + "/v1", "list").stdout)
    assert sorted(c["id"] for c in listed) == ["c1", "c2"]


def test_no_hint_where_it_is_not_the_rest_adapter(togai_sandbox_url):
    """A 404 of Togai itself (a missing customer), or of a base URL with a wrong path that is
    not the REST adapter's root: the error alone."""
    from .conftest import run_cli

    assert run_cli(togai_sandbox_url, "get", "c9").stderr == (
        "Error: 404 Not Found: Customer with id c9 not found\n"
    )
    r = run_cli(togai_sandbox_url + "/api", "list")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: 404 Not Found")
    assert "REST adapter" not in r.stderr
