"""`get`, `update` and `delete` of several ids (arguments or --ids-from) in one process."""

from __future__ import annotations

import json

import pytest

from togai_customers import NotFoundError

from .conftest import run_cli


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_get_several_with_one_missing(cli, make_customer):
    """Each found id prints one JSON line, in the order given; the missing one is an error line
    naming it, and the exit code is 1."""
    for i in (1, 2, 3):
        make_customer(f"c{i}")
    r = cli("get", "c1", "ghost", "c2", "c3", "-o", "json")
    assert r.exit_code == 1
    assert [d["id"] for d in _lines(r.stdout)] == ["c1", "c2", "c3"]
    assert "Error: ghost: 404 Not Found: Customer with id ghost not found" in r.stderr
    assert "1 of 4 failed." in r.stderr


def test_get_all_found_exits_0(cli, make_customer):
    """Several ids that all exist: one JSON Lines line each (-o jsonl too), exit 0."""
    make_customer("c1")
    make_customer("c2")
    r = cli("get", "c1", "c2", "-o", "jsonl")
    assert r.exit_code == 0, r.stderr
    assert [d["name"] for d in _lines(r.stdout)] == ["Customer c1", "Customer c2"]
    assert r.stderr == ""


def test_single_id_keeps_its_output(cli, make_customer):
    """One id is today's command: one indented JSON document, not a JSON Lines line."""
    make_customer("c1")
    r = cli("get", "c1", "-o", "json")
    assert r.exit_code == 0
    assert r.stdout.startswith("{\n")
    assert json.loads(r.stdout)["id"] == "c1"


def test_ids_from_stdin(cli, make_customer):
    """--ids-from - reads one id a line from stdin (blank lines skipped)."""
    make_customer("c1")
    make_customer("c2")
    r = cli("get", "--ids-from", "-", "-o", "csv", input="c1\n\n  c2  \n")
    assert r.exit_code == 0, r.stderr
    rows = r.stdout.splitlines()
    assert rows[0].startswith("id,")
    assert [row.split(",")[0] for row in rows[1:]] == ["c1", "c2"]


def test_ids_from_file_and_arguments(cli, make_customer, tmp_path):
    """--ids-from FILE adds its ids after the arguments."""
    for i in (1, 2, 3):
        make_customer(f"c{i}")
    ids = tmp_path / "ids.txt"
    ids.write_text("c2\nc3\n", encoding="utf-8")
    r = cli("get", "c1", "--ids-from", str(ids), "-o", "json")
    assert r.exit_code == 0, r.stderr
    assert [d["id"] for d in _lines(r.stdout)] == ["c1", "c2", "c3"]


def test_no_id_is_a_usage_error(cli):
    """Neither an id nor --ids-from: exit 2, saying what is missing."""
    r = cli("get")
    assert r.exit_code == 2
    assert "CUSTOMER_ID or --ids-from" in r.stderr


def test_update_several_applies_the_same_change(cli, api, make_customer):
    """The same options change each id; the missing one fails with its id, exit 1."""
    make_customer("c1", city="Lyon", country="FR")
    make_customer("c2", city="Oslo", country="NO")
    r = cli("update", "c1", "ghost", "c2", "--name", "Renamed Ltd", "--city", "Paris", "-o", "json")
    assert r.exit_code == 1
    assert [d["id"] for d in _lines(r.stdout)] == ["c1", "c2"]
    assert "Error: ghost: 404 Not Found" in r.stderr
    for cid, country in (("c1", "FR"), ("c2", "NO")):
        customer = api.get_customer(cid)
        assert customer.name == "Renamed Ltd"
        # Togai replaces the whole address: the stored parts of each are kept (read first).
        assert (customer.address.city, customer.address.country) == ("Paris", country)


def test_update_several_dry_run_shows_every_request(recorded):
    """--dry-run prints one request per id (a JSON line each with -o json) and sends nothing."""
    url, seen = recorded
    r = run_cli(url, "update", "a1", "a2", "a3", "--name", "New Name", "--dry-run", "-o", "json")
    assert r.exit_code == 0, r.stderr
    shown = _lines(r.stdout)
    assert [s["url"].rsplit("/", 1)[1] for s in shown] == ["a1", "a2", "a3"]
    assert {s["method"] for s in shown} == {"PATCH"}
    assert all(s["body"] == {"name": "New Name"} for s in shown)
    assert "Dry run: nothing was sent (3 requests)." in r.stderr
    assert seen == []


def test_bad_id_is_refused_before_anything_is_sent(recorded):
    """An id the API would reject (over 50 characters) is exit 2, naming it, nothing sent."""
    url, seen = recorded
    long_id = "x" * 51
    r = run_cli(url, "get", "ok1", long_id, "-o", "json")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: {long_id}: ")
    assert seen == []


def test_delete_several_with_yes(cli, api, make_customer):
    """--yes deletes each id; a missing one is its error line and exit 1, the others go."""
    make_customer("c1")
    make_customer("c2")
    r = cli("delete", "c1", "ghost", "c2", "--yes", "-o", "json")
    assert r.exit_code == 1
    assert len(_lines(r.stdout)) == 2
    assert "Error: ghost: 404 Not Found" in r.stderr
    for cid in ("c1", "c2"):
        with pytest.raises(NotFoundError):
            api.get_customer(cid)


def test_delete_several_refuses_without_yes_off_terminal(cli, api, make_customer, togai_sandbox):
    """Off a terminal, several deletes without --yes are refused with the count; none sent."""
    make_customer("c1")
    make_customer("c2")
    before = len(togai_sandbox.requests)
    r = cli("delete", "--ids-from", "-", input="c1\nc2\n")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: refusing to delete 2 customers without --yes (stdin is not a terminal)\n"
    )
    assert len(togai_sandbox.requests) == before
    assert api.get_customer("c1").id == "c1"


@pytest.mark.parametrize(("answer", "deleted"), [("y", True), ("n", False)])
def test_delete_several_asks_once_on_a_terminal(
    togai_sandbox_url, api, api_key, make_customer, on_terminal, answer, deleted
):
    """On a terminal one question names the count; "y" deletes all, anything else none."""
    make_customer("c1")
    make_customer("c2")
    code, seen = on_terminal(
        ["--base-url", togai_sandbox_url, "--api-key", api_key, "delete", "c1", "c2"], answer
    )
    assert seen.count("[y/N]") == 1
    assert "Delete 2 customers? This cannot be undone. [y/N]" in seen
    if deleted:
        assert code == 0, seen
        for cid in ("c1", "c2"):
            with pytest.raises(NotFoundError):
                api.get_customer(cid)
    else:
        assert code == 1, seen
        assert "Aborted" in seen
        assert api.get_customer("c1").id == "c1"
        assert api.get_customer("c2").id == "c2"


def test_ids_and_body_cannot_both_come_from_stdin(cli):
    """--ids-from - with --from-json - is refused (exit 2): stdin can be read once."""
    r = cli("update", "--ids-from", "-", "--from-json", "-", input="c1\n")
    assert r.exit_code == 2
    assert "cannot both read stdin" in r.stderr
