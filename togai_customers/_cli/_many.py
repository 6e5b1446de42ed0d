"""``get``/``update``/``delete`` of several ids in one process (``ID ID ...``, ``--ids-from``).

Every call is built and checked first (bad input is exit 2 before anything is sent); then they
go out concurrently on one async client whose pace is shared by all (the adaptive pace of the
bulk commands, never above ``$TOGAI_MAX_RPS``), a 429 past the SDK's retries tried again as
``import`` does. Results come out in the order of the ids, one per id (JSON Lines for
``-o json``); each failure is one ``Error: ID: ...`` line on stderr, and the exit code is 1 when
any failed. Imported only when a command is given several ids.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

import typer

from togai_customers import RequestValidationError

from ._dry_run import show_request
from ._output import CsvWriter, emit_record
from ._state import CliState, UsageError

if TYPE_CHECKING:
    from togai_customers.spec import Call, Operation

    from ._commands import _Prepared

__all__ = ["CONCURRENCY", "run_many"]

#: Requests in flight at once; the pace, not this, sets the speed (as ``import --concurrency``).
CONCURRENCY = 8


def run_many(
    state: CliState, op: Operation[Any], ids: list[str], given: dict[str, Any], prepared: _Prepared
) -> None:
    """Send the row's call for each id (or show each with ``--dry-run``); exit 1 if any failed."""
    calls = []
    for resource_id in ids:
        try:
            calls.append(prepared.call(resource_id))
        except RequestValidationError as exc:
            raise UsageError(f"{resource_id}: {exc.message}") from None
        except UsageError as exc:
            raise UsageError(f"{resource_id}: {exc}") from None
    fmt = state.output_format()
    if given.get("dry_run"):
        if prepared.groups:
            typer.echo(
                f"Note: run for real, the stored {', '.join(prepared.groups)} of each is read "
                "first and the options given are merged into it.",
                err=True,
            )
        for call in calls:
            show_request(state, call, one_line=fmt in ("json", "jsonl"), note=False)
        typer.echo(f"Dry run: nothing was sent ({len(calls)} requests).", err=True)
        return
    if op.destructive and not given["yes"]:
        _confirm(op, len(ids))
    failed = asyncio.run(_send_all(state, op, ids, calls, prepared, fmt))
    if failed:
        raise typer.Exit(1)


def _confirm(op: Operation[Any], count: int) -> None:
    """Ask once, with the count, on a terminal; refuse without --yes elsewhere."""
    noun = op.path_params[0].name.removesuffix("_id")
    what = f"{count} {noun}s"
    verb = op.cli_command.split()[-1]
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to {verb} {what} without --yes (stdin is not a terminal)")
    typer.confirm(f"{verb.capitalize()} {what}? This cannot be undone.", abort=True)


async def _send_all(
    state: CliState,
    op: Operation[Any],
    ids: list[str],
    calls: list[Call[Any]],
    prepared: _Prepared,
    fmt: str,
) -> int:
    """Send the calls (``CONCURRENCY`` at once, one pace), print each result in id order;
    return how many failed."""
    from togai_customers import AdaptivePace, AsyncTogaiCustomers, TogaiError

    from ._bulk import patiently
    from ._errors import _with_hint

    ceiling = state.max_requests_per_second()
    pace = AdaptivePace(start=ceiling, ceiling=ceiling)
    gate = asyncio.Semaphore(CONCURRENCY)

    async with AsyncTogaiCustomers(**state.client_settings(), pacer=pace) as client:

        async def one(resource_id: str, call: Call[Any]) -> Any:
            async with gate:
                if prepared.groups:
                    read = prepared.reader(call)
                    stored = (await patiently(lambda: client.send(read))).parse()
                    call = prepared.merged(resource_id, stored)
                return (await patiently(lambda: client.send(call))).parse()

        tasks = [asyncio.create_task(one(i, c)) for i, c in zip(ids, calls, strict=True)]
        failed = 0
        csv: CsvWriter | None = None
        try:
            for resource_id, task in zip(ids, tasks, strict=True):
                try:
                    result = await task
                except (TogaiError, UsageError) as exc:
                    failed += 1
                    message = _with_hint(state, exc) if isinstance(exc, TogaiError) else str(exc)
                    typer.echo(state.redact(f"Error: {resource_id}: {message}"), err=True)
                    continue
                if fmt in ("json", "jsonl"):
                    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
                elif fmt == "csv":
                    csv = csv or CsvWriter(sys.stdout, type(result))
                    csv.write(result)
                else:
                    emit_record(fmt, result, title=f"{op.summary}: {resource_id}")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    if failed:
        typer.echo(f"{failed} of {len(ids)} failed.", err=True)
    return failed
