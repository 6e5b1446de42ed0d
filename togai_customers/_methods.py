"""The descriptors that turn one builder into a method of every client flavour.

A builder (see ``_calls``) takes the user's arguments and returns a validated :class:`Call`. Wrapped
in :class:`Method` (or :class:`PagedMethod` for a paginated row) and declared once on the
``OperationMethods`` mixin, it becomes ``client.<op>(...)`` on the sync and async clients and on
both ``with_raw_response`` views, and :meth:`Operation.build` of its row. Each flavour says what
running a call means (``_run``; ``_run_paged`` for pages): the parsed result, an awaitable of it,
or the raw response. Signatures and docstrings
are the builder's, so they cannot drift apart, and type checkers see the right return type per
flavour through the ``__get__`` overloads.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from types import MethodType
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, Self, TypeVar, overload

from ._operations import Call, Operation

if TYPE_CHECKING:
    from ._base import RawResponse
    from ._client import (
        AsyncTogaiCustomers,
        AsyncWithRawResponse,
        TogaiCustomers,
        WithRawResponse,
    )
    from ._pagination import AsyncPaginator, SyncPage

__all__ = ["Method", "PagedMethod", "methods_of", "operation", "paged_operation"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class _Descriptor(Generic[P, R]):
    """What both kinds share: the row, the builder, and one bound function per flavour."""

    #: Marks operation methods for tools that document them (the API reference).
    __togai_operation__ = True
    _runner = "_run"

    def __init__(self, op: Operation[Any], build: Callable[P, Call[R]]) -> None:
        if build.__name__ != op.name:
            raise ImportError(f"the builder of {op.name} is named {build.__name__}")
        self.op = op
        self.build = build
        # Limits in the docstring come from the rows: ``{page_size.maximum}``.
        build.__doc__ = (build.__doc__ or "").format_map({p.name: p for p in op.params})
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__
        self._functions: dict[type[Any], Callable[..., Any]] = {}

    def __set_name__(self, owner: type[Any], name: str) -> None:
        if name != self.op.name:
            raise ImportError(f"{owner.__name__}.{name} is the method of {self.op.name}")

    def _function(self, owner: type[Any]) -> Callable[..., Any]:
        """``def op(self, *args, **kwargs): return self._run(build(*args, **kwargs))`` for one
        flavour, with the builder's signature (made once per flavour, not per access)."""
        found = self._functions.get(owner)
        if found is not None:
            return found
        build = self.build
        run = getattr(owner, self._runner)

        @functools.wraps(build)
        def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            return run(self, build(*args, **kwargs))

        sig = inspect.signature(build)
        this = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
        (result,) = typing.get_args(typing.get_type_hints(build)["return"])  # Call[R] -> R
        paging = self.op.paging
        item = None if paging is None else paging.item_type(self.op.response_type)
        returns = owner._returns(result, item)
        method.__signature__ = sig.replace(  # type: ignore[attr-defined]
            parameters=[this, *sig.parameters.values()], return_annotation=returns
        )
        self._functions[owner] = method
        return method

    def _bind(self, obj: Any) -> Any:
        return MethodType(self._function(type(obj)), obj)


class Method(_Descriptor[P, R]):
    """``client.<op>(...)``: the result (sync), an awaitable of it (async), or the raw response."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: TogaiCustomers, owner: type[Any]) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: AsyncTogaiCustomers, owner: type[Any]) -> Callable[P, Awaitable[R]]: ...
    @overload
    def __get__(self, obj: WithRawResponse, owner: type[Any]) -> Callable[P, RawResponse[R]]: ...
    @overload
    def __get__(
        self, obj: AsyncWithRawResponse, owner: type[Any]
    ) -> Callable[P, Awaitable[RawResponse[R]]]: ...
    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        return self if obj is None else self._bind(obj)


class PagedMethod(_Descriptor[P, R], Generic[P, R, T]):
    """``client.list_customers(...)``: a page (of items ``T``) that iterates every item (sync),
    an :class:`AsyncPaginator` (async), or the raw response (of the page model ``R``)."""

    _runner = "_run_paged"

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: TogaiCustomers, owner: type[Any]) -> Callable[P, SyncPage[T]]: ...
    @overload
    def __get__(
        self, obj: AsyncTogaiCustomers, owner: type[Any]
    ) -> Callable[P, AsyncPaginator[T]]: ...
    @overload
    def __get__(self, obj: WithRawResponse, owner: type[Any]) -> Callable[P, RawResponse[R]]: ...
    @overload
    def __get__(
        self, obj: AsyncWithRawResponse, owner: type[Any]
    ) -> Callable[P, Awaitable[RawResponse[R]]]: ...
    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        return self if obj is None else self._bind(obj)


def operation(op: Operation[R]) -> Callable[[Callable[P, Call[R]]], Method[P, R]]:
    """Declare the builder of ``op`` (a row without paging) as an operation method."""
    if op.paging is not None:
        raise ImportError(f"{op.name} pages: declare it with paged_operation")

    def declare(build: Callable[P, Call[R]]) -> Method[P, R]:
        return Method(op, build)

    return declare


def paged_operation(
    op: Operation[R], *, item: type[T]
) -> Callable[[Callable[P, Call[R]]], PagedMethod[P, R, T]]:
    """Declare the builder of the paginated ``op``, whose pages hold ``item`` values, as an
    operation method (``item`` must be the type of the row's items, for type checkers)."""
    if op.paging is None:
        raise ImportError(f"{op.name} does not page: declare it with operation")
    if op.paging.item_type(op.response_type) is not item:
        raise ImportError(f"{op.name}: its pages hold {op.paging.items} items, not {item}")

    def declare(build: Callable[P, Call[R]]) -> PagedMethod[P, R, T]:
        return PagedMethod(op, build)

    return declare


def methods_of(cls: type[Any]) -> dict[str, _Descriptor[Any, Any]]:
    """The operation methods declared on ``cls`` (and its bases), by row name."""
    return {
        d.op.name: d
        for klass in reversed(cls.__mro__)
        for d in vars(klass).values()
        if isinstance(d, _Descriptor)
    }
