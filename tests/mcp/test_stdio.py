"""``togai-customers mcp --stdio`` as a desktop client starts it: a subprocess on stdin/stdout."""

from __future__ import annotations

import sys

from mcp import Client, StdioServerParameters
from typer.testing import CliRunner

from togai_customers._cli import app
from togai_customers_server.sandbox import Sandbox

from ._mcp_support import customer_args, ok


async def test_stdio_against_a_sandbox_url(togai_sandbox_url: str, togai_sandbox: Sandbox) -> None:
    """Global --base-url/--api-key reach the tools; a customer created lands in that sandbox."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "togai_customers", "--base-url", togai_sandbox_url, "--api-key", "test",
              "mcp", "--stdio"],
    )  # fmt: skip
    async with Client(params) as agent:
        assert len((await agent.list_tools()).tools) == 6
        ok(await agent.call_tool("create-customer", customer_args("stdio-1")))
        page = ok(await agent.call_tool("list-customers", {}))
    assert [c["id"] for c in page["data"]] == ["stdio-1"]
    assert [r.path for r in togai_sandbox.requests if r.method == "POST"] == ["/customers"]


async def test_stdio_with_the_in_process_sandbox_needs_no_key() -> None:
    """``mcp --stdio --sandbox`` works with no account, key or network."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "togai_customers", "mcp", "--stdio", "--sandbox"]
    )
    async with Client(params) as agent:
        ok(await agent.call_tool("create-customer", customer_args("local-1")))
        got = ok(await agent.call_tool("get-customer", {"customer_id": "local-1"}))
    assert got["name"] == "Customer local-1"


def test_stdio_without_a_key_exits_with_a_message() -> None:
    """No key and no --sandbox: exit 1 naming both ways out, before speaking MCP."""
    result = CliRunner().invoke(app, ["mcp", "--stdio"], env={"TOGAI_API_KEY": None})
    assert result.exit_code == 1
    assert "TOGAI_API_KEY" in result.stderr
    assert "--sandbox" in result.stderr
