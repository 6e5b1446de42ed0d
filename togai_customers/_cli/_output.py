"""Printing results as a table, JSON, JSON Lines or CSV.

JSON forms are the API's own (camelCase, ``to_dict()``); table and CSV use the flat columns of
``_columns``. Lists are streamed item by item in every format but the table.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

import typer

from ._columns import columns, flat_record

__all__ = ["CsvWriter", "emit_list", "emit_record", "print_json"]


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class CsvWriter:
    """Writes models as CSV rows under the flat column header of their class."""

    def __init__(self, stream: IO[str], cls: type[Any]) -> None:
        self._names = [c.name for c in columns(cls, with_json=True)]
        self._writer = csv.DictWriter(stream, fieldnames=self._names, lineterminator="\n")
        self._writer.writeheader()

    def write(self, model: Any) -> None:
        self._writer.writerow({k: _text(v) for k, v in flat_record(model).items()})


def emit_record(fmt: str, model: Any, *, title: str | None = None) -> None:
    """Print one model."""
    if fmt == "json":
        print_json(model.to_dict())
    elif fmt == "jsonl":
        typer.echo(json.dumps(model.to_dict(), ensure_ascii=False))
    elif fmt == "csv":
        CsvWriter(sys.stdout, type(model)).write(model)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        table.add_column("Field")
        table.add_column("Value", overflow="fold")
        for name, value in flat_record(model).items():
            if value is not None:
                table.add_row(name, _text(value))
        Console().print(table)


#: Columns a narrow table keeps first; the others follow in the model's order while they fit.
_FIRST = ("id", "name", "primary_email", "status", "created_at")
#: A table cell's own width is padding plus a border on top of its text.
_CELL = 3
#: A column whose values may fold gets at least this many characters (or its header's width).
_FOLDED = 16


def _fitting(names: list[str], rows: list[list[str]], unbroken: set[str], width: int) -> list[int]:
    """The columns (indices) shown at ``width``, in priority order while the table fits.

    Each column needs its values' width, or less for a column that may fold (at least
    ``_FOLDED``, or its header); ``unbroken`` columns (timestamps) need their full width.
    """
    order = [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]
    needed = {}
    for i, n in enumerate(names):
        natural = max([len(n)] + [len(row[i]) for row in rows])
        needed[n] = natural if n in unbroken else min(natural, max(len(n), _FOLDED))
    chosen: set[str] = set()
    used = 1  # the table's left border
    for name in order:
        if used + needed[name] + _CELL <= width or not chosen:
            chosen.add(name)
            used += needed[name] + _CELL
    return [i for i, n in enumerate(names) if n in chosen]


def emit_list(
    fmt: str,
    models: Iterable[Any],
    cls: type[Any],
    *,
    title: str | None = None,
    wide: bool = False,
) -> int:
    """Print models of ``cls`` as they come (the table waits for all); returns how many.

    A table fits the terminal: it shows the columns that fit, the most useful first (``wide``:
    every column); the others are in the JSON and CSV forms.
    """
    count = 0
    if fmt in ("json", "jsonl"):
        if fmt == "json":
            sys.stdout.write("[")
        for model in models:
            line = json.dumps(model.to_dict(), ensure_ascii=False)
            if fmt == "json":
                sys.stdout.write(("\n  " if count == 0 else ",\n  ") + line)
            else:
                sys.stdout.write(line + "\n")
            count += 1
        if fmt == "json":
            sys.stdout.write("\n]\n" if count else "]\n")
        sys.stdout.flush()
        return count
    if fmt == "csv":
        writer = CsvWriter(sys.stdout, cls)
        for model in models:
            writer.write(model)
            count += 1
        sys.stdout.flush()
        return count
    from rich.console import Console
    from rich.table import Table

    # A terminal table shows the top-level scalar fields; the nested ones are in the other formats.
    scalar = [c for c in columns(cls) if len(c.path) == 1]
    names = [c.name for c in scalar]
    rows = list(_rows(models, names))
    if not rows:  # an empty page (e.g. after the last full one) is not a blank table
        typer.echo(f"No {(title or cls.__name__ + 's').lower()}.")
        return 0
    console = Console()
    # Ids and timestamps never wrap (a wrapped one is unreadable); other values fold.
    unbroken = {c.name for c in scalar if c.type is datetime} | {_FIRST[0]}
    shown = range(len(names)) if wide else _fitting(names, rows, unbroken, console.width)
    table = Table(title=title, title_justify="left")
    for i in shown:
        table.add_column(names[i], overflow="fold", no_wrap=names[i] in unbroken)
    for row in rows:
        table.add_row(*(row[i] for i in shown))
    console.print(table)
    return len(rows)


def _rows(models: Iterable[Any], names: list[str]) -> Iterator[list[str]]:
    for model in models:
        record = flat_record(model)
        yield [_text(record[n]) for n in names]
