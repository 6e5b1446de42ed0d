"""A seventh operation needs its row, its builder and its sandbox handler, and nothing else.

The test copies both packages, adds an ``archive_customer`` operation in exactly three places (a
row in ``_operations``, a builder in ``_calls``, a handler in the sandbox), and runs a script
against the copy: the new operation works on the sync, async and raw clients, the REST adapter and
its OpenAPI document, the MCP server and the CLI, with no other file touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROW = """
ARCHIVE_CUSTOMER: Operation[Customer] = Operation(
    name="archive_customer",
    method="POST",
    path="/customers/{customer_id}/archive",
    rest_path="/v1/customers/{customer-id}/archive",
    request_type=None,
    response_type=Customer,
    success_status=200,
    operation_id="archivecustomer",
    tool_name="archive-customer",
    cli_command="archive",
    summary="Archive a Customer",
    description="Archive a customer: it stays, with the status ARCHIVED.",
    guidance="Returns the archived customer.",
    read_only=False,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    path_params=(_CUSTOMER_ID,),
    error_advice={404: _NOT_FOUND},
)

"""

BUILDER = '''
    @operation(ARCHIVE_CUSTOMER)
    def archive_customer(customer_id: str) -> Call[Customer]:
        """Archive a customer."""
        return make_call(ARCHIVE_CUSTOMER, customer_id=customer_id)
'''

HANDLER = """
    @_handles(ARCHIVE_CUSTOMER)
    def _archive_customer(self, params: Params, _: None) -> Customer:
        archived = lambda doc: {**doc, "status": "ARCHIVED"}  # noqa: E731
        doc = self._store.modify_customer(params["customer_id"], archived)
        if doc is None:
            raise _not_found(params["customer_id"])
        return Customer.from_dict(doc)

"""

CHECK = """
import asyncio, json
import httpx
from litestar.testing import TestClient
from mcp import Client
from typer.testing import CliRunner

import togai_customers
from togai_customers import AsyncTogaiCustomers, TogaiCustomers
from togai_customers._cli import app as cli
from togai_customers_server import ServeOptions
from togai_customers_server.mcp import create_mcp_server
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox, SandboxTransport, serve_in_thread

assert togai_customers.__file__.startswith(COPY), togai_customers.__file__
NEW = dict(name="Acme Corp", primary_email="b@acme.com", address={})

with Sandbox() as sandbox:
    sync = TogaiCustomers("k", http_client=httpx.Client(transport=SandboxTransport(sandbox)))
    for i in range(5):
        sync.create_customer(id=f"c{i}", **NEW)
    assert sync.archive_customer("c0").status == "ARCHIVED"
    assert sync.with_raw_response.archive_customer("c1").parse().status == "ARCHIVED"

    async def use_async():
        http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers("k", http_client=http)
        assert (await client.archive_customer("c2")).status == "ARCHIVED"
        async with Client(create_mcp_server(client=client)) as agent:
            names = [t.name for t in (await agent.list_tools()).tools]
            assert "archive-customer" in names, names
            result = await agent.call_tool("archive-customer", {"customer_id": "c3"})
            assert not result.is_error and result.structured_content["status"] == "ARCHIVED"
        return client

    client = asyncio.run(use_async())
    with TestClient(create_rest_app(ServeOptions(api_key="k"), client=client)) as rest:
        answer = rest.post("/v1/customers/c4/archive")
        assert answer.status_code == 200 and answer.json()["status"] == "ARCHIVED", answer.text
        spec = rest.get("/schema/openapi.json").json()
        assert spec["paths"]["/v1/customers/{customer-id}/archive"]["post"]["operationId"] == (
            "archivecustomer"
        )
    with serve_in_thread(sandbox) as url:
        options = ["--base-url", url, "--api-key", "k", "-o", "json"]
        dry = CliRunner().invoke(cli, [*options, "archive", "c0", "--dry-run"])
        shown = json.loads(dry.stdout)
        assert shown["url"] == url + "/customers/c0/archive", dry.output
        done = CliRunner().invoke(cli, [*options, "archive", "c1"])
        assert done.exit_code == 0 and json.loads(done.stdout)["status"] == "ARCHIVED", done.output
print("seventh operation: ok")
"""


def _edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there exactly once) by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: {old!r} not found once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_seventh_operation_needs_three_places(tmp_path: Path) -> None:
    """Row, builder and sandbox handler are enough for every surface to serve a new operation."""
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("togai_customers", "togai_customers_server"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    sdk, server = tmp_path / "togai_customers", tmp_path / "togai_customers_server"
    table, calls, sandbox = (
        sdk / "_operations.py",
        sdk / "_calls.py",
        server / "sandbox" / "_sandbox.py",
    )
    anchor = "#: Every operation, in the seed's order."
    _edit(table, anchor, ROW + anchor)
    _edit(
        table,
        "    CREATE_CUSTOMER_CONTACT,\n)",
        "    CREATE_CUSTOMER_CONTACT,\n    ARCHIVE_CUSTOMER,\n)",
    )
    _edit(calls, "\n\n_BUILDERS = ", BUILDER + "\n\n_BUILDERS = ")
    _edit(
        calls, "from ._operations import (\n", "from ._operations import (\n    ARCHIVE_CUSTOMER,\n"
    )
    _edit(sandbox, "    def _generate_username", HANDLER + "    def _generate_username")
    imports = "from togai_customers._operations import (\n"
    _edit(sandbox, imports, imports + "    ARCHIVE_CUSTOMER,\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    script = f"COPY = {str(tmp_path)!r}\n" + textwrap.dedent(CHECK)
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,  # the script's first sys.path entry: the copy, not this checkout
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("seventh operation: ok")
