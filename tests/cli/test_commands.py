"""Every API command, in every output format, against the sandbox over HTTP."""

from __future__ import annotations

import csv
import io
import json

import pytest

from togai_customers import NotFoundError
from togai_customers._operations import OPERATIONS


def test_create_with_flat_options(cli, api):
    """Flat options (with the --email alias and address options) create the customer."""
    r = cli(
        "create", "--id", "acme", "--name", "Acme Corp", "--email", "billing@acme.com",
        "--line1", "1 Main St", "--city", "Paris", "--country", "FR",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["togaiCustomerId"]
    customer = api.get_customer("acme")
    assert (customer.name, customer.primary_email) == ("Acme Corp", "billing@acme.com")
    assert (customer.address.line1, customer.address.city, customer.address.country) == (
        "1 Main St",
        "Paris",
        "FR",
    )


def test_create_with_account_options(cli):
    """--account-id/--account-name/--invoice-currency create the first account too."""
    r = cli(
        "create", "--id", "beta", "--name", "Beta Inc", "--primary-email", "b@beta.io",
        "--account-id", "beta-main", "--account-name", "Main account", "--invoice-currency", "EUR",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    account = json.loads(r.stdout)["account"]
    assert (account["id"], account["name"], account["invoiceCurrency"]) == (
        "beta-main",
        "Main account",
        "EUR",
    )


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_create_from_json(cli, api, tmp_path, source):
    """--from-json takes the camelCase request body from a file or from stdin (-)."""
    body = {
        "id": "gamma",
        "name": "Gamma LLC",
        "primaryEmail": "g@gamma.io",
        "address": {"postalCode": "75001", "country": "FR"},
    }
    if source == "file":
        path = tmp_path / "body.json"
        path.write_text(json.dumps(body))
        r = cli("create", "--from-json", str(path))
    else:
        r = cli("create", "--from-json", "-", input=json.dumps(body))
    assert r.exit_code == 0, r.output
    assert api.get_customer("gamma").address.postal_code == "75001"


def test_create_from_json_names_bad_field(cli, api, tmp_path):
    """A bad --from-json body is rejected with its camelCase field named; nothing is created."""
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"id": "d1", "name": "Dx", "primaryEmail": "d@x.io", "address": {}}))
    r = cli("create", "--from-json", str(path))
    assert r.exit_code == 2
    assert r.stderr.strip() == "Error: Invalid request: name: must be at least 3 characters (got 2)"
    with pytest.raises(NotFoundError):
        api.get_customer("d1")


def test_get_json_is_the_api_form(cli, make_customer):
    """`get` prints the customer as the API returns it (camelCase JSON) when piped."""
    make_customer("c1", city="Oslo")
    r = cli("get", "c1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["id"], data["primaryEmail"], data["address"]) == (
        "c1",
        "c1@example.com",
        {"city": "Oslo"},
    )


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_get_in_every_format(cli, make_customer, fmt):
    """`get` renders one customer as a field table, JSON, one JSON line or a CSV row."""
    make_customer("c1", city="Oslo")
    r = cli("--output", fmt, "get", "c1")
    assert r.exit_code == 0, r.output
    if fmt == "table":
        assert "primary_email" in r.stdout
        assert "c1@example.com" in r.stdout
        assert "Oslo" in r.stdout
    elif fmt == "csv":
        (row,) = csv.DictReader(io.StringIO(r.stdout))
        assert (row["id"], row["city"], row["line1"]) == ("c1", "Oslo", "")
    else:
        lines = r.stdout.strip().splitlines()
        assert len(lines) == 1 if fmt == "jsonl" else lines[1].startswith('  "id"')
        assert json.loads(r.stdout)["address"] == {"city": "Oslo"}


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_list_in_every_format(cli, make_customer, fmt):
    """`list` prints one page of customers in each format."""
    for i in range(3):
        make_customer(f"c{i}")
    r = cli("-o", fmt, "list")
    assert r.exit_code == 0, r.output
    if fmt == "table":
        assert all(f"c{i}@example.com" in r.stdout for i in range(3))
    elif fmt == "json":
        assert [c["id"] for c in json.loads(r.stdout)] == ["c0", "c1", "c2"]
    elif fmt == "jsonl":
        assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == ["c0", "c1", "c2"]
    else:
        assert [row["id"] for row in csv.DictReader(io.StringIO(r.stdout))] == ["c0", "c1", "c2"]
    assert "Next token" not in r.stderr


def test_list_prints_next_token_and_resumes(cli, make_customer):
    """One page prints the next token on stderr; --next-token resumes from it."""
    for i in range(5):
        make_customer(f"c{i}")
    first = cli("-o", "jsonl", "list", "--page-size", "2")
    assert [json.loads(line)["id"] for line in first.stdout.splitlines()] == ["c0", "c1"]
    token = first.stderr.strip().removeprefix("Next token: ")
    assert token
    assert token != first.stderr.strip()
    second = cli("-o", "jsonl", "list", "--page-size", "2", "--next-token", token)
    assert [json.loads(line)["id"] for line in second.stdout.splitlines()] == ["c2", "c3"]


def test_list_all_follows_every_page(cli, make_customer):
    """--all follows the pages to the end and prints no token."""
    for i in range(7):
        make_customer(f"c{i}")
    r = cli("-o", "json", "list", "--all", "--page-size", "3")
    assert r.exit_code == 0, r.output
    assert [c["id"] for c in json.loads(r.stdout)] == [f"c{i}" for i in range(7)]
    assert "Next token" not in r.stderr


def test_list_max_items(cli, make_customer):
    """--max-items stops after that many customers, across pages."""
    for i in range(7):
        make_customer(f"c{i}")
    r = cli("-o", "jsonl", "list", "--max-items", "5", "--page-size", "2")
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == [f"c{i}" for i in range(5)]


def test_list_page_size_limits_come_from_the_table(cli):
    """--page-size outside the table's bounds is a usage error (exit 2)."""
    (page_size,) = [q for q in OPERATIONS[1].query_params if q.name == "page_size"]
    assert page_size.maximum is not None
    r = cli("list", "--page-size", str(page_size.maximum + 1))
    assert r.exit_code == 2


def test_update_changes_given_fields(cli, api, make_customer):
    """`update` sends only the given fields; address options replace the address."""
    make_customer("c1", city="Oslo", country="NO")
    r = cli("update", "c1", "--name", "Renamed Co", "--city", "Bergen")
    assert r.exit_code == 0, r.output
    customer = api.get_customer("c1")
    assert (customer.name, customer.primary_email) == ("Renamed Co", "c1@example.com")
    assert customer.address.city == "Bergen"


def test_update_without_fields_is_a_usage_error(cli, make_customer):
    """`update ID` with nothing to change exits 2 and lists the options."""
    make_customer("c1")
    r = cli("update", "c1")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: nothing to change: give at least one of --name")


def test_delete_with_yes(cli, api, make_customer):
    """`delete --yes` deletes without asking."""
    make_customer("c1")
    r = cli("delete", "c1", "--yes")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"success": True}
    with pytest.raises(NotFoundError):
        api.get_customer("c1")


def test_contacts_create(cli, make_customer, togai_sandbox):
    """`contacts create` adds a contact; boolean flags and the phone are sent."""
    make_customer("c1")
    r = cli(
        "contacts", "create", "c1", "--name", "Jane Doe", "--email", "jane@acme.com",
        "--phone", "+33 1 23", "--preferred-username", "janedoe", "--login-access", "--no-verified",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    contact = json.loads(r.stdout)
    assert (contact["username"], contact["loginAccess"], contact["verified"]) == (
        "janedoe",
        True,
        False,
    )
    assert contact["phone"] == "+33 1 23"
    assert [(q.method, q.path) for q in togai_sandbox.requests][-1] == (
        "POST",
        "/customers/c1/contacts",
    )


def test_contacts_create_requires_name_and_email(cli):
    """The contact's required fields are required options (exit 2)."""
    r = cli("contacts", "create", "c1", "--name", "Jane")
    assert r.exit_code == 2
    assert "--email" in r.output


def test_help_comes_from_the_operation_table(cli):
    """Each command's help shows its operation's summary and description."""
    by_name = {op.name: op for op in OPERATIONS}
    for command, name in [
        ("create", "create_customer"),
        ("list", "list_customers"),
        ("get", "get_customer"),
        ("update", "update_customer"),
        ("delete", "delete_customer"),
        ("contacts create", "create_customer_contact"),
    ]:
        r = cli(*command.split(), "--help")
        text = " ".join(r.stdout.split())
        assert by_name[name].summary in text
        assert by_name[name].description in text
