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
already on an earlier line). Nothing is ever deleted. Rows the journal says are finished are
``skipped`` without a request. Applying sends one create per missing customer and one update per
differing one, with only the differing fields (the address whole, as Togai replaces it).
"""

from __future__ import annotations

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

from ._bulk import EXIT_INTERRUPTED, BulkRun, fetch_customer, patiently
from ._output import emit_record
from ._rows import Row, open_rows
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
    #: Finished by an earlier run (the journal says so): skipped without a request.
    skipped: int
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
        if self.row.call is not None:
            return self.row.request.id
        raw = self.row.raw
        value = raw.get("id") if isinstance(raw, dict) else None
        return value if isinstance(value, str) else None


@attrs.define
class Plan:
    changes: list[Change] = attrs.Factory(list)
    skipped: int = 0
    reads: int = 0

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    @property
    def writes(self) -> int:
        return self.count("create") + self.count("update")


# Reading the file and the current state ------------------------------------------------------


def _checked(rows: Iterator[Row], run: BulkRun, plan: Plan) -> list[Row]:
    """The rows to look up: invalid rows go into the plan, finished ones are skipped."""
    first_line: dict[str, int] = {}
    wanted = []
    for row in rows:
        if row.error is not None:
            plan.changes.append(Change(row, "invalid", error=row.error))
            continue
        customer_id = row.request.id
        if customer_id in first_line:
            error = f"id {customer_id} is also on line {first_line[customer_id]}"
            plan.changes.append(Change(row, "invalid", error=error))
            continue
        first_line[customer_id] = row.line
        if run.journal.done(row.key):
            plan.skipped += 1
            continue
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


def _plan(path: Path, run: BulkRun) -> Plan:
    rows, _ = open_rows(path)
    plan = Plan()
    wanted = _checked(rows, run, plan)
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
    out["skipped"] = plan.skipped
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
    return out


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def plan_text(path: Path, plan: Plan) -> list[str]:
    """The plan for a person: counts, then the first rows of each kind, field by field."""
    reads = f"{plan.reads} request{'' if plan.reads == 1 else 's'}"
    lines = [f"Plan for {path.name} (current state read with {reads}):"]
    for kind in KINDS:
        lines.append(f"  {kind:<10} {plan.count(kind)}")
    if plan.skipped:
        lines.append(f"  {'skipped':<10} {plan.skipped} (finished by an earlier run)")
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
) -> int:
    """Plan, show, confirm and apply; returns the exit code (see the module docstring)."""
    fmt = state.output_format()
    if fmt == "csv":
        raise UsageError("sync prints its plan as a table or as JSON: use -o table, json or jsonl")
    run = BulkRun(
        state, path, concurrency=concurrency, rate=rate, restart=restart, read_only=dry_run
    )
    with run.journal:
        run.resume_pace()
        plan = _plan(path, run)
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
                run.journal.remove()
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
        typer.echo(
            f"Interrupted: run the same command again to go on from here "
            f"({run.journal.path.name} keeps the rows finished).",
            err=True,
        )
        return EXIT_INTERRUPTED
    return 0 if summary.failed == summary.invalid == 0 else 1


def _echo_json(fmt: str, document: dict[str, Any]) -> None:
    if fmt == "jsonl":
        typer.echo(json.dumps(document, ensure_ascii=False))
    else:
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _apply(run: BulkRun, plan: Plan) -> SyncSummary:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    unchanged = plan.of("unchanged")
    for change in unchanged:  # Togai holds their data: a re-run need not read them again
        run.record(change.row, "unchanged")
    counts["unchanged"] = len(unchanged)
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
        run.failed.add(change.row, change.error)
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
        rows=sum(counts.values()) + invalid + plan.skipped,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        failed=counts["failed"],
        invalid=invalid,
        skipped=plan.skipped,
        requests=run.pace.requests,
        rate_limited=run.pace.throttled,
        pace=round(run.pace.rate, 1),
        seconds=run.seconds(),
        interrupted=True if run.interrupted else None,
        failed_file=failed_file,
        journal=None if finished else str(run.journal.path),
    )
