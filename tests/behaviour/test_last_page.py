"""Togai "at times" returns a nextToken on the last page, then an empty page without one: every
surface treats that as the normal end (the sandbox does it whenever the last page is full)."""

from __future__ import annotations

import json
from pathlib import Path

from _sdk_support import collect, resolve

from .conftest import Surfaces


async def test_sdk_iteration_ends_on_the_empty_page(surfaces: Surfaces, flavour: str) -> None:
    """40 customers at 20 a page: three requests (the last page empty), 40 customers, no error."""
    ids = surfaces.seed(40)
    client = surfaces.sync if flavour == "sync" else surfaces.async_
    mark = surfaces.mark()
    assert [c.id for c in await collect(client, page_size=20)] == ids
    assert len(surfaces.since(mark)) == 3
    second = await resolve(client.list_customers(page_size=20, next_token=_token(surfaces, 1)))
    assert second.next_token is not None  # the full last page still has one...
    last = await resolve(client.list_customers(next_token=second.next_token))
    assert (last.data, last.next_token, last.has_next_page()) == ([], None, False)  # ...to nothing


def _token(surfaces: Surfaces, pages: int) -> str:
    """The nextToken after ``pages`` pages of 20."""
    token = None
    for _ in range(pages):
        page = surfaces.sync.list_customers(page_size=20, next_token=token)
        token = page.next_token
    assert token is not None
    return token


def test_cli_list_all_and_export_end_cleanly(surfaces: Surfaces, tmp_path: Path) -> None:
    """list --all and export give the 40 customers, exit 0, and print no next token."""
    ids = surfaces.seed(40)
    r = surfaces.cli("-o", "json", "list", "--all", "--page-size", "20")
    assert r.exit_code == 0, r.output
    assert [c["id"] for c in json.loads(r.stdout)] == ids
    assert "Next token" not in r.stderr
    table = surfaces.cli("-o", "table", "list", "--all", "--page-size", "20")
    assert table.exit_code == 0
    assert all(customer_id in table.stdout for customer_id in ids)
    out = tmp_path / "all.jsonl"
    r = surfaces.cli("export", "-f", str(out))
    assert r.exit_code == 0, r.output
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids


def test_cli_shows_the_empty_last_page_as_no_customers(surfaces: Surfaces) -> None:
    """The page after the last full one: "No customers." in a table, [] in JSON, no token."""
    surfaces.seed(40)
    token = _token(surfaces, 2)
    r = surfaces.cli("-o", "table", "list", "--next-token", token)
    assert (r.exit_code, r.stdout, r.stderr) == (0, "No customers.\n", "")
    r = surfaces.cli("-o", "json", "list", "--next-token", token)
    assert (r.exit_code, json.loads(r.stdout), r.stderr) == (0, [], "")


def test_rest_pages_end_with_an_empty_page(surfaces: Surfaces) -> None:
    """GET /v1/customers page by page: 20, 20, then an empty page without nextToken."""
    surfaces.seed(40)
    sizes, params = [], {"pageSize": 20}
    while True:
        page = surfaces.rest.get("/v1/customers", params=params).json()
        sizes.append(len(page["data"]))
        if "nextToken" not in page:
            break
        params = {"nextToken": page["nextToken"]}
    assert sizes == [20, 20, 0]


async def test_mcp_paging_loop_ends_on_the_empty_page(surfaces: Surfaces) -> None:
    """An agent's paging loop gets 20, 20, then an empty page: a success, without nextToken."""
    ids = surfaces.seed(40)
    seen: list[str] = []
    async with surfaces.mcp() as agent:
        tools = {t.name: t for t in (await agent.list_tools()).tools}
        assert "normal end" in (tools["list-customers"].description or "")
        arguments: dict[str, object] = {"page_size": 20}
        for _ in range(5):
            result = await agent.call_tool("list-customers", arguments)
            assert not result.is_error
            page = result.structured_content
            assert page is not None
            seen += [c["id"] for c in page["data"]]
            if "nextToken" not in page:
                break
            arguments = {"next_token": page["nextToken"]}
    assert seen == ids
    assert page["data"] == []
