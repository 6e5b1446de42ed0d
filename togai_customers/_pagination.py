"""Pages of customers that know how to fetch the next one.

``client.list_customers()`` returns a :class:`SyncPage`: ``.data``, ``.next_token``, ``.context``,
and iterating it yields every customer of this and the following pages, fetched lazily (one page in
memory at a time). ``AsyncTogaiCustomers.list_customers()`` returns an :class:`AsyncPaginator`:
``await`` it for the first :class:`AsyncPage`, or ``async for`` over it for every customer.
``max_items`` stops early; save ``next_token`` to resume later with
``list_customers(next_token=...)``.

Page sizes: a call that names ``page_size`` gets it on every page. Otherwise one page is left to the
server's default, and iterating (every page after the first, ``async for`` from the first, or any
call with ``max_items``) asks for the largest page the API serves: walking 1,000 customers costs
11 requests rather than 50 at the default size.

A page can be empty with no next cursor: Togai at times hands out a cursor after the last full
page, and the page it leads to is empty. That is the normal end of the iteration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from ._models import Customer, CustomerPage, PaginationContext
from ._operations import Call

if TYPE_CHECKING:
    from ._client import AsyncTogaiCustomers, TogaiCustomers

__all__ = ["AsyncPage", "AsyncPaginator", "SyncPage", "iterating"]


def iterating(call: Call[CustomerPage]) -> Call[CustomerPage]:
    """``call`` as auto-pagination sends it: the largest page size unless the caller chose one."""
    paging = call.op.paging
    assert paging is not None
    if paging.size in call.query:
        return call
    largest = call.op.param(paging.size).maximum
    assert largest is not None
    return attrs.evolve(call, query={**call.query, paging.size: largest})


class _BasePage:
    """What both pages share: the data, the cursor, and the call for the next page."""

    def __init__(self, call: Call[CustomerPage], page: CustomerPage) -> None:
        assert call.op.paging is not None
        self._call = call
        self._page = page
        self._cursor = call.op.paging.cursor
        self._max_items = call.max_items

    @property
    def data(self) -> list[Customer]:
        """The customers on this page."""
        return self._page.data

    @property
    def next_token(self) -> str | None:
        """Cursor of the next page (None on the last); pass to ``list_customers`` to resume."""
        return self._page.next_token

    @property
    def context(self) -> PaginationContext | None:
        return self._page.context

    def has_next_page(self) -> bool:
        token = self._page.next_token
        # A server repeating the cursor it was given would otherwise loop forever.
        return bool(token) and token != self._call.query.get(self._cursor)

    def _next_call(self) -> Call[CustomerPage] | None:
        if not self.has_next_page():
            return None
        query: dict[str, Any] = {**self._call.query, self._cursor: self._page.next_token}
        return iterating(attrs.evolve(self._call, query=query))

    def _take(self, seen: int) -> list[Customer]:
        """This page's customers still within ``max_items``, given ``seen`` already yielded."""
        if self._max_items is None:
            return self.data
        return self.data[: max(self._max_items - seen, 0)]

    def _done(self, seen: int) -> bool:
        return self._max_items is not None and seen >= self._max_items

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} customers={len(self.data)} next_token={self.next_token!r}>"


class SyncPage(_BasePage):
    """A page of customers from the sync client; iterate it for every customer from here on."""

    def __init__(
        self,
        client: TogaiCustomers,
        call: Call[CustomerPage],
        page: CustomerPage,
    ) -> None:
        super().__init__(call, page)
        self._client = client

    def next_page(self) -> SyncPage | None:
        """Fetch the following page (None after the last)."""
        call = self._next_call()
        if call is None:
            return None
        page = self._client._execute(call).parse()
        return SyncPage(self._client, call, page)

    def iter_pages(self) -> Iterator[SyncPage]:
        """This page, then each following page, fetched as you go."""
        page: SyncPage | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[Customer]:
        seen = 0
        for page in self.iter_pages():
            for customer in page._take(seen):
                seen += 1
                yield customer
            if self._done(seen):
                return


class AsyncPage(_BasePage):
    """A page of customers from the async client; ``async for`` over it for every customer."""

    def __init__(
        self,
        client: AsyncTogaiCustomers,
        call: Call[CustomerPage],
        page: CustomerPage,
    ) -> None:
        super().__init__(call, page)
        self._client = client

    async def next_page(self) -> AsyncPage | None:
        """Fetch the following page (None after the last)."""
        call = self._next_call()
        if call is None:
            return None
        page = (await self._client._execute(call)).parse()
        return AsyncPage(self._client, call, page)

    async def iter_pages(self) -> AsyncIterator[AsyncPage]:
        """This page, then each following page, fetched as you go."""
        page: AsyncPage | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[Customer]:
        seen = 0
        async for page in self.iter_pages():
            for customer in page._take(seen):
                seen += 1
                yield customer
            if self._done(seen):
                return


class AsyncPaginator:
    """What the async ``list_customers()`` returns: await it for the first page, or
    ``async for`` over it for every customer across pages."""

    def __init__(self, client: AsyncTogaiCustomers, call: Call[CustomerPage]) -> None:
        self._client = client
        self._call = call

    async def _first(self, call: Call[CustomerPage]) -> AsyncPage:
        page = (await self._client._execute(call)).parse()
        return AsyncPage(self._client, call, page)

    def __await__(self) -> Generator[Any, None, AsyncPage]:
        return self._first(self._call).__await__()

    async def __aiter__(self) -> AsyncIterator[Customer]:
        first = await self._first(iterating(self._call))  # every page will be read
        async for customer in first:
            yield customer
