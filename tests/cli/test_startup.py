"""Start-up: a command imports what it needs only (checked in a fresh interpreter's sys.modules)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import KEY

#: What ``--version``, ``--help`` and completion never need.
HEAVY = ("httpx", "cattrs", "rich", "litestar", "mcp", "togai_customers_server")

#: Runs the CLI as its console script does, then prints the top-level modules loaded.
_PROBE = """
import json, sys
sys.argv = ["togai-customers", *json.loads(sys.argv[1])]
from togai_customers._cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def _probe(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """Run the CLI with ``args`` in a fresh interpreter: (its stdout, the modules it loaded)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TOGAI_", "_TOGAI"))}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=60,
        check=True,
    )
    out, _, modules = done.stdout.rpartition("\nMODULES ")
    return out, set(json.loads(modules))


def _loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["get", "--help"], ["contacts", "create", "--help"]]
)
def test_version_and_help_import_no_http_nor_output_stack(args):
    """--version and --help (the root's, a command's, a sub-command's) load none of httpx,
    cattrs, rich, litestar, mcp nor the servers."""
    out, modules = _probe(*args)
    assert "togai-customers" in out or "Usage:" in out
    assert [name for name in HEAVY if _loaded(modules, name)] == []


def test_version_is_answered_without_typer():
    """--version alone prints the version before Typer is imported."""
    out, modules = _probe("--version")
    assert out.startswith("togai-customers ")
    assert not _loaded(modules, "typer")


def test_get_imports_httpx_but_no_bulk_sync_or_server(togai_sandbox_url, make_customer):
    """A command that talks to Togai loads httpx, and not the bulk, sync or server modules."""
    make_customer("c1")
    out, modules = _probe(
        "get", "c1", "-o", "json", env={"TOGAI_BASE_URL": togai_sandbox_url, "TOGAI_API_KEY": KEY}
    )
    assert json.loads(out)["id"] == "c1"
    assert _loaded(modules, "httpx")
    loaded = [
        m
        for m in (
            "togai_customers._cli._bulk",
            "togai_customers._cli._sync",
            "togai_customers_server",
        )
        if _loaded(modules, m)
    ]
    assert loaded == []


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("togai-customers g", 1, {"get"}),
        ("togai-customers de", 1, {"delete"}),
        ("togai-customers get --i", 2, {"--ids-from"}),
        ("togai-customers contacts ", 2, {"create"}),
        ("togai-customers --out", 1, {"--output"}),
    ],
)
def test_completion_of_names_sends_nothing(words, cword, expected):
    """Typer's bash completion protocol completes command and option names with a base URL
    nothing listens on and no key: nothing that could connect (httpx) is even imported."""
    env = {
        "_TOGAI_CUSTOMERS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
        "TOGAI_BASE_URL": "http://192.0.2.1:9",  # TEST-NET-1: never routed
    }
    out, modules = _probe(env=env)
    assert set(out.split()) == expected
    assert [name for name in HEAVY if _loaded(modules, name)] == []
