"""The habits of a good CLI: --version, output flags after the command, tables that fit the
terminal, no spinner left behind, no `<bool>` in help, and an address update that keeps the rest."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from typing import Any

import pyte
import pytest
import typer.main
from typer.testing import CliRunner

from togai_customers import __version__
from togai_customers._cli import app

from .conftest import KEY

FULL_ADDRESS = {
    "line1": "1 Main St",
    "line2": "Suite 5",
    "postal_code": "0150",
    "city": "Oslo",
    "state": "Oslo",
    "country": "NO",
    "phone_number": "+47 22 00 00 00",
}


def test_version() -> None:
    """--version prints the package version and exits 0."""
    r = CliRunner().invoke(app, ["--version"])
    assert (r.exit_code, r.stdout) == (0, f"togai-customers {__version__}\n")


def test_output_flags_after_the_command(cli, make_customer, tmp_path) -> None:
    """-o/--output (and -v) work after the command, as before it; after wins."""
    make_customer("acme")
    r = cli("get", "acme", "-o", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["id"] == "acme"
    r = cli("-o", "csv", "list", "--output", "jsonl")
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == ["acme"]
    r = cli("get", "acme", "-v", "-o", "json")
    assert "GET /customers/acme -> 200" in r.stderr
    path = tmp_path / "rows.csv"
    path.write_text("id,name,primary_email\nnew1,New Co,n@x.io\n")
    r = cli("import", str(path), "-o", "json")
    assert json.loads(r.stdout)["created"] == 1


def _at_width(url: str, width: int, *args: str) -> str:
    r = CliRunner().invoke(
        app,
        ["--base-url", url, "--api-key", KEY, "-o", "table", *args],
        env={"COLUMNS": str(width)},
    )
    assert r.exit_code == 0, r.output
    return r.stdout


def test_tables_fit_80_columns(togai_sandbox_url, make_customer) -> None:
    """At 80 columns no line of `list` or `get` is longer than 80; the key columns are shown."""
    for i in range(3):
        make_customer(f"customer-with-a-long-id-{i}", **FULL_ADDRESS)
    for args in (("list",), ("get", "customer-with-a-long-id-0")):
        out = _at_width(togai_sandbox_url, 80, *args)
        assert max(len(line) for line in out.splitlines()) <= 80, out
    listing = _at_width(togai_sandbox_url, 80, "list")
    assert "customer-with-a-long-id-2" in listing
    assert "primary_email" in listing
    assert "togai_customer_id" not in listing  # dropped first, when space runs out


def test_wide_shows_every_column_and_timestamps_do_not_wrap(togai_sandbox_url, make_customer):
    """--wide shows every column; at 160 columns each timestamp stays on one line."""
    make_customer("acme", **FULL_ADDRESS)
    out = _at_width(togai_sandbox_url, 160, "list", "--wide")
    for name in ("togai_customer_id", "billing_address", "created_at", "updated_at"):
        assert name in out
    stamp = json.loads(
        CliRunner()
        .invoke(
            app, ["--base-url", togai_sandbox_url, "--api-key", KEY, "-o", "json", "get", "acme"]
        )
        .stdout
    )["createdAt"]
    assert stamp in out


def _iter_commands(group: Any, prefix: tuple[str, ...] = ()) -> Any:
    yield prefix
    if not hasattr(group, "list_commands"):
        return
    ctx = group.make_context("togai-customers", [], resilient_parsing=True)
    for name in group.list_commands(ctx):  # click's API: commands are made when named
        yield from _iter_commands(group.get_command(ctx, name), (*prefix, name))


def test_help_shows_no_bool_type() -> None:
    """No help screen shows `<bool>` for a plain flag (--help, --dry-run, --yes...)."""
    root = typer.main.get_command(app)
    paths = list(_iter_commands(root))
    assert len(paths) > 10
    for path in paths:
        r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
        assert r.exit_code == 0, path
        assert "<bool>" not in r.stdout, path


def _screen_after(args: list[str], width: int = 100, height: int = 40) -> list[str]:
    """Run the CLI on a pseudo-terminal and return the lines a person would see at the end."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGAI_")}
    env.update(COLUMNS=str(width), LINES=str(height), TERM="xterm-256color")
    proc = subprocess.Popen(
        [sys.executable, "-m", "togai_customers", *args],
        stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    screen = pyte.Screen(width, height)
    stream = pyte.ByteStream(screen)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                stream.feed(chunk)
            elif proc.poll() is not None:
                break
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return [line.rstrip() for line in screen.display]


def test_list_all_leaves_no_spinner_behind(togai_sandbox_url, make_customer) -> None:
    """On a terminal, `list --all` ends with the table alone: no spinner frame, no progress text."""
    for i in range(25):
        make_customer(f"c{i:02d}")
    lines = _screen_after(
        ["--base-url", togai_sandbox_url, "--api-key", KEY, "list", "--all", "--page-size", "10"],
        height=200,
    )
    text = "\n".join(lines)
    assert "Fetching" not in text
    assert "c24" in text
    assert lines[0] == "Customers", lines[:3]  # the title, alone on the first line


def test_update_merges_the_address(cli, api, make_customer, togai_sandbox) -> None:
    """`update --city X` keeps the rest of the stored address (read first, then one PATCH)."""
    make_customer("acme", **FULL_ADDRESS)
    before = len(togai_sandbox.requests)
    r = cli("update", "acme", "--city", "Bergen")
    assert r.exit_code == 0, r.output
    address = api.get_customer("acme").address
    assert address.city == "Bergen"
    assert (address.line1, address.postal_code, address.phone_number) == (
        "1 Main St",
        "0150",
        "+47 22 00 00 00",
    )
    sent = [(q.method, q.path) for q in togai_sandbox.requests[before:-1]]
    assert sent == [("GET", "/customers/acme"), ("PATCH", "/customers/acme")]


def test_update_dry_run_says_the_address_will_be_merged(cli, make_customer, togai_sandbox):
    """--dry-run sends nothing (no read either) and says the stored address would be merged."""
    make_customer("acme", **FULL_ADDRESS)
    before = len(togai_sandbox.requests)
    r = cli("update", "acme", "--city", "Bergen", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "merged" in r.stderr
    assert len(togai_sandbox.requests) == before


def test_update_help_says_the_address_is_merged() -> None:
    """update's help says Togai replaces the whole address and the CLI merges into it."""
    r = CliRunner().invoke(app, ["update", "--help"], env={"COLUMNS": "200"})
    assert "merged into the stored address" in " ".join(r.stdout.split())


@pytest.mark.parametrize("flag", ["--output", "-o"])
def test_bad_output_value_is_a_usage_error(cli, flag) -> None:
    """An unknown format after the command is refused with exit 2, naming the choices."""
    r = cli("list", flag, "yaml")
    assert r.exit_code == 2
    assert "table" in r.output
