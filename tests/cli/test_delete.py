"""`delete` asks on a terminal and refuses without --yes when stdin is not one."""

from __future__ import annotations

import pytest

from togai_customers import NotFoundError


@pytest.mark.parametrize(("answer", "deleted"), [("y", True), ("n", False)])
def test_confirmation_on_a_terminal(
    togai_sandbox_url, api, api_key, make_customer, on_terminal, answer, deleted
):
    """On a terminal `delete` asks; only "y" deletes, anything else aborts with exit 1."""
    make_customer("c1")
    code, seen = on_terminal(
        ["--base-url", togai_sandbox_url, "--api-key", api_key, "delete", "c1"], answer
    )
    assert "Delete customer c1? This cannot be undone. [y/N]" in seen
    if deleted:
        assert code == 0, seen
        assert "Field" in seen  # a terminal gets the table, not JSON
        assert "true" in seen
        with pytest.raises(NotFoundError):
            api.get_customer("c1")
    else:
        assert code == 1, seen
        assert "Aborted" in seen
        assert api.get_customer("c1").id == "c1"


def test_refuses_without_yes_off_terminal(cli, api, make_customer, togai_sandbox):
    """Without a terminal and without --yes nothing is deleted and the CLI exits 2."""
    make_customer("c1")
    before = len(togai_sandbox.requests)
    r = cli("delete", "c1", input="y\n")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: refusing to delete customer c1 without --yes (stdin is not a terminal)\n"
    )
    assert len(togai_sandbox.requests) == before
    assert api.get_customer("c1").id == "c1"


def test_delete_missing_customer(cli):
    """Deleting an unknown id is the API's 404 line, exit 1."""
    r = cli("delete", "ghost", "--yes")
    assert r.exit_code == 1
    assert r.stderr == "Error: 404 Not Found: Customer with id ghost not found\n"
