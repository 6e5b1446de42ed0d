"""The rows of a bulk file (CSV or JSON Lines), each with its line number, checked as a create.

``import`` and ``sync`` read files the same way, and ``export`` writes them: a CSV header of the
create options' flat column names (an exported CSV's output-only columns are ignored), or JSON
Lines of create request bodies (camelCase; an exported customer's output-only keys are ignored).
Each row is checked as a create request before anything is sent; a row that fails carries its
error instead of a call. A row whose id is on an earlier line of the file too is refused the same
way (``id X is also on line N``): one file, one row per customer.

:func:`open_rows` reads the file once before anything is sent: it counts the rows, finds the
repeated ids and hashes the content (a journal is bound to it); the rows are then read lazily.

A row's line is the line it starts on. A CSV quote that is never closed would make the rest of
the file one value: a record that reaches the end of the file inside quotes, or that runs over
several lines and has another number of cells than the header, is reported as ``unclosed
quote`` at the line it opens on, and reading goes on at the next line (so the count stays right
and the rows after it are still read).

Warnings: Togai takes any primary email (up to 320 characters) and any country. A row whose
primary email is not an address (the ``\\S+@\\S+\\.\\S+`` Togai applies to a contact's email) or
whose country is not an ISO 3166-1 alpha-2 code is still sent, and carries a warning naming it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import attrs

from togai_customers import CreateCustomerRequest, Customer, RequestValidationError
from togai_customers.spec import CREATE_CUSTOMER, Call, to_camel

from ._columns import columns, nested_values, parse_cell
from ._countries import country_problem
from ._state import UsageError

__all__ = ["REQUEST", "Row", "RowFile", "RowWarning", "delimiter_of", "open_rows"]

REQUEST = CreateCustomerRequest
#: Fields of an exported customer that a create request does not take (dropped on import).
_OUTPUT_ONLY_KEYS = frozenset(to_camel(a.name) for a in attrs.fields(Customer)) - frozenset(
    to_camel(a.name) for a in attrs.fields(REQUEST)
)
_OUTPUT_ONLY_COLUMNS = frozenset(c.name for c in columns(Customer, with_json=True)) - frozenset(
    c.name for c in columns(REQUEST)
)
_create_call = CREATE_CUSTOMER.build
#: What Togai calls an email where it checks one (a contact's): primary emails are not checked.
_EMAIL = re.compile(r"^\S+@\S+\.\S+$")
#: Separators a CSV file may use instead of commas, and how a hint names them.
_OTHER_DELIMITERS = {";": ("semicolons", ";"), "\t": ("tabs", "tab"), "|": ("bars", "|")}


@attrs.frozen
class RowWarning:
    """Something in a row that Togai takes as it is but is likely a mistake."""

    field: str  #: the request field it is about (``primary_email``, ``address``)
    message: str


@attrs.frozen
class Row:
    """One row of the file: its line, what it held, and its checked create (or its error)."""

    line: int
    raw: Any
    call: Call[Any] | None = None  # the create, built and checked; None when malformed
    error: str | None = None
    warnings: tuple[RowWarning, ...] = ()

    @property
    def request(self) -> CreateCustomerRequest:
        assert self.call is not None
        body: CreateCustomerRequest = self.call.body
        return body

    @property
    def customer_id(self) -> str | None:
        """The row's id: the request's, or the raw one of a malformed row (if it has one)."""
        if self.call is not None:
            return self.request.id
        value = self.raw.get("id") if isinstance(self.raw, dict) else None
        return value if isinstance(value, str) else None

    @property
    def key(self) -> str:
        """A digest of the row's content (its create request as sent), for the journal."""
        text = json.dumps(self.request.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@attrs.frozen
class RowFile:
    """A bulk file, read once: how many rows, its content's digest; :meth:`rows` reads them."""

    path: Path
    total: int
    sha256: str
    _read: Callable[[], Iterator[Row]] = attrs.field(alias="read")

    def rows(self) -> Iterator[Row]:
        """The rows, read lazily (a few at a time), in the order of the file."""
        return self._read()


def _describe(exc: RequestValidationError, *, wire: bool) -> str:
    if wire:
        return "; ".join(e.describe(wire=True) for e in exc.errors)
    by_path = {".".join(c.path): c.name for c in columns(REQUEST)}
    return "; ".join(
        f"{by_path.get(e.field, e.field)}: {e.message}" if e.field else e.message
        for e in exc.errors
    )


def _warnings(request: CreateCustomerRequest, *, wire: bool) -> tuple[RowWarning, ...]:
    out = []
    if not _EMAIL.match(request.primary_email):
        name = "primaryEmail" if wire else "primary_email"
        out.append(
            RowWarning(
                "primary_email",
                f"{name} {request.primary_email!r} is not an email address; sent as it is "
                "(Togai does not check it)",
            )
        )
    country = request.address.country
    problem = None if country is None else country_problem(country)
    if problem is not None:
        name = "address.country" if wire else "country"
        out.append(
            RowWarning("address", f"{name} {problem}; sent as it is (Togai does not check it)")
        )
    return tuple(out)


# CSV records ---------------------------------------------------------------------------------


class _Lines:
    """The physical lines of a binary file, decoded, for :mod:`csv`: each record knows the line
    it starts on, whether the end of the file came inside it, and where its second line starts
    (to read on from there after an unclosed quote)."""

    def __init__(self, f: IO[bytes], path: Path) -> None:
        self._f = f
        self._path = path
        self.count = 0  # lines read
        self.start = 0  # lines read before the current record
        self.after_first: int | None = None  # the offset after the record's first line
        self.eof = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self._f.readline()
        if not raw:
            self.eof = True
            raise StopIteration
        self.count += 1
        if self.count == self.start + 1:
            self.after_first = self._f.tell()
        try:
            return raw.decode("utf-8-sig" if self.count == 1 else "utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                f"{self._path}: not UTF-8 text (line {self.count} has an undecodable byte); "
                "save it as UTF-8"
            ) from None

    def begin(self) -> None:
        self.start = self.count
        self.after_first = None

    def resume_after_first_line(self) -> None:
        """Read on from the second line of the current record."""
        assert self.after_first is not None
        self._f.seek(self.after_first)
        self.count = self.start + 1
        self.eof = False


def _records(path: Path, delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """``(line, cells, None)`` for each record of a CSV file, the header included, blank lines
    left out; ``(line, None, error)`` for a record that cannot be read (an unclosed quote)."""
    with path.open("rb") as f:
        lines = _Lines(f, path)
        width: int | None = None
        while True:
            reader = csv.reader(lines, delimiter=delimiter)
            while True:
                lines.begin()
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    # Past one line, a quote opened and never closed (the value grew beyond
                    # csv's field limit, or ran into a line csv refuses).
                    spans = lines.count - lines.start > 1
                    yield lines.start + 1, None, "unclosed quote" if spans else f"{exc}"
                    break
                if not cells:
                    continue  # a blank line
                # The end of the file came inside the record (csv only reads on inside quotes),
                # or a record over several lines has the wrong number of cells.
                spans = lines.count - lines.start > 1
                if lines.eof or (spans and width is not None and len(cells) != width):
                    yield lines.start + 1, None, "unclosed quote"
                    break
                if width is None:
                    width = len(cells)
                yield lines.start + 1, cells, None
            lines.resume_after_first_line()


def _header(path: Path, delimiter: str) -> list[str]:
    for line, cells, error in _records(path, delimiter):
        if cells is None:
            raise UsageError(f"{path}: line {line} (the header): {error}")
        return cells
    return []


def _delimiter_hint(header: list[str], known: set[str]) -> str:
    """A hint naming the separator the file seems to use, when its header is all known columns
    split on it (the header's names are certain; guessing from character counts is not)."""
    if len(header) != 1:
        return ""
    for char, (plural, spelled) in _OTHER_DELIMITERS.items():
        cells = header[0].split(char)
        if len(cells) > 1 and all(c.strip() in known for c in cells):
            quoted = f"'{spelled}'" if spelled != "tab" else "tab"
            return f"; it looks separated by {plural} ({spelled}): use --delimiter {quoted}"
    return ""


def _check_csv_header(path: Path, delimiter: str) -> list[str]:
    """The header, or ``UsageError`` for unknown or missing columns (before anything is sent)."""
    cols = {c.name: c for c in columns(REQUEST)}
    header = _header(path, delimiter)
    unknown = [h for h in header if h not in cols and h not in _OUTPUT_ONLY_COLUMNS]
    if unknown:
        hint = _delimiter_hint(header, set(cols))
        raise UsageError(
            f"{path}: unknown column(s) {', '.join(unknown)}; the columns are "
            f"{', '.join(cols)}{hint}"
        )
    missing = [n for n, c in cols.items() if c.required and c.group is None and n not in header]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
    return header


def _csv_row(line: int, header: list[str], cells: list[str]) -> Row:
    cols = {c.name: c for c in columns(REQUEST)}
    record = dict(zip(header, cells, strict=False))
    raw: dict[str, Any] = {k: v for k, v in record.items() if v}
    if len(cells) > len(header):
        raw["_extra_cells"] = cells[len(header) :]
        return Row(line, raw, error=f"{len(cells)} cells, the header has {len(header)}")
    if len(cells) < len(header):
        return Row(line, raw, error=f"fewer cells than the {len(header)} of the header")
    values: dict[str, Any] = {}
    problems = []
    for name, text in raw.items():
        if name in cols:
            try:
                values[name] = parse_cell(cols[name], text)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    if problems:
        return Row(line, raw, error="; ".join(problems))
    try:
        call = _create_call(**nested_values(REQUEST, values))
    except RequestValidationError as exc:
        return Row(line, raw, error=_describe(exc, wire=False))
    return Row(line, raw, call, warnings=_warnings(call.body, wire=False))


def _csv_rows(path: Path, delimiter: str, repeated: dict[int, str]) -> Iterator[Row]:
    records = _records(path, delimiter)
    header = next(records)[1] or []
    for line, cells, error in records:
        if cells is None:
            yield Row(line, None, error=error)
        elif line in repeated:
            yield Row(line, dict(zip(header, cells, strict=False)), error=repeated[line])
        else:
            yield _csv_row(line, header, cells)


def _csv_ids(path: Path, delimiter: str) -> Iterator[tuple[int, str | None]]:
    records = _records(path, delimiter)
    header = next(records)[1] or []
    at = header.index("id") if "id" in header else len(header)
    for line, cells, _ in records:
        yield line, cells[at] or None if cells is not None and at < len(cells) else None


# JSON Lines ----------------------------------------------------------------------------------


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8-sig") as f:
        for line, text in enumerate(f, start=1):
            if text.strip():
                yield line, text


def _jsonl_rows(path: Path, repeated: dict[int, str]) -> Iterator[Row]:
    for line, text in _jsonl_lines(path):
        try:
            data = json.loads(text)
        except ValueError as exc:
            yield Row(line, text.rstrip("\n"), error=f"invalid JSON: {exc}")
            continue
        if line in repeated:
            yield Row(line, data, error=repeated[line])
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
        yield Row(
            line, data, Call(CREATE_CUSTOMER, body=model), warnings=_warnings(model, wire=True)
        )


def _jsonl_ids(path: Path) -> Iterator[tuple[int, str | None]]:
    for line, text in _jsonl_lines(path):
        try:
            data = json.loads(text)
        except ValueError:
            yield line, None
            continue
        value = data.get("id") if isinstance(data, dict) else None
        yield line, value if isinstance(value, str) and value else None


# The file ------------------------------------------------------------------------------------


def delimiter_of(text: str | None) -> str:
    """The CSV separator ``--delimiter`` names: one character, or ``tab`` (default ``,``)."""
    if text is None:
        return ","
    char = "\t" if text.lower() in ("tab", "\\t") else text
    if len(char) != 1 or char in '"\r\n':
        raise UsageError(
            f"--delimiter takes one character (or tab), not a quote or a newline; got {text!r}"
        )
    return char


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def open_rows(path: Path, *, delimiter: str | None = None) -> RowFile:
    """``path`` read once (see the module docstring); ``UsageError`` for a bad header, an unknown
    kind of file or a byte that is not UTF-8, before anything is sent."""
    suffix = path.suffix.lower()
    sep = delimiter_of(delimiter)
    if suffix == ".csv":
        _check_csv_header(path, sep)
        ids = _csv_ids(path, sep)
    elif suffix in (".jsonl", ".ndjson"):
        if delimiter is not None:
            raise UsageError("--delimiter is for CSV files; this is JSON Lines")
        ids = _jsonl_ids(path)
    else:
        raise UsageError(f"{path}: expected a .csv or .jsonl file")
    first: dict[str, int] = {}
    repeated: dict[int, str] = {}
    total = 0
    try:
        for line, customer_id in ids:
            total += 1
            if customer_id is None:
                continue
            if customer_id in first:
                repeated[line] = f"id {customer_id} is also on line {first[customer_id]}"
            else:
                first[customer_id] = line
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (undecodable byte at offset {exc.start}); save it as UTF-8"
        ) from None

    def read() -> Iterator[Row]:
        if suffix == ".csv":
            return _csv_rows(path, sep, repeated)
        return _jsonl_rows(path, repeated)

    return RowFile(path, total, _digest(path), read=read)
