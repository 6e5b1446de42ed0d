"""A seventh operation, paginated and with a model of its own, needs its row, its model, its
builder and its sandbox handler, and nothing else.

The test copies both packages, adds a ``list_customer_contacts`` operation (``GET
/customers/{customer_id}/contacts``, paged by ``nextToken``/``pageSize``, answering a
``CustomerContactPage`` of its own) in exactly four places: a model in ``_models``, a row in
``_operations``, a builder in ``_calls``, a handler in the sandbox. Then a script against the copy
pages through a customer's contacts on the sync, async and raw clients, the REST adapter and its
OpenAPI document, the MCP server (its tool, its paging instructions) and the CLI, with no other
file touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODEL = '''

@attrs.frozen(kw_only=True)
class CustomerContactPage(Model):
    """One page of a customer's contacts."""

    data: list[CustomerContact] = field(
        default=attrs.Factory(list), description="The contacts on this page."
    )
    next_token: str | None = field(
        default=None, description="Opaque cursor for the next page; absent on the last page."
    )
'''

ROW = """
LIST_CUSTOMER_CONTACTS: Operation[CustomerContactPage] = Operation(
    name="list_customer_contacts",
    method="GET",
    path="/customers/{customer_id}/contacts",
    rest_path="/v1/customers/{customer-id}/contacts",
    request_type=None,
    response_type=CustomerContactPage,
    success_status=200,
    operation_id="getcustomercontacts",
    tool_name="list-customer-contacts",
    cli_command="contacts list",
    summary="List the Contacts of a Customer",
    description="List a customer's contacts in creation order, one page at a time.",
    guidance="Returns {data: [contact, ...], nextToken}; pass nextToken to get the next page.",
    read_only=True,
    idempotent=True,
    destructive=False,
    retry_ambiguous=True,
    path_params=(_CUSTOMER_ID,),
    query_params=(
        Param(
            name="next_token",
            wire_name="nextToken",
            location="query",
            value_type=str,
            min_length=1,
            description="Opaque cursor from a previous page's nextToken.",
        ),
        Param(
            name="page_size",
            wire_name="pageSize",
            location="query",
            value_type=int,
            minimum=1,
            maximum=100,
            default=20,
            description="Contacts per page, {minimum} to {maximum} (default {default}).",
        ),
    ),
    paging=Paging(cursor="next_token", size="page_size", items="data", next_cursor="next_token"),
    error_advice={404: _NOT_FOUND},
)

"""

BUILDER = '''
    @paged_operation(LIST_CUSTOMER_CONTACTS, item=CustomerContact)
    def list_customer_contacts(
        customer_id: str,
        *,
        page_size: int | None = None,
        next_token: str | None = None,
        max_items: int | None = None,
    ) -> Call[CustomerContactPage]:
        """List a customer's contacts; iterate for every contact."""
        return make_call(
            LIST_CUSTOMER_CONTACTS,
            customer_id=customer_id,
            page_size=page_size,
            next_token=next_token,
            max_items=max_items,
        )
'''

HANDLER = """
    @_handles("list_customer_contacts")
    def _list_customer_contacts(self, call: Call[Any]) -> Any:
        customer_id = call.path_params["customer_id"]
        self._customer(customer_id)  # 404 for an unknown customer

        def read(after: int, limit: int) -> list[tuple[int, CustomerContact]]:
            rows = self._store.page("contacts", after, limit, customer_id=customer_id)
            return [(key, CustomerContact.from_dict(doc)) for key, doc in rows]

        return self._page(call, read)

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
EMAILS = [f"p{i}@acme.com" for i in range(5)]

with Sandbox() as sandbox:
    sync = TogaiCustomers("k", http_client=httpx.Client(transport=SandboxTransport(sandbox)))
    sync.create_customer(id="c1", name="Acme Corp", primary_email="b@acme.com", address={})
    sync.create_customer(id="c2", name="Other Co", primary_email="o@other.com", address={})
    for email in EMAILS:
        sync.create_customer_contact("c1", name="Person", email=email)
    sync.create_customer_contact("c2", name="Someone else", email="x@other.com")

    first = sync.list_customer_contacts("c1", page_size=2)
    assert [c.email for c in first.data] == EMAILS[:2] and first.next_token, first
    assert [c.email for c in first] == EMAILS  # every page, in order, only c1's
    raw = sync.with_raw_response.list_customer_contacts("c1", page_size=2)
    assert type(raw.parse()).__name__ == "CustomerContactPage" and raw.parse().next_token

    async def use_async():
        http = httpx.AsyncClient(transport=SandboxTransport(sandbox))
        client = AsyncTogaiCustomers("k", http_client=http)
        got = [c.email async for c in client.list_customer_contacts("c1", page_size=2)]
        assert got == EMAILS, got
        page = await client.list_customer_contacts("c1", page_size=3)
        assert len(page.data) == 3 and (await page.next_page()).data[-1].email == EMAILS[-1]
        async with Client(create_mcp_server(client=client)) as agent:
            tools = {t.name: t for t in (await agent.list_tools()).tools}
            tool = tools["list-customer-contacts"]
            assert tool.annotations.read_only_hint
            assert "page_size" in tool.input_schema["properties"]
            assert "list-customer-contacts returns one page" in (agent.instructions or "")
            result = await agent.call_tool(
                "list-customer-contacts", {"customer_id": "c1", "page_size": 4}
            )
            assert not result.is_error, result
            assert len(result.structured_content["data"]) == 4
            token = result.structured_content["nextToken"]
            rest = await agent.call_tool(
                "list-customer-contacts", {"customer_id": "c1", "next_token": token}
            )
            assert [c["email"] for c in rest.structured_content["data"]] == EMAILS[4:]
            bad = await agent.call_tool(
                "list-customer-contacts", {"customer_id": "c1", "page_size": 0}
            )
            assert bad.is_error and "page_size" in bad.content[0].text
        return client

    client = asyncio.run(use_async())
    with TestClient(create_rest_app(ServeOptions(api_key="k"), client=client)) as rest:
        answer = rest.get("/v1/customers/c1/contacts", params={"pageSize": 2})
        assert answer.status_code == 200 and len(answer.json()["data"]) == 2, answer.text
        token = answer.json()["nextToken"]
        again = rest.get("/v1/customers/c1/contacts", params={"nextToken": token})
        assert [c["email"] for c in again.json()["data"]] == EMAILS[2:4], again.text
        assert rest.get("/v1/customers/nobody/contacts").status_code == 404
        assert rest.get("/v1/customers/c1/contacts", params={"pageSize": 0}).status_code == 400
        spec = rest.get("/schema/openapi.json").json()
        get = spec["paths"]["/v1/customers/{customer-id}/contacts"]["get"]
        assert get["operationId"] == "getcustomercontacts"
        assert {p["name"] for p in get["parameters"]} == {"customer-id", "nextToken", "pageSize"}
        assert "CustomerContactPage" in spec["components"]["schemas"]
    with serve_in_thread(sandbox) as url:
        options = ["--base-url", url, "--api-key", "k", "-o", "json"]
        every = CliRunner().invoke(cli, [*options, "contacts", "list", "c1", "--all"])
        assert every.exit_code == 0, every.output
        assert [c["email"] for c in json.loads(every.stdout)] == EMAILS, every.stdout
        one = CliRunner().invoke(cli, [*options, "contacts", "list", "c1", "--page-size", "2"])
        assert one.exit_code == 0 and len(json.loads(one.stdout)) == 2, one.output
        assert "Next token:" in one.stderr
print("seventh operation: ok")
"""


def _edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there exactly once) by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name}: {old!r} not found once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _add_import(path: Path, block: str, name: str) -> None:
    """Add ``name`` to the parenthesised ``from ... import (`` ``block`` of ``path``."""
    _edit(path, block, f"{block}    {name},\n")


def test_a_seventh_paged_operation_needs_four_places(tmp_path: Path) -> None:
    """Model, row, builder and sandbox handler are enough for every surface to serve and page
    through a new paginated operation."""
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("togai_customers", "togai_customers_server"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    sdk, server = tmp_path / "togai_customers", tmp_path / "togai_customers_server"
    models, table, calls = sdk / "_models.py", sdk / "_operations.py", sdk / "_calls.py"
    sandbox = server / "sandbox" / "_sandbox.py"
    # 1. The model.
    models.write_text(models.read_text(encoding="utf-8") + MODEL, encoding="utf-8")
    # 2. The row.
    anchor = "#: Every operation, in the seed's order."
    _edit(table, anchor, ROW + anchor)
    _edit(
        table,
        "    CREATE_CUSTOMER_CONTACT,\n)",
        "    CREATE_CUSTOMER_CONTACT,\n    LIST_CUSTOMER_CONTACTS,\n)",
    )
    _add_import(table, "from ._models import (\n", "CustomerContactPage")
    # 3. The builder.
    _edit(calls, "\n\n_BUILDERS = ", BUILDER + "\n\n_BUILDERS = ")
    _add_import(calls, "from ._operations import (\n", "LIST_CUSTOMER_CONTACTS")
    _add_import(calls, "from ._models import (\n", "CustomerContactPage")
    # 4. The sandbox handler.
    _edit(sandbox, "    def _generate_username", HANDLER + "    def _generate_username")
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
