"""Every row of the operation table on every surface, with the row's path, method, hints and limits.

The surfaces read the table; these tests read the table too and look for each row on each surface,
so a row that one surface lacks (or shows with another path, hint or bound) fails here.
"""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import typer.main
from litestar.testing import TestClient
from mcp import Client
from typer.testing import CliRunner

from togai_customers import (
    OPERATIONS,
    AsyncTogaiCustomers,
    AsyncWithRawResponse,
    Operation,
    Param,
    TogaiCustomers,
    WithRawResponse,
)
from togai_customers._cli import app as cli_app
from togai_customers._operations import missing_rows
from togai_customers_server import ServeOptions
from togai_customers_server.mcp import create_mcp_server, instructions
from togai_customers_server.rest import create_rest_app
from togai_customers_server.sandbox import Sandbox

ROWS = pytest.mark.parametrize("op", OPERATIONS, ids=[op.name for op in OPERATIONS])
ROOT = Path(__file__).resolve().parent.parent

LIMITS = {"min_length": "minLength", "max_length": "maxLength", "minimum": "minimum"}
LIMITS["maximum"] = "maximum"


def _limits(p: Param) -> dict[str, Any]:
    """The row's limits of a parameter, as JSON Schema keywords."""
    return {key: getattr(p, attr) for attr, key in LIMITS.items() if getattr(p, attr) is not None}


@ROWS
def test_every_client_flavour_has_the_operation(op: Operation[Any]) -> None:
    """Sync, async and both raw views have the method, with the row's URL parameters."""
    clients = [TogaiCustomers("k"), AsyncTogaiCustomers("k")]
    views = [clients[0].with_raw_response, clients[1].with_raw_response]
    for cls in (TogaiCustomers, AsyncTogaiCustomers, WithRawResponse, AsyncWithRawResponse):
        assert getattr(cls, op.name).op is op, cls
    for obj in (*clients, *views):
        parameters = inspect.signature(getattr(obj, op.name)).parameters
        assert {p.name for p in op.params} <= set(parameters), type(obj)


@ROWS
def test_rest_route_and_openapi_operation(op: Operation[Any]) -> None:
    """The REST route is the row's method and path; OpenAPI shows its id, summary and limits."""
    app = create_rest_app(ServeOptions(api_key="k"))
    with TestClient(app) as client:
        document = client.get("/schema/openapi.json").json()
    operation = document["paths"][op.rest_path][op.method.lower()]
    assert (operation["operationId"], operation["summary"]) == (op.operation_id, op.summary)
    assert str(op.success_status) in operation["responses"]
    parameters = {p["name"]: p for p in operation.get("parameters", [])}
    assert set(parameters) == {p.url_name for p in op.params}
    for p in op.params:
        schema = parameters[p.url_name]["schema"]
        assert _limits(p).items() <= schema.items(), p.name
        assert parameters[p.url_name]["in"] == p.location
    if op.request_type is not None:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{op.request_type.__name__}"}


async def test_mcp_tools_are_the_rows() -> None:
    """One tool per row: the seed's name, the row's hints, guidance and parameter limits."""
    async with Client(create_mcp_server(ServeOptions(api_key="k"))) as agent:
        tools = {t.name: t for t in (await agent.list_tools()).tools}
    assert list(tools) == [op.tool_name for op in OPERATIONS]
    for op in OPERATIONS:
        tool = tools[op.tool_name]
        assert tool.annotations is not None
        hints = tool.annotations
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
            op.read_only,
            op.destructive,
            op.idempotent,
        )
        assert tool.description is not None
        assert op.guidance in tool.description
        properties = tool.input_schema["properties"]
        for p in op.params:
            assert _limits(p).items() <= properties[p.name].items(), (op.name, p.name)
        assert op.tool_name in instructions(), op.tool_name


def _command(path: str) -> Any:
    """The (typer-vendored) click command at ``path``, e.g. ``contacts create``."""
    command: Any = typer.main.get_command(cli_app)
    ctx = command.make_context("togai-customers", [], resilient_parsing=True)
    for name in path.split():  # click's get_command: commands are made when named
        command = command.get_command(ctx, name)
    return command


def _assert_cli_bounds(op: Operation[Any], param: Param) -> None:
    """The CLI refuses the integer option just outside the row's bounds, naming the bounds.

    Read from behaviour, not from the option object: where typer keeps min/max differs by version.
    """
    flag = "--" + param.name.replace("_", "-")
    ids = ["some-id" for p in op.params if p.location == "path"]
    assert param.minimum is not None
    assert param.maximum is not None
    for bound, outside in ((param.minimum, param.minimum - 1), (param.maximum, param.maximum + 1)):
        args = [*op.cli_command.split(), *ids, flag, str(outside)]
        result = CliRunner().invoke(cli_app, args, env={"TOGAI_API_KEY": "k", "COLUMNS": "200"})
        assert result.exit_code == 2, (args, result.output)
        assert flag in result.output, result.output
        assert str(bound) in result.output, result.output


@ROWS
def test_cli_command_for_the_row(op: Operation[Any]) -> None:
    """The row's CLI command exists, with its summary, arguments and bounded options."""
    command = _command(op.cli_command)
    assert command.help is not None
    assert op.summary in command.help
    params = {p.name: p for p in command.params}
    for p in op.params:
        option = params[p.name]
        kind = "argument" if p.location == "path" else "option"
        assert option.param_type_name == kind, p.name
        if p.value_type is int:
            _assert_cli_bounds(op, p)
    assert ("dry_run" in params) is (not op.read_only)
    assert ("yes" in params) is op.destructive


@ROWS
def test_sandbox_serves_the_row(op: Operation[Any]) -> None:
    """The sandbox routes the row's method and upstream path to a handler (not 404/405)."""
    path = re.sub(r"\{\w+\}", "some-id", op.path)
    with Sandbox() as sandbox:
        reply = sandbox.handle(op.method, path, headers={"Authorization": "Bearer k"}, body=b"{}")
    assert reply.status not in (405, 500), reply.body
    assert b"No such path" not in reply.body


def _readme_rows() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- operations:start -->")[1].split("<!-- operations:end -->")[0]
    lines = [line for line in block.strip().splitlines() if line.startswith("|")][2:]
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines]


def test_readme_operations_table_is_the_table() -> None:
    """The README's table of operations has one line per row, with its names and paths."""
    expected = [
        [op.name, f"{op.method} {op.path}", f"{op.method} {op.rest_path}", op.tool_name,
         op.cli_command]
        for op in OPERATIONS
    ]  # fmt: skip
    assert _readme_rows() == expected


def test_a_row_without_a_builder_or_handler_fails_at_import() -> None:
    """The registries' import-time check names the rows they lack."""
    from togai_customers._calls import _BUILDERS
    from togai_customers_server.sandbox._sandbox import _HANDLERS

    ghost = typing.cast(Operation[Any], type("Row", (), {"name": "archive_customer"})())
    for registry in (_BUILDERS, _HANDLERS):
        with pytest.raises(ImportError, match="archive_customer"):
            missing_rows(registry, "thing", (*OPERATIONS, ghost))
        missing_rows(registry, "thing", OPERATIONS)  # the real table is complete
