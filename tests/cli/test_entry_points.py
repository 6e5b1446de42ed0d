"""`togai-customers --help` stays light; `python -m togai_customers` and completion work."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
from typer.testing import CliRunner
from togai_customers._cli import app
HEAVY = {{"litestar", "mcp", "uvicorn", "togai_customers_server", "starlette", "msgspec"}}
for args in {calls!r}:
    result = CliRunner().invoke(app, args)
    heavy = sorted({{m.split(".")[0] for m in sys.modules}} & HEAVY)
    print(json.dumps([args, result.exit_code, heavy]))
"""


def _probe(*calls: list[str]) -> list[tuple[list[str], int, list[str]]]:
    """Each call of the CLI in turn, in one fresh interpreter: (args, exit code, the heavy
    modules loaded so far)."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(calls=list(calls))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return [tuple(json.loads(line)) for line in out.splitlines()]  # type: ignore[misc]


def test_help_imports_no_server_code():
    """--help (top level and per command) loads no server framework nor togai_customers_server."""
    calls = (["--help"], ["create", "--help"], ["import", "--help"], ["sandbox", "--help"])
    assert _probe(*calls) == [(args, 0, []) for args in calls]


def test_python_m_runs_the_cli(run_module):
    """`python -m togai_customers` is the same CLI."""
    r = run_module("--help")
    assert r.returncode == 0
    for command in ("create", "list", "get", "update", "delete", "contacts", "import", "export"):
        assert command in r.stdout


def test_python_m_dry_run_prints_json_when_piped(run_module):
    """Piped stdout defaults to JSON; a dry run needs neither key nor network."""
    r = run_module("--base-url", "http://127.0.0.1:9", "get", "--help")
    assert r.returncode == 0
    r = run_module("--base-url", "http://127.0.0.1:9", "delete", "c1", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["url"] == "http://127.0.0.1:9/customers/c1"


def test_shell_completion_is_offered(run_module):
    """Typer's completion options are there, and the script for bash can be shown."""
    r = run_module("--help")
    assert "--install-completion" in r.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "togai_customers", "--show-completion", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0
    assert "complete" in shown.stdout
