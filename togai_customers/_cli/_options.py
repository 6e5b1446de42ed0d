"""Command options generated from a request model's flat columns (names, types, help, panels).

``@column_options(Model)`` adds one ``--option`` per flat column of ``Model`` to a Typer command
and hands the given values to the command as one ``fields`` mapping (column name -> value, only
the options given). Help comes from the field descriptions in ``_fields`` metadata.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Optional, TypeVar

import typer

from togai_customers import FieldError, RequestValidationError
from togai_customers.spec import Param

from ._columns import Column, columns
from ._signature import with_parameters

__all__ = ["column_options", "option_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def _option(column: Column, aliases: Mapping[str, str], note: str) -> Any:
    decls = [column.option]
    if column.name in aliases:
        decls.append(aliases[column.name])
    if column.type is bool:
        decls = [f"{d}/--no-{d[2:]}" for d in decls]
    help_text = column.constraints.description
    if column.required and note and column.group is None:
        help_text = f"{help_text} {note}"
    elif column.required and column.group is not None and not column.group_required:
        help_text = f"{help_text} Required with any other {column.group} option."
    panel = f"{column.group.title()} options" if column.group else None
    return typer.Option(
        *decls,
        help=help_text,
        rich_help_panel=panel,
        show_default=False,
    )


def column_options(
    cls: type[Any],
    *,
    aliases: Mapping[str, str] | None = None,
    required: bool = False,
    required_note: str = "",
) -> Callable[[F], F]:
    """Give the decorated command one option per flat column of ``cls`` (see module doc).

    ``required`` makes the model's required fields required options; otherwise
    ``required_note`` is appended to their help.
    """
    cols = columns(cls)
    alias_map = aliases or {}

    def decorate(func: F) -> F:
        sig = inspect.signature(func, eval_str=True)
        own = [p for p in sig.parameters.values() if p.name != "fields"]
        added = [
            inspect.Parameter(
                c.name,
                inspect.Parameter.KEYWORD_ONLY,
                # A required option is one without a default (Typer's rule).
                default=inspect.Parameter.empty if required and c.required else None,
                annotation=Annotated[
                    Optional[c.type],  # noqa: UP045 - built at runtime from a type object
                    _option(c, alias_map, "" if required else required_note),
                ],
            )
            for c in cols
        ]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            fields = {c.name: kwargs.pop(c.name) for c in cols if kwargs.get(c.name) is not None}
            for c in cols:
                kwargs.pop(c.name, None)
            return func(*args, fields=fields, **kwargs)

        return with_parameters(wrapper, [*own, *added], sig.return_annotation)  # type: ignore[return-value]

    return decorate


def option_errors(
    exc: RequestValidationError, cls: type[Any] | None, url: Sequence[Param] = ()
) -> RequestValidationError:
    """The same errors, with each field named as the command line spells it: body fields by
    their option (``--name``), path parameters as arguments (``CUSTOMER_ID``), query parameters
    by their option (``--page-size``)."""
    by_path = {".".join(c.path): c.option for c in columns(cls)} if cls is not None else {}
    for p in url:
        by_path[p.name] = (
            p.name.upper() if p.location == "path" else "--" + p.name.replace("_", "-")
        )
    renamed = [
        FieldError(by_path.get(e.field, e.field), e.wire_field, e.message) for e in exc.errors
    ]
    return RequestValidationError(renamed)
