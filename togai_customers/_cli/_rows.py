"""The rows of a bulk file (CSV or JSON Lines), each with its line number, checked as a create.

``import`` and ``sync`` read files the same way, and ``export`` writes them: a CSV header of the
create options' flat column names (an exported CSV's output-only columns are ignored), or JSON
Lines of create request bodies (camelCase; an exported customer's output-only keys are ignored).
Each row is checked as a create request before anything is sent; a row that fails carries its
error instead of a call. A row's :attr:`Row.key` names its content (not its line), so a journal
still recognises it after the file was edited around it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from togai_customers import CreateCustomerRequest, Customer, RequestValidationError
from togai_customers.spec import CREATE_CUSTOMER, Call, to_camel

from ._columns import columns, nested_values, parse_cell
from ._state import UsageError

__all__ = ["REQUEST", "Row", "open_rows"]

REQUEST = CreateCustomerRequest
#: Fields of an exported customer that a create request does not take (dropped on import).
_OUTPUT_ONLY_KEYS = frozenset(to_camel(a.name) for a in attrs.fields(Customer)) - frozenset(
    to_camel(a.name) for a in attrs.fields(REQUEST)
)
_OUTPUT_ONLY_COLUMNS = frozenset(c.name for c in columns(Customer, with_json=True)) - frozenset(
    c.name for c in columns(REQUEST)
)
_create_call = CREATE_CUSTOMER.build


@attrs.frozen
class Row:
    """One row of the file: its line, what it held, and its checked create (or its error)."""

    line: int
    raw: Any
    call: Call[Any] | None = None  # the create, built and checked; None when malformed
    error: str | None = None

    @property
    def request(self) -> CreateCustomerRequest:
        assert self.call is not None
        body: CreateCustomerRequest = self.call.body
        return body

    @property
    def key(self) -> str:
        """A digest of the row's content (its create request as sent), for the journal."""
        text = json.dumps(self.request.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _describe(exc: RequestValidationError, *, wire: bool) -> str:
    if wire:
        return "; ".join(e.describe(wire=True) for e in exc.errors)
    by_path = {".".join(c.path): c.name for c in columns(REQUEST)}
    return "; ".join(
        f"{by_path.get(e.field, e.field)}: {e.message}" if e.field else e.message
        for e in exc.errors
    )


def _check_csv_header(path: Path) -> None:
    """Reject a header with unknown or missing columns before anything is sent."""
    cols = {c.name: c for c in columns(REQUEST)}
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


def _csv_rows(path: Path) -> Iterator[Row]:
    cols = {c.name: c for c in columns(REQUEST)}
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for record in reader:
            line = reader.line_num
            raw: dict[str, Any] = {k: v for k, v in record.items() if k is not None and v}
            extra = record.get(None)  # DictReader puts extra cells under None
            if extra:
                raw["_extra_cells"] = extra
                yield Row(
                    line,
                    raw,
                    error=f"{len(header) + len(extra)} cells, the header has {len(header)}",
                )
                continue
            if any(v is None for v in record.values()):
                yield Row(line, raw, error=f"fewer cells than the {len(header)} of the header")
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
                yield Row(line, raw, error="; ".join(problems))
                continue
            try:
                call = _create_call(**nested_values(REQUEST, values))
            except RequestValidationError as exc:
                yield Row(line, raw, error=_describe(exc, wire=False))
                continue
            yield Row(line, raw, call)


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8-sig") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except ValueError as exc:
                yield Row(line, text.rstrip("\n"), error=f"invalid JSON: {exc}")
                continue
            body = (
                {k: v for k, v in data.items() if k not in _OUTPUT_ONLY_KEYS}
                if isinstance(data, dict)
                else data
            )
            try:
                model = REQUEST.from_wire(body)
            except RequestValidationError as exc:
                yield Row(line, data, error=_describe(exc, wire=True))
                continue
            yield Row(line, data, Call(CREATE_CUSTOMER, body=model))


def _read_rows(path: Path) -> Iterator[Row]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _check_csv_header(path)
        return _csv_rows(path)
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_rows(path)
    raise UsageError(f"{path}: expected a .csv or .jsonl file")


def _count(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as f:
        if path.suffix.lower() == ".csv":
            return max(sum(1 for _ in csv.reader(f)) - 1, 0)
        return sum(1 for text in f if text.strip())


def open_rows(path: Path) -> tuple[Iterator[Row], int]:
    """The rows of ``path`` (read lazily) and how many there are.

    Counting reads the whole file once, so a bad header, an unknown kind of file or a byte that
    is not UTF-8 is a ``UsageError`` before anything is sent.
    """
    try:
        rows = _read_rows(path)
        return rows, _count(path)
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (undecodable byte at offset {exc.start}); save it as UTF-8"
        ) from None
