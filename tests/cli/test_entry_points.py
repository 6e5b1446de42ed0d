"""`togai-customers --help` stays light; `python -m togai_customers` and completion work."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import sys
from typer.testing import CliRunner
from togai_customers._cli import app
result = CliRunner().invoke(app, {args!r})
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"litestar", "mcp", "uvicorn",
               "togai_customers_server", "starlette", "msgspec"}})
print(result.exit_code, ",".join(heavy))
"""


def _probe(*args: str) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    return int(out[0]), (out[1] if len(out) > 1 else "")


def test_help_imports_no_server_code():
    """--help (top level and per command) loads no server framework nor togai_customers_server."""
    for args in (["--help"], ["create", "--help"], ["import", "--help"], ["sandbox", "--help"]):
        code, heavy = _probe(*args)
        assert (code, heavy) == (0, ""), args


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
