"""Togai serves up to 100 customers per page (default 20); every surface takes 100, none takes 101,
and walking everything asks for 100 per page unless the caller chose a size."""

from __future__ import annotations

import json
import math

import pytest
from _sdk_support import collect, resolve

from togai_customers import RequestValidationError
from togai_customers._operations import LIST_CUSTOMERS

from .conftest import Surfaces

SIZE = LIST_CUSTOMERS.param("page_size")


def test_the_row_says_what_togai_documents() -> None:
    """pageSize 1..100, default 20 ("Togai supports up to 100 results per page")."""
    assert (SIZE.minimum, SIZE.maximum, SIZE.default) == (1, 100, 20)


async def test_sdk_takes_page_size_100(surfaces: Surfaces, flavour: str) -> None:
    """list_customers(page_size=100) returns 100 customers in one request; 101 is refused."""
    surfaces.seed(120)
    client = surfaces.sync if flavour == "sync" else surfaces.async_
    mark = surfaces.mark()
    page = await resolve(client.list_customers(page_size=100))
    assert len(page.data) == 100
    assert [r.path for r in surfaces.since(mark)] == ["/customers"]
    with pytest.raises(RequestValidationError, match="page_size"):
        await resolve(client.list_customers(page_size=101))


def test_cli_rest_and_mcp_take_page_size_100(surfaces: Surfaces) -> None:
    """--page-size 100, ?pageSize=100 and page_size=100 each return 100 customers."""
    surfaces.seed(120)
    r = surfaces.cli("-o", "json", "list", "--page-size", "100")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)) == 100
    assert surfaces.cli("list", "--page-size", "101").exit_code == 2
    answer = surfaces.rest.get("/v1/customers", params={"pageSize": 100})
    assert len(answer.json()["data"]) == 100
    assert surfaces.rest.get("/v1/customers", params={"pageSize": 101}).status_code == 400


async def test_mcp_takes_page_size_100(surfaces: Surfaces) -> None:
    """list-customers with page_size 100 returns 100; 101 is an error result."""
    surfaces.seed(120)
    async with surfaces.mcp() as agent:
        ok = await agent.call_tool("list-customers", {"page_size": 100})
        assert not ok.is_error
        assert ok.structured_content is not None
        assert len(ok.structured_content["data"]) == 100
        refused = await agent.call_tool("list-customers", {"page_size": 101})
        assert refused.is_error


def _expected_requests(total: int, first: int) -> int:
    """Pages of a walk: the first page of ``first``, then pages of 100; a full last page is
    followed by one empty page (keyset paging)."""
    rest = total - first
    return 1 + math.ceil(rest / SIZE.maximum) + (1 if rest % SIZE.maximum == 0 else 0)


async def test_walking_1000_customers_asks_for_100_per_page(surfaces: Surfaces) -> None:
    """Sync iteration: the first page at the server's default, then 100s; async iteration and
    --all: 100s from the first page (11 requests for 1,000, not 50 at the default size)."""
    ids = surfaces.seed(1000)
    mark = surfaces.mark()
    assert [c.id for c in surfaces.sync.list_customers()] == ids
    walked = surfaces.since(mark)
    assert len(walked) == _expected_requests(1000, SIZE.default or 0) == 11
    assert "pageSize" not in walked[0].query
    assert all("pageSize=100" in r.query for r in walked[1:])

    mark = surfaces.mark()
    assert [c.id for c in await collect(surfaces.async_)] == ids
    assert len(surfaces.since(mark)) == _expected_requests(1000, 100) == 11

    mark = surfaces.mark()
    r = surfaces.cli("-o", "jsonl", "list", "--all")
    assert len(r.stdout.splitlines()) == 1000
    assert len(surfaces.since(mark)) == 11

    mark = surfaces.mark()
    r = surfaces.cli("export")
    assert len(r.stdout.splitlines()) == 1000
    assert len(surfaces.since(mark)) == 11


def test_a_single_page_leaves_the_size_to_the_server(surfaces: Surfaces) -> None:
    """list_customers() without page_size sends none: one page of Togai's default 20."""
    surfaces.seed(30)
    mark = surfaces.mark()
    page = surfaces.sync.list_customers()
    assert len(page.data) == SIZE.default
    (request,) = surfaces.since(mark)
    assert "pageSize" not in request.query


def test_max_items_asks_for_what_it_needs(surfaces: Surfaces) -> None:
    """max_items=5 asks for a page of 5; max_items=250 for pages of 100 (3 requests)."""
    surfaces.seed(300)
    mark = surfaces.mark()
    assert len(list(surfaces.sync.list_customers(max_items=5))) == 5
    assert [r.query for r in surfaces.since(mark)] == ["pageSize=5"]
    mark = surfaces.mark()
    assert len(list(surfaces.sync.list_customers(max_items=250))) == 250
    assert len(surfaces.since(mark)) == 3
