"""Printing results as a table, JSON, JSON Lines or CSV.

JSON forms are the API's own (camelCase, ``to_dict()``); table and CSV use the flat columns of
``_columns``. Lists are streamed item by item in every format but the table.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
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


def emit_list(fmt: str, models: Iterable[Any], cls: type[Any], *, title: str | None = None) -> int:
    """Print models of ``cls`` as they come (the table waits for all); returns how many."""
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
    shown = [c.name for c in columns(cls) if len(c.path) == 1]
    table = Table(title=title, title_justify="left")
    for name in shown:
        table.add_column(name, overflow="fold")  # wrap rather than cut values
    for row in _rows(models, shown):
        table.add_row(*row)
        count += 1
    if count:
        Console().print(table)
    else:  # an empty page (e.g. after the last full one) is not a blank table
        typer.echo(f"No {(title or cls.__name__ + 's').lower()}.")
    return count


def _rows(models: Iterable[Any], names: list[str]) -> Iterator[list[str]]:
    for model in models:
        record = flat_record(model)
        yield [_text(record[n]) for n in names]
