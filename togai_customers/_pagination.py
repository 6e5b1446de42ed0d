"""Pages that know how to fetch the next one, for every paginated row of the table.

``client.list_customers()`` returns a :class:`SyncPage`: ``.data``, ``.next_token``, ``.context``,
and iterating it yields every item of this and the following pages, fetched lazily (one page in
memory at a time). ``AsyncTogaiCustomers.list_customers()`` returns an :class:`AsyncPaginator`:
``await`` it for the first :class:`AsyncPage`, or ``async for`` over it for every item.
``max_items`` stops early; save ``next_token`` to resume later with
``list_customers(next_token=...)``.

The pages are generic over their item type and read the page model through the row's
:class:`~togai_customers.Paging` (its items, next cursor and context fields), so a new paginated
row gets them with no code here.

Page sizes: a call that names a page size gets it on every page. Otherwise one page is left to the
server's default, and iterating (every page after the first, ``async for`` from the first, or any
call with ``max_items``) asks for the largest page the row allows (:meth:`Call.iterating`): walking
1,000 customers costs 11 requests rather than 50 at the default size.

A page can be empty with no next cursor: Togai at times hands out a cursor after the last full
page, and the page it leads to is empty. That is the normal end of the iteration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._operations import Call, Paging

if TYPE_CHECKING:
    from ._client import AsyncTogaiCustomers, TogaiCustomers

__all__ = ["AsyncPage", "AsyncPaginator", "SyncPage"]

T = TypeVar("T")


def _paging(call: Call[Any]) -> Paging:
    paging = call.op.paging
    if paging is None:
        raise TypeError(f"{call.op.name} does not page")
    return paging


class _BasePage(Generic[T]):
    """What both pages share: the page model, its cursor, and the call for the next page."""

    def __init__(self, call: Call[Any], page: Any) -> None:
        self._paging = _paging(call)
        self._call = call
        self._page = page
        self._max_items = call.max_items

    @property
    def data(self) -> list[T]:
        """The items on this page."""
        return self._paging.items_of(self._page)

    @property
    def next_token(self) -> str | None:
        """Cursor of the next page (None on the last); pass it to the call again to resume."""
        return self._paging.next_of(self._page)

    @property
    def context(self) -> Any:
        """How the page was produced (page size, sort order), when the API says (else None)."""
        name = self._paging.context
        return None if name is None else getattr(self._page, name)

    @property
    def page(self) -> Any:
        """The page as the API returned it (the row's response model)."""
        return self._page

    def has_next_page(self) -> bool:
        return self._call.next_page(self._page) is not None

    def _take(self, seen: int) -> list[T]:
        """This page's items still within ``max_items``, given ``seen`` already yielded."""
        if self._max_items is None:
            return self.data
        return self.data[: max(self._max_items - seen, 0)]

    def _done(self, seen: int) -> bool:
        return self._max_items is not None and seen >= self._max_items

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        items = self._paging.items
        return f"<{type(self).__name__} {items}={len(self.data)} next_token={self.next_token!r}>"


class SyncPage(_BasePage[T]):
    """A page from the sync client; iterate it for every item from here on."""

    def __init__(self, client: TogaiCustomers, call: Call[Any], page: Any) -> None:
        super().__init__(call, page)
        self._client = client

    def next_page(self) -> SyncPage[T] | None:
        """Fetch the following page (None after the last)."""
        call = self._call.next_page(self._page)
        if call is None:
            return None
        return SyncPage(self._client, call, self._client.send(call).parse())

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page, then each following page, fetched as you go."""
        page: SyncPage[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        seen = 0
        for page in self.iter_pages():
            for item in page._take(seen):
                seen += 1
                yield item
            if self._done(seen):
                return


class AsyncPage(_BasePage[T]):
    """A page from the async client; ``async for`` over it for every item from here on."""

    def __init__(self, client: AsyncTogaiCustomers, call: Call[Any], page: Any) -> None:
        super().__init__(call, page)
        self._client = client

    async def next_page(self) -> AsyncPage[T] | None:
        """Fetch the following page (None after the last)."""
        call = self._call.next_page(self._page)
        if call is None:
            return None
        return AsyncPage(self._client, call, (await self._client.send(call)).parse())

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """This page, then each following page, fetched as you go."""
        page: AsyncPage[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        seen = 0
        async for page in self.iter_pages():
            for item in page._take(seen):
                seen += 1
                yield item
            if self._done(seen):
                return


class AsyncPaginator(Generic[T]):
    """What a paginated method of the async client returns: await it for the first page, or
    ``async for`` over it for every item across pages."""

    def __init__(self, client: AsyncTogaiCustomers, call: Call[Any]) -> None:
        _paging(call)
        self._client = client
        self._call = call

    async def _first(self, call: Call[Any]) -> AsyncPage[T]:
        return AsyncPage(self._client, call, (await self._client.send(call)).parse())

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first(self._call).__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        first = await self._first(self._call.iterating())  # every page will be read
        async for item in first:
            yield item
