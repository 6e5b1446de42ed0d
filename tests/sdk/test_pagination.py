"""Pages: first page eagerly, every customer lazily across pages, early stop, resume by token."""

from __future__ import annotations

import httpx
import pytest
from _sdk_support import Script, collect, customer_json, resolve

from togai_customers import AsyncPage, AsyncPaginator, SyncPage, TogaiCustomers


class Pages:
    """A fake upstream with ``total`` customers served ``pageSize`` at a time."""

    def __init__(self, total: int) -> None:
        self.total = total

    def __call__(self, request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("pageSize", "10"))
        start = int(request.url.params.get("nextToken", "0"))
        end = min(start + size, self.total)
        body: dict[str, object] = {
            "data": [customer_json(f"c{i}") for i in range(start, end)],
            "context": {"pageSize": size, "sortOrder": "ASC"},
        }
        if end < self.total:
            body["nextToken"] = str(end)
        return httpx.Response(200, json=body)


async def test_iterating_yields_every_customer_across_pages(make_client):
    """Iterating the result of list_customers walks all pages in order, one request per page."""
    script = Script(default=Pages(7))
    ids = [c.id for c in await collect(make_client(script), page_size=3)]
    assert ids == [f"c{i}" for i in range(7)]
    assert script.count == 3
    assert [r.url.params.get("nextToken") for r in script.requests] == [None, "3", "6"]
    assert {r.url.params["pageSize"] for r in script.requests} == {"3"}


async def test_max_items_stops_early_without_fetching_more_pages(make_client):
    """max_items bounds the iteration and the number of pages fetched."""
    script = Script(default=Pages(100))
    ids = [c.id for c in await collect(make_client(script), page_size=5, max_items=7)]
    assert ids == [f"c{i}" for i in range(7)]
    assert script.count == 2


async def test_first_page_exposes_data_token_and_context(make_client, flavour):
    """The first page has .data, .next_token, .context and knows whether more pages exist."""
    client = make_client(Script(default=Pages(4)))
    page = await resolve(client.list_customers(page_size=3))
    assert isinstance(page, SyncPage if flavour == "sync" else AsyncPage)
    assert [c.id for c in page.data] == ["c0", "c1", "c2"]
    assert page.next_token == "3"
    assert page.context is not None
    assert page.context.page_size == 3
    assert page.has_next_page()
    second = await resolve(page.next_page())
    assert [c.id for c in second.data] == ["c3"]
    assert second.next_token is None
    assert not second.has_next_page()
    assert await resolve(second.next_page()) is None


async def test_iter_pages_walks_page_by_page(make_client, flavour):
    """iter_pages() yields this page then each following page."""
    client = make_client(Script(default=Pages(5)))
    page = await resolve(client.list_customers(page_size=2))
    if flavour == "sync":
        sizes = [len(p.data) for p in page.iter_pages()]
    else:
        sizes = [len(p.data) async for p in page.iter_pages()]
    assert sizes == [2, 2, 1]


async def test_saved_token_resumes_where_it_stopped(make_client):
    """A next_token saved from one page resumes the listing later."""
    script = Script(default=Pages(6))
    client = make_client(script)
    first = await resolve(client.list_customers(page_size=2))
    token = first.next_token
    rest = [c.id for c in await collect(client, page_size=2, next_token=token)]
    assert rest == ["c2", "c3", "c4", "c5"]


async def test_a_server_repeating_the_cursor_does_not_loop_forever(make_client):
    """If the next token equals the one just sent, pagination stops."""
    stuck = Script(
        default=lambda r: httpx.Response(
            200, json={"data": [customer_json("c1")], "nextToken": "same"}
        )
    )
    ids = [c.id for c in await collect(make_client(stuck), next_token="same")]
    assert ids == ["c1"]
    assert stuck.count == 1


async def test_async_list_is_awaitable_and_async_iterable():
    """The async list_customers() result can be awaited (first page) or iterated (all)."""
    from togai_customers import AsyncTogaiCustomers

    client = AsyncTogaiCustomers(
        api_key="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(Pages(3)))
    )
    paginator = client.list_customers(page_size=2)
    assert isinstance(paginator, AsyncPaginator)
    page = await paginator
    assert [c.id for c in page.data] == ["c0", "c1"]
    assert [c.id async for c in client.list_customers(page_size=2)] == ["c0", "c1", "c2"]


def test_sync_first_page_is_fetched_eagerly():
    """The sync call fetches the first page at once (errors surface at the call)."""
    script = Script(default=Pages(1))
    client = TogaiCustomers(
        api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(script))
    )
    page = client.list_customers()
    assert script.count == 1
    assert len(page) == 1


@pytest.mark.parametrize("total", [0, 1, 10, 11])
async def test_page_boundaries(make_client, total):
    """Empty, single, exact-multiple and one-over listings all come out complete."""
    ids = [c.id for c in await collect(make_client(Script(default=Pages(total))), page_size=10)]
    assert ids == [f"c{i}" for i in range(total)]
