"""``import`` and ``export``: bulk create over the async client, streaming export over pages.

Import reads the file lazily, a few rows ahead of ``concurrency`` workers, so memory stays flat
whatever the file's size. A 409 on create is resolved by fetching the customer: the same data
counts as already present, other data is a failure. Export writes one customer at a time to a
temporary file renamed into place at the end, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import attrs
import typer

from .._calls import builder
from .._exceptions import ConflictError, RequestValidationError, TogaiError
from .._fields import to_camel
from .._models import CreateCustomerRequest, Customer, Model
from .._operations import CREATE_CUSTOMER, GET_CUSTOMER, LIST_CUSTOMERS, Call
from .._serde import parse_request
from .._validation import check
from ._columns import columns, nested_values, parse_cell
from ._output import CsvWriter, emit_record
from ._state import CliState, UsageError

__all__ = ["ImportSummary", "run_export", "run_import"]

_REQUEST = CreateCustomerRequest
#: Fields of an exported customer that a create request does not take (dropped on import).
_OUTPUT_ONLY_KEYS = frozenset(to_camel(a.name) for a in attrs.fields(Customer)) - frozenset(
    to_camel(a.name) for a in attrs.fields(_REQUEST)
)
_OUTPUT_ONLY_COLUMNS = frozenset(c.name for c in columns(Customer, with_json=True)) - frozenset(
    c.name for c in columns(_REQUEST)
)
_PAGE_MAX = LIST_CUSTOMERS.param("page_size").maximum
_create_call = builder(CREATE_CUSTOMER)


@attrs.frozen(kw_only=True)
class ImportSummary(Model):
    """What an import did, row by row."""

    rows: int
    created: int
    already_present: int
    failed: int
    malformed: int
    failed_file: str | None = None


@attrs.frozen
class _Row:
    line: int
    raw: Any
    call: Call[Any] | None = None  # the create, built and checked; None when malformed
    error: str | None = None


def _describe(exc: RequestValidationError, *, wire: bool) -> str:
    if wire:
        return "; ".join(e.describe(wire=True) for e in exc.errors)
    by_path = {".".join(c.path): c.name for c in columns(_REQUEST)}
    return "; ".join(
        f"{by_path.get(e.field, e.field)}: {e.message}" if e.field else e.message
        for e in exc.errors
    )


def _check_csv_header(path: Path) -> None:
    """Reject a header with unknown or missing columns before anything is sent."""
    cols = {c.name: c for c in columns(_REQUEST)}
    with path.open(newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), [])
    unknown = [h for h in header if h not in cols and h not in _OUTPUT_ONLY_COLUMNS]
    if unknown:
        raise UsageError(
            f"{path}: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(cols)}"
        )
    missing = [n for n, c in cols.items() if c.required and c.group is None and n not in header]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")


def _csv_rows(path: Path) -> Iterator[_Row]:
    cols = {c.name: c for c in columns(_REQUEST)}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for record in reader:
            line = reader.line_num
            raw: dict[str, Any] = {k: v for k, v in record.items() if k is not None and v}
            extra = record.get(None)  # DictReader puts extra cells under None
            if extra:
                raw["_extra_cells"] = extra
                yield _Row(
                    line,
                    raw,
                    error=f"{len(header) + len(extra)} cells, the header has {len(header)}",
                )
                continue
            if any(v is None for v in record.values()):
                yield _Row(line, raw, error=f"fewer cells than the {len(header)} of the header")
                continue
            values: dict[str, Any] = {}
            problems = []
            for name, text in raw.items():
                if name in cols:
                    try:
                        values[name] = parse_cell(cols[name], text)
                    except ValueError as exc:
                        problems.append(f"{name}: {exc}")
            if problems:
                yield _Row(line, raw, error="; ".join(problems))
                continue
            try:
                call = _create_call(**nested_values(_REQUEST, values))
            except RequestValidationError as exc:
                yield _Row(line, raw, error=_describe(exc, wire=False))
                continue
            yield _Row(line, raw, call)


def _jsonl_rows(path: Path) -> Iterator[_Row]:
    with path.open(encoding="utf-8-sig") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except ValueError as exc:
                yield _Row(line, text.rstrip("\n"), error=f"invalid JSON: {exc}")
                continue
            body = (
                {k: v for k, v in data.items() if k not in _OUTPUT_ONLY_KEYS}
                if isinstance(data, dict)
                else data
            )
            try:
                model = parse_request(body, _REQUEST)
                check(model, wire=True)
            except RequestValidationError as exc:
                yield _Row(line, data, error=_describe(exc, wire=True))
                continue
            yield _Row(line, data, Call(CREATE_CUSTOMER, body=model))


def _reader(path: Path) -> Iterator[_Row]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _check_csv_header(path)
        return _csv_rows(path)
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(path)
    raise UsageError(f"{path}: expected a .csv or .jsonl file")


def _count(path: Path) -> int:
    """Rows in the file (for the progress bar's total and ETA); one quick pass."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        if path.suffix.lower() == ".csv":
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)
        return sum(1 for text in f if text.strip())


class _FailedRows:
    """``FILE.failed.jsonl``: written to a temporary file, moved into place at the end."""

    def __init__(self, source: Path) -> None:
        self.path = source.with_name(source.name + ".failed.jsonl")
        self._tmp: IO[str] | None = None
        self.count = 0

    def add(self, row: _Row, error: str) -> None:
        if self._tmp is None:
            self._tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finish()
                "w", encoding="utf-8", dir=self.path.parent, prefix=".failed-", delete=False
            )
        self._tmp.write(json.dumps({"line": row.line, "error": error, "row": row.raw}) + "\n")
        self.count += 1

    def finish(self, *, completed: bool) -> str | None:
        if self._tmp is None:
            if completed:
                # A clean run: a list of failures left by an earlier run no longer applies.
                self.path.unlink(missing_ok=True)
            return None
        self._tmp.close()
        os.replace(self._tmp.name, self.path)
        return str(self.path)


async def _create(client: Any, call: Call[Any]) -> tuple[str, str | None]:
    """``("created"|"present"|"failed", error)`` for one row.

    "created" means this run saw the 201. A row the API already held, including one stored by an
    attempt whose answer was lost (the SDK then returns the stored customer), is "present" when
    it is the same customer (:meth:`CreateCustomerRequest.differences`).
    """
    request: CreateCustomerRequest = call.body
    try:
        raw = await client._execute(call)
        if raw.status_code == CREATE_CUSTOMER.success_status:
            return "created", None
        return "present", None  # the SDK recovered a lost answer: the customer is the row's
    except ConflictError as conflict:
        try:
            existing = await client._run(
                Call(GET_CUSTOMER, path_params={"customer_id": request.id})
            )
        except TogaiError as exc:
            return "failed", f"{conflict}; then fetching it failed: {exc}"
    except TogaiError as exc:
        return "failed", str(exc)
    differing = [to_camel(name) for name in request.differences(existing)]
    if differing:
        return "failed", f"already exists with different {', '.join(differing)}"
    return "present", None


def run_import(state: CliState, path: Path, concurrency: int) -> int:
    """Import ``path``; prints progress, problems and the summary; returns the exit code."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("-- rows/s" if speed is None else f"{speed:.1f} rows/s", no_wrap=True)

    try:
        rows = _reader(path)
        total = _count(path)  # reads the whole file: a bad byte is found before anything is sent
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (undecodable byte at offset {exc.start}); save it as UTF-8"
        ) from None
    client = state.async_client()
    counts = {"created": 0, "present": 0, "failed": 0, "malformed": 0}
    failed = _FailedRows(path)
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("Importing"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
        disable=not console.is_terminal,
    )

    def report(row: _Row, kind: str, error: str | None) -> None:
        counts[kind] += 1
        if error is not None:
            failed.add(row, error)
            progress.console.print(
                Text(state.redact(f"line {row.line}: {kind}: {error}")), style="red"
            )
        progress.update(task, advance=1, status=", ".join(f"{v} {k}" for k, v in counts.items()))

    async def work(queue: asyncio.Queue[_Row | None]) -> None:
        while (row := await queue.get()) is not None:
            assert row.call is not None
            kind, error = await _create(client, row.call)
            report(row, kind, error)

    async def main() -> None:
        queue: asyncio.Queue[_Row | None] = asyncio.Queue(maxsize=concurrency * 2)
        async with client:
            workers = [asyncio.create_task(work(queue)) for _ in range(concurrency)]
            try:
                for row in rows:
                    if row.error is not None:
                        report(row, "malformed", row.error)
                    else:
                        await queue.put(row)
                for _ in workers:
                    await queue.put(None)
                await asyncio.gather(*workers)
            finally:
                for w in workers:
                    w.cancel()

    task = progress.add_task("import", total=total, status="")
    completed = False
    try:
        with progress:
            asyncio.run(main())
        completed = True
    finally:
        failed_file = failed.finish(completed=completed)
    summary = ImportSummary(
        rows=sum(counts.values()),
        created=counts["created"],
        already_present=counts["present"],
        failed=counts["failed"],
        malformed=counts["malformed"],
        failed_file=failed_file,
    )
    emit_record(state.output_format(), summary, title=f"Import of {path.name}")
    return 0 if summary.failed == summary.malformed == 0 else 1


def run_export(state: CliState, output_file: Path | None, fmt: str) -> None:
    """Write every customer to ``output_file`` (or stdout) as ``fmt``, one page in memory."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    tmp: IO[str] | None = None
    if output_file is not None:
        tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
            "w",
            encoding="utf-8",
            newline="",
            dir=output_file.parent or Path("."),
            prefix=f".{output_file.name}.",
            delete=False,
        )
    stream: IO[str] = tmp if tmp is not None else sys.stdout
    count = 0
    try:
        with (
            state.client() as client,
            Progress(
                SpinnerColumn(),
                TextColumn("Exported {task.completed} customers"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                disable=not console.is_terminal,
            ) as progress,
        ):
            task = progress.add_task("export", total=None)
            writer = CsvWriter(stream, Customer) if fmt == "csv" else None
            for customer in client.list_customers(page_size=_PAGE_MAX):
                if writer is not None:
                    writer.write(customer)
                else:
                    stream.write(json.dumps(customer.to_dict(), ensure_ascii=False) + "\n")
                count += 1
                progress.update(task, completed=count)
        stream.flush()
    except BaseException:
        if tmp is not None:
            tmp.close()
            os.unlink(tmp.name)
        raise
    if tmp is not None and output_file is not None:
        tmp.close()
        os.replace(tmp.name, output_file)
    where = output_file if output_file is not None else "stdout"
    noun = "customer" if count == 1 else "customers"
    typer.echo(f"Exported {count} {noun} to {where}.", err=True)
