"""``sync FILE``: make Togai match the file for the customers it names (plan, then apply).

The file is read as ``import`` reads it (``_rows``). Then the current state of the customers it
names is read with whichever costs fewer requests: listing every customer at 100 a page, or one
get per row. The number of customers in Togai is not known beforehand, so the listing goes on
while it has cost fewer pages than there are rows still unaccounted for, and the rest are fetched
one by one (at most twice the cheaper of the two, and exactly the listing when the file names
most of the customers).

The plan puts each row in one kind: ``create`` (no such customer), ``update`` (it differs in
name, primary email or address: :meth:`CreateCustomerRequest.differences`, the one definition of
"the same customer"), ``unchanged``, or ``invalid`` (the row does not check out, or its id is
already on an earlier line). Nothing is ever deleted. Applying sends one create per missing
customer and one update per differing one, with only the differing fields (the address whole, as
Togai replaces it). A value Togai takes but that is likely a mistake (``_rows``) is a warning of
the plan, for the rows whose write sends it.

The plan is always made from Togai's current state, never from a journal: a journal (``_journal``:
this sync's own, against the same target with the same key and file) only lets an interrupted
apply go on without sending again the writes it made, and it does so through the plan itself:
a row it wrote that Togai still holds as the file says is ``unchanged`` in the new plan (counted
as ``resumed``), and a row Togai no longer holds so is planned again. ``--dry-run`` writes
nothing, so it opens no journal at all.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import typer

from togai_customers import ConflictError, Customer, NotFoundError, TogaiError
from togai_customers.spec import LIST_CUSTOMERS, UPDATE_CUSTOMER, Call, Model, to_camel

from ._bulk import (
    EXIT_INTERRUPTED,
    BulkRun,
    RowNote,
    fetch_customer,
    interrupted_message,
    patiently,
    warning_lines,
)
from ._output import emit_record
from ._rows import Row, RowFile, open_rows
from ._state import CliState, UsageError

if TYPE_CHECKING:
    from rich.progress import Progress

    from togai_customers import AsyncTogaiCustomers

__all__ = ["SyncSummary", "run_sync"]

#: Rows of each kind shown in the text plan.
SHOWN = 10
KINDS = ("create", "update", "unchanged", "invalid")
_update_call = UPDATE_CUSTOMER.build


@attrs.frozen(kw_only=True)
class SyncSummary(Model):
    """What a sync did, row by row, and how it paced itself."""

    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int
    invalid: int
    #: Unchanged rows an interrupted apply of this sync had written (so not sent again).
    resumed: int
    #: Requests sent (reads included), 429 answers among them, the pace reached (per second).
    requests: int
    rate_limited: int
    pace: float
    seconds: float
    #: True when Ctrl-C stopped the run (left out otherwise).
    interrupted: bool | None = None
    failed_file: str | None = None
    journal: str | None = None


@attrs.frozen
class Change:
    """One row of the plan."""

    row: Row
    kind: str  # create | update | unchanged | invalid
    existing: Customer | None = None
    fields: tuple[str, ...] = ()  # what differs (update), Python names
    error: str | None = None

    @property
    def customer_id(self) -> str | None:
        return self.row.customer_id

    @property
    def warnings(self) -> list[RowNote]:
        """The row's warnings about the fields this change sends."""
        sent = ("primary_email", "address") if self.kind == "create" else self.fields
        if self.kind not in ("create", "update"):
            return []
        return [
            RowNote(line=self.row.line, id=self.customer_id, message=w.message)
            for w in self.row.warnings
            if w.field in sent
        ]


@attrs.define
class Plan:
    changes: list[Change] = attrs.Factory(list)
    reads: int = 0
    #: Unchanged rows that an interrupted apply of this sync wrote (its journal says so).
    resumed: int = 0

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def writes(self) -> int:
        return self.count("create") + self.count("update")

    @property
    def warnings(self) -> list[RowNote]:
        return [note for change in self.changes for note in change.warnings]


# Reading the file and the current state ------------------------------------------------------


def _checked(rows: Iterator[Row], plan: Plan) -> list[Row]:
    """The rows to look up; invalid rows (a repeated id among them) go into the plan."""
    wanted = []
    for row in rows:
        if row.error is not None:
            plan.changes.append(Change(row, "invalid", error=row.error))
        else:
            wanted.append(row)
    return wanted


async def _list_until(
    run: BulkRun,
    client: AsyncTogaiCustomers,
    found: dict[str, Customer | None],
    unresolved: set[str],
    progress: Progress,
    task: Any,
) -> bool:
    """List customers while it costs fewer pages than the ids still unresolved; True when the
    listing reached its end (every id not seen does not exist)."""
    call: Call[Any] | None = LIST_CUSTOMERS.build().iterating()
    pages = 0
    while unresolved and pages < len(unresolved) and not run.interrupted:
        assert call is not None
        page = (await patiently(functools.partial(client.send, call))).parse()
        pages += 1
        for customer in page.data:
            if customer.id in unresolved:
                found[customer.id] = customer
                unresolved.discard(customer.id)
                progress.update(task, advance=1)
        call = call.next_page(page)
        if call is None:
            return True
    return False


async def _read_state(run: BulkRun, rows: list[Row], found: dict[str, Customer | None]) -> None:
    """The current customer (None: none) of each row's id, at the lower cost (module doc)."""
    unresolved = {row.request.id for row in rows}
    progress = run.progress("Reading  ")
    task = progress.add_task("read", total=len(unresolved), status="")
    with progress:
        async with run.connected() as clients:
            complete = await _list_until(
                run, clients.for_worker(0), found, unresolved, progress, task
            )
            if complete:
                found.update(dict.fromkeys(unresolved))
                progress.update(task, advance=len(unresolved))
                return

            async def get(client: AsyncTogaiCustomers, customer_id: str) -> None:
                found[customer_id] = await fetch_customer(client, customer_id)
                progress.update(task, advance=1, status=run.pace_status())

            await run.pool(clients, sorted(unresolved), get, on_cancel=lambda _: None)


def _plan(file: RowFile, run: BulkRun, *, journal: bool) -> Plan:
    plan = Plan()
    wanted = _checked(file.rows(), plan)
    found: dict[str, Customer | None] = {}
    if wanted:
        before = run.pace.requests
        run.run(lambda: _read_state(run, wanted, found))
        plan.reads = run.pace.requests - before
    if run.interrupted:
        return plan
    for row in wanted:
        existing = found[row.request.id]
        if existing is None:
            plan.changes.append(Change(row, "create"))
            continue
        fields = row.request.differences(existing)
        kind = "update" if fields else "unchanged"
        plan.changes.append(Change(row, kind, existing, fields))
        if kind == "unchanged" and journal and run.journal.written(row):
            plan.resumed += 1
    plan.changes.sort(key=lambda c: c.row.line)
    return plan


# Showing the plan ----------------------------------------------------------------------------


def _value(value: Any) -> Any:
    return value.to_dict() if isinstance(value, Model) else value


def _fields(change: Change) -> dict[str, dict[str, Any]]:
    """Field by field (camelCase): ``{"from": old, "to": new}`` (creates: ``to`` only)."""
    request = change.row.request
    if change.kind == "create":
        names: tuple[str, ...] = ("name", "primary_email", "address")
        return {to_camel(n): {"to": _value(getattr(request, n))} for n in names}
    old = change.existing
    return {
        to_camel(n): {"from": _value(getattr(old, n)), "to": _value(getattr(request, n))}
        for n in change.fields
    }


def plan_json(path: Path, plan: Plan) -> dict[str, Any]:
    """The plan as JSON: counts, and every row to create, update or that is invalid."""
    out: dict[str, Any] = {"file": str(path)}
    out.update({kind: plan.count(kind) for kind in KINDS})
    out["resumed"] = plan.resumed
    out["reads"] = plan.reads
    rows = []
    for change in plan.changes:
        if change.kind == "unchanged":
            continue
        entry: dict[str, Any] = {"line": change.row.line, "id": change.customer_id}
        entry["action"] = change.kind
        if change.kind == "invalid":
            entry["error"] = change.error
        else:
            entry["fields"] = _fields(change)
        rows.append(entry)
    out["changes"] = rows
    out["warnings"] = [note.to_dict() for note in plan.warnings]
    return out


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def plan_text(path: Path, plan: Plan) -> list[str]:
    """The plan for a person: counts, then the first rows of each kind, field by field."""
    reads = f"{plan.reads} request{'' if plan.reads == 1 else 's'}"
    lines = [f"Plan for {path.name} (current state read with {reads}):"]
    for kind in KINDS:
        resumed = (
            f" ({plan.resumed} of them written by the interrupted run of this sync)"
            if kind == "unchanged" and plan.resumed
            else ""
        )
        lines.append(f"  {kind:<10} {plan.count(kind)}{resumed}")
    for kind in ("create", "update", "invalid"):
        changes = plan.of(kind)
        if not changes:
            continue
        lines.append(f"{kind.capitalize()}:")
        for change in changes[:SHOWN]:
            where = f"  line {change.row.line}"
            if kind == "invalid":
                lines.append(f"{where}: {change.error}")
                continue
            lines.append(f"{where}: {change.customer_id}")
            for name, diff in _fields(change).items():
                if "from" in diff:
                    lines.append(f"      {name}: {_show(diff['from'])} -> {_show(diff['to'])}")
                else:
                    lines.append(f"      {name}: {_show(diff['to'])}")
        if len(changes) > SHOWN:
            lines.append(f"  ... and {len(changes) - SHOWN} more")
    if plan.warnings:
        lines.append(f"Warnings ({len(plan.warnings)}, sent as they are):")
        lines += warning_lines(plan.warnings)
    return lines


# Applying ------------------------------------------------------------------------------------


async def _update(
    client: AsyncTogaiCustomers, change: Change, fields: tuple[str, ...]
) -> tuple[str, str | None]:
    request = change.row.request
    values = {name: getattr(request, name) for name in fields}
    call = _update_call(request.id, **values)
    try:
        await patiently(lambda: client.send(call))
    except NotFoundError:
        return "failed", "not found: it was deleted after the plan was made"
    except TogaiError as exc:
        return "failed", str(exc)
    return "updated", None


async def _create(client: AsyncTogaiCustomers, change: Change) -> tuple[str, str | None]:
    """Create the row's customer; if it appeared since the plan, update what differs."""
    call = change.row.call
    assert call is not None
    request = change.row.request
    try:
        await patiently(lambda: client.send(call))
    except NotFoundError:
        raise  # Togai never answers a create with 404: the base URL is not its (stop the run)
    except ConflictError as conflict:
        try:
            existing = await fetch_customer(client, request.id)
        except TogaiError as exc:
            return "failed", f"{conflict}; then fetching it failed: {exc}"
        if existing is None:
            return "failed", f"{conflict}; then it was not found"
        fields = request.differences(existing)
        if not fields:
            return "unchanged", None
        return await _update(client, change, fields)
    except TogaiError as exc:
        return "failed", str(exc)
    return "created", None  # a 201, or a lost answer the SDK found stored with the row's data


def _confirm(plan: Plan, *, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to apply the plan without --yes (stdin is not a terminal); "
            "--dry-run shows the plan only"
        )
    typer.confirm(
        f"Apply: create {plan.count('create')}, update {plan.count('update')}?",
        abort=True,
        err=True,
    )


def run_sync(
    state: CliState,
    path: Path,
    *,
    dry_run: bool,
    yes: bool,
    concurrency: int,
    rate: float | None = None,
    restart: bool = False,
    delimiter: str | None = None,
) -> int:
    """Plan, show, confirm and apply; returns the exit code (see the module docstring)."""
    fmt = state.output_format()
    if fmt == "csv":
        raise UsageError("sync prints its plan as a table or as JSON: use -o table, json or jsonl")
    file = open_rows(path, delimiter=delimiter)
    run = BulkRun(state, file, command="sync", concurrency=concurrency, rate=rate, restart=restart)
    opened = contextlib.nullcontext() if dry_run else run.opened()
    with opened:
        if not dry_run and run.journal.finished_before:
            run.say(
                None,
                f"Going on from {run.journal.path.name} (a sync into {run.target}, started "
                f"{run.journal.started}): the plan is read from Togai again; the rows that run "
                "wrote and Togai still holds as the file says are not sent again.",
                "yellow",
            )
        plan = _plan(file, run, journal=not dry_run)
        if run.interrupted:
            typer.echo(
                "Interrupted while reading the current state: nothing was changed.", err=True
            )
            return EXIT_INTERRUPTED
        document = plan_json(path, plan)
        text = plan_text(path, plan)
        if fmt == "table":
            typer.echo("\n".join(text))
        invalid = plan.count("invalid")
        if dry_run or not plan.writes:
            if fmt != "table":
                _echo_json(fmt, {"plan": document})
            elif not plan.writes:
                typer.echo("Nothing to change.")
            if not dry_run:
                run.journal.remove()  # Togai matches the file: nothing left to go on with
            return 1 if invalid else 0
        if fmt != "table" and not yes and sys.stdin.isatty():
            typer.echo("\n".join(text), err=True)  # the person deciding sees the plan
        _confirm(plan, yes=yes)
        summary = _apply(run, plan)
    if fmt == "table":
        emit_record(fmt, summary, title=f"Sync of {path.name}")
    else:
        _echo_json(fmt, {"plan": document, "result": summary.to_dict()})
    if run.interrupted:
        typer.echo(interrupted_message(run), err=True)
        return EXIT_INTERRUPTED
    return 0 if summary.failed == summary.invalid == 0 else 1


def _echo_json(fmt: str, document: dict[str, Any]) -> None:
    if fmt == "jsonl":
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _apply(run: BulkRun, plan: Plan) -> SyncSummary:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    counts["unchanged"] = plan.count("unchanged")
    writes = [c for c in plan.changes if c.kind in ("create", "update")]
    progress = run.progress("Applying ")
    task = progress.add_task("apply", total=len(writes), status="")

    async def handle(client: AsyncTogaiCustomers, change: Change) -> None:
        if change.kind == "create":
            kind, error = await _create(client, change)
        else:
            kind, error = await _update(client, change, change.fields)
        row = change.row
        run.record(row, kind)
        if error is not None:
            run.problem(progress, row, kind, error)
        counts[kind] += 1
        status = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        progress.update(task, advance=1, status=f"{status}; {run.pace_status()}")

    def in_flight(change: Change) -> None:
        run.record(change.row, "unknown")

    async def main() -> None:
        async with run.connected() as clients:
            await run.pool(clients, writes, handle, on_cancel=in_flight)

    for change in plan.of("invalid"):
        assert change.error is not None
        run.failed.add(change.row, change.error, at_target=False)
    completed = False
    try:
        with progress:
            run.run(main)
        completed = not run.interrupted
    finally:
        failed_file = run.failed.finish(completed=completed)
    invalid = plan.count("invalid")
    finished = completed and counts["failed"] == 0  # kept for a re-run otherwise (see import)
    if finished:
        run.journal.remove()
    return SyncSummary(
        rows=sum(counts.values()) + invalid,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        failed=counts["failed"],
        invalid=invalid,
        resumed=plan.resumed,
        requests=run.pace.requests,
        rate_limited=run.pace.throttled,
        pace=round(run.pace.rate, 1),
        seconds=run.seconds(),
        interrupted=True if run.interrupted else None,
        failed_file=failed_file,
        journal=None if finished else run.journal_kept(),
    )
