"""``import`` and ``export``, and what ``import`` and ``sync`` share: :class:`BulkRun`.

A bulk run sends its requests through a few async clients that share one :class:`AdaptivePace`
(the pace adapts to 429 answers, never above ``--rate``), keeps a :class:`Journal` beside the
file so that a re-run skips the rows already finished (a journal of another target, key, command
or file content stops the run instead: ``_journal``), writes the rows that failed to
``FILE.failed.jsonl``, shows progress on a terminal's stderr, and stops cleanly on Ctrl-C: no new
row starts, the rows in flight get a moment to finish and are otherwise recorded as unknown
(checked again by the next run), and the summary is printed (exit code 130).

``FILE.failed.jsonl`` holds one ``{"line", "error", "row"}`` per row, and ``"target"`` (the base
URL) for a row the API refused there: a row that failed against one target is not a row a run
against another may forget, so such a file stops that run (``--restart`` replaces it). A row that
did not check out fails the same everywhere and carries no target.

Messages about rows (errors and warnings) are one line each on stderr when it is not a terminal
(rich would wrap them at 80 columns), so that logs parse line by line.

Why several clients: httpcore's connection pool walks every connection of the pool on each
request (and, past its 20 keep-alive connections, closes and reopens them), so one client with
32 connections costs several times more CPU per request than 8 clients with 4 each. Each worker
keeps to one client of at most :data:`CONNECTIONS_PER_CLIENT` workers, and nothing queues. The
clients share one TLS context (making one loads the CA bundle: about 30 ms of CPU each).

Import reads the file lazily, a few rows ahead of the workers, so memory stays flat whatever the
file's size. A 409 on create is resolved by fetching the customer: the same data
(:meth:`CreateCustomerRequest.differences`) counts as already present, other data is a failure.
Export writes one customer at a time to a temporary file renamed into place at the end, so a
failed export leaves no half-written file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import attrs
import typer

from togai_customers import (
    AdaptivePace,
    ConflictError,
    CreateCustomerRequest,
    Customer,
    NotFoundError,
    RateLimitError,
    TogaiError,
)
from togai_customers.spec import CREATE_CUSTOMER, LIST_CUSTOMERS, Model, to_camel

from ._journal import Binding, Journal, article
from ._output import CsvWriter, emit_record
from ._rows import Row, RowFile, RowWarning, open_rows
from ._state import CliState, UsageError

if TYPE_CHECKING:
    from rich.progress import Progress

    from togai_customers import AsyncTogaiCustomers

__all__ = [
    "CONNECTIONS_PER_CLIENT",
    "BulkRun",
    "ImportSummary",
    "RowNote",
    "create_customer",
    "fetch_customer",
    "patiently",
    "run_export",
    "run_import",
]

T = TypeVar("T")
R = TypeVar("R")

CONNECTIONS_PER_CLIENT = 4
#: Seconds the rows in flight get to finish after Ctrl-C (a second Ctrl-C stops at once).
GRACE_SECONDS = 3.0
#: A row refused with 429 through all of the SDK's retries is tried again (at the adapted pace)
#: this many times more before it counts as failed.
THROTTLED_ROUNDS = 5
_PAGE_MAX = LIST_CUSTOMERS.param("page_size").maximum
EXIT_INTERRUPTED = 130


@attrs.frozen(kw_only=True)
class RowNote(Model):
    """A warning about one row: its line, its id and what is likely wrong (sent as it is)."""

    line: int
    id: str | None
    message: str


@attrs.frozen(kw_only=True)
class ImportSummary(Model):
    """What an import did, row by row, and how it paced itself."""

    rows: int
    created: int
    already_present: int
    failed: int
    #: Rows that did not check out, a repeated id among them: not sent.
    malformed: int
    #: Finished by an earlier run (the journal says so): skipped without a request.
    skipped: int
    #: Why they were skipped (left out when none was).
    skipped_because: str | None = None
    #: Requests sent, 429 answers among them, and the pace reached (requests per second).
    requests: int
    rate_limited: int
    pace: float
    seconds: float
    #: True when Ctrl-C stopped the run (left out otherwise).
    interrupted: bool | None = None
    failed_file: str | None = None
    journal: str | None = None
    #: Rows sent as they are with a likely mistake (left out when none was).
    warnings: list[RowNote] | None = None


# Sending -------------------------------------------------------------------------------------


async def patiently(send: Callable[[], Awaitable[R]]) -> R:
    """``send()``, again when it ends in 429 after all of the SDK's retries (the pace has
    adapted meanwhile), at most :data:`THROTTLED_ROUNDS` times more."""
    for _ in range(THROTTLED_ROUNDS):
        try:
            return await send()
        except RateLimitError:
            continue
    return await send()


async def fetch_customer(client: AsyncTogaiCustomers, customer_id: str) -> Customer | None:
    """The customer with this id, or None when there is none."""
    try:
        return await patiently(lambda: client.get_customer(customer_id))
    except NotFoundError:
        return None


def compare(request: CreateCustomerRequest, existing: Customer) -> tuple[str, str | None]:
    """``present`` when ``existing`` is the row's customer, else ``failed`` naming the fields."""
    differing = [to_camel(name) for name in request.differences(existing)]
    if differing:
        return "failed", f"already exists with different {', '.join(differing)}"
    return "present", None


async def create_customer(
    client: AsyncTogaiCustomers, row: Row, *, recheck: bool = False
) -> tuple[str, str | None]:
    """``("created"|"present"|"failed", error)`` for one row.

    "created" means this run saw the 201. A row the API already held, including one stored by an
    attempt whose answer was lost (the SDK then returns the stored customer), is "present" when
    it is the same customer (:meth:`CreateCustomerRequest.differences`). ``recheck`` (the row was
    in flight when an earlier run stopped) looks the customer up before creating it.
    """
    call = row.call
    assert call is not None
    request = row.request
    if recheck:
        try:
            found = await fetch_customer(client, request.id)
        except TogaiError as exc:
            return "failed", str(exc)
        if found is not None:
            return compare(request, found)
    try:
        raw = await patiently(lambda: client.send(call))
        if raw.status_code == CREATE_CUSTOMER.success_status:
            return "created", None
        return "present", None  # the SDK recovered a lost answer: the customer is the row's
    except NotFoundError:
        raise  # Togai never answers a create with 404: the base URL is not its (stop the run)
    except ConflictError as conflict:
        try:
            existing = await fetch_customer(client, request.id)
        except TogaiError as exc:
            return "failed", f"{conflict}; then fetching it failed: {exc}"
        if existing is None:
            return "failed", f"{conflict}; then it was not found"
    except TogaiError as exc:
        return "failed", str(exc)
    return compare(request, existing)


# The run -------------------------------------------------------------------------------------


class _FailedRows:
    """``FILE.failed.jsonl``: written to a temporary file, moved into place at the end."""

    def __init__(self, source: Path, target: str) -> None:
        self.path = source.with_name(source.name + ".failed.jsonl")
        self._target = target
        self._tmp: IO[str] | None = None
        self.count = 0

    def check(self) -> None:
        """``UsageError`` when the file there lists rows that failed against another target."""
        try:
            with self.path.open(encoding="utf-8", errors="replace") as f:
                targets = set()
                for line in f:
                    with contextlib.suppress(ValueError, AttributeError):
                        target = json.loads(line).get("target")
                        if target is not None:
                            targets.add(str(target))
        except FileNotFoundError:
            return
        others = sorted(targets - {self._target})
        if others:
            raise UsageError(
                f"{self.path.name} lists rows that failed against {', '.join(others)}; this run "
                f"is against {self._target} and would replace it. Move it away to keep it, or "
                "use --restart"
            )

    def add(self, row: Row, error: str, *, at_target: bool) -> None:
        """One failed row; ``at_target``: the API refused it (a row that did not check out
        fails the same everywhere)."""
        if self._tmp is None:
            self._tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finish()
                "w", encoding="utf-8", dir=self.path.parent, prefix=".failed-", delete=False
            )
        record: dict[str, object] = {"line": row.line, "error": error, "row": row.raw}
        if at_target:
            record["target"] = self._target
        self._tmp.write(json.dumps(record) + "\n")
        self._tmp.flush()
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


class _Clients:
    """``n`` async clients sharing one pace, each with its own small connection pool."""

    def __init__(self, state: CliState, concurrency: int, pace: AdaptivePace) -> None:
        import httpx

        from togai_customers import AsyncTogaiCustomers

        per = CONNECTIONS_PER_CLIENT
        limits = httpx.Limits(max_connections=per, max_keepalive_connections=per)
        tls = httpx.create_ssl_context()  # once: each costs ~30 ms of CPU (the CA bundle)
        self._http = [
            httpx.AsyncClient(limits=limits, verify=tls)
            for _ in range(math.ceil(concurrency / per))
        ]
        # One pace for all: the budget is the organisation's.
        self.clients = [
            AsyncTogaiCustomers(**state.client_settings(), http_client=http, pacer=pace)
            for http in self._http
        ]

    def for_worker(self, index: int) -> AsyncTogaiCustomers:
        return self.clients[index % len(self.clients)]

    async def aclose(self) -> None:
        for http in self._http:
            await http.aclose()


class BulkRun:
    """What ``import`` and ``sync`` share (see the module docstring).

    ``rate``: the ceiling of the pace (default ``$TOGAI_MAX_RPS``, else none); the pace starts
    there when it is given, else at Togai's 10 requests per second.
    """

    def __init__(
        self,
        state: CliState,
        file: RowFile,
        *,
        command: str,
        concurrency: int,
        rate: float | None,
        restart: bool,
    ) -> None:
        self.state = state
        self.path = path = file.path
        self.command = command
        self.concurrency = concurrency
        self._rate = rate
        self._restart = restart
        self._ceiling = rate if rate is not None else state.max_requests_per_second()
        self.pace = AdaptivePace(start=self._ceiling, ceiling=self._ceiling)
        self.target = state.target()
        api_key = state.client_settings()["api_key"]
        binding = Binding(command=command, target=self.target, api_key=api_key, content=file.sha256)
        self.journal = Journal(path, binding, restart=restart)
        self.failed = _FailedRows(path, self.target)
        self.notes: list[RowNote] = []
        self.interrupted = False
        self._on_interrupt: list[Callable[[], None]] = []
        self._main: asyncio.Task[None] | None = None
        self.started = time.perf_counter()
        from rich.console import Console

        self.console = Console(stderr=True)

    @contextlib.contextmanager
    def opened(self) -> Iterator[None]:
        """The journal open (and checked: ``UsageError`` when it is not this run's), the failed
        rows file checked, the pace of the last run taken up; all before any request."""
        with self.journal:
            if not self._restart:
                self.failed.check()
            if self._rate is None and self.journal.pace is not None:
                self.pace = AdaptivePace(ceiling=self._ceiling, reached=self.journal.pace)
            yield

    def journal_kept(self) -> str | None:
        """The journal's path, when it is there after the run."""
        return str(self.journal.path) if self.journal.path.exists() else None

    def record(self, row: Row, outcome: str) -> None:
        """The row's outcome in the journal, with the pace now."""
        self.journal.record(row, outcome, self.pace.rate)

    def progress(self, verb: str) -> Progress:
        """A progress bar on the terminal's stderr (nothing when stderr is not a terminal)."""
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

        return Progress(
            TextColumn(verb),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
            console=self.console,
            disable=not self.console.is_terminal,
        )

    def pace_status(self) -> str:
        throttled = f", {self.pace.throttled} x 429" if self.pace.throttled else ""
        return f"pace {self.pace.rate:.1f}/s{throttled}"

    def say(self, progress: Progress | None, text: str, style: str) -> None:
        """One message on stderr: above the progress bar on a terminal, else one plain line
        (rich would wrap it at the console's width)."""
        text = self.state.redact(text)
        if not self.console.is_terminal:
            typer.echo(text, err=True)
            return
        from rich.text import Text

        (progress.console if progress is not None else self.console).print(Text(text), style=style)

    def problem(
        self, progress: Progress, row: Row, kind: str, error: str, *, at_target: bool = True
    ) -> None:
        """Report a row that failed: stderr (with its line) and ``FILE.failed.jsonl``."""
        self.failed.add(row, error, at_target=at_target)
        self.say(progress, f"line {row.line}: {kind}: {error}", "red")

    def warn(self, progress: Progress, row: Row, warnings: Iterable[RowWarning]) -> None:
        """Report what is likely wrong in a row sent as it is: stderr, and the summary."""
        for warning in warnings:
            self.notes.append(RowNote(line=row.line, id=row.customer_id, message=warning.message))
            self.say(progress, f"line {row.line}: warning: {warning.message}", "yellow")

    def seconds(self) -> float:
        return round(time.perf_counter() - self.started, 2)

    def run(self, main: Callable[[], Awaitable[None]]) -> None:
        """``asyncio.run(main())`` with Ctrl-C turned into :meth:`interrupt` while it runs."""

        async def guarded() -> None:
            loop = asyncio.get_running_loop()
            self._main = asyncio.current_task()
            # Not in the main thread, or not on Windows: Ctrl-C is then a KeyboardInterrupt.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGINT, self.interrupt)
            try:
                await main()
            except asyncio.CancelledError:
                if not self.interrupted:
                    raise
            finally:
                self._main = None
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(signal.SIGINT)

        asyncio.run(guarded())

    def interrupt(self) -> None:
        """Ctrl-C: stop starting rows; a second one stops the rows in flight too (or, outside
        a pool of workers, what is being waited for)."""
        again = self.interrupted
        self.interrupted = True
        if not again:
            self.say(
                None,
                "Stopping: finishing the rows in flight (Ctrl-C again to stop at once)...",
                "yellow",
            )
        for callback in list(self._on_interrupt):
            callback()
        if again and not self._on_interrupt and self._main is not None:
            self._main.cancel()

    @contextlib.asynccontextmanager
    async def connected(self) -> AsyncIterator[_Clients]:
        """The run's clients (inside its event loop), closed at the end."""
        clients = _Clients(self.state, self.concurrency, self.pace)
        try:
            yield clients
        finally:
            await clients.aclose()

    async def pool(
        self,
        clients: _Clients,
        items: Iterable[T],
        work: Callable[[AsyncTogaiCustomers, T], Awaitable[None]],
        *,
        on_cancel: Callable[[T], None],
    ) -> None:
        """Run ``work(client, item)`` for each item on ``concurrency`` workers.

        After :meth:`interrupt` no new item starts; the items in flight get
        :data:`GRACE_SECONDS` (none after a second interrupt), then are cancelled, and
        ``on_cancel(item)`` records each.
        """
        queue: asyncio.Queue[T | None] = asyncio.Queue(maxsize=self.concurrency * 2)
        busy: dict[asyncio.Task[None], T | None] = {}
        loop = asyncio.get_running_loop()

        async def worker(client: AsyncTogaiCustomers) -> None:
            me = asyncio.current_task()
            assert me is not None
            while not self.interrupted:
                item = await queue.get()
                if item is None:
                    return
                busy[me] = item
                try:
                    await work(client, item)
                except asyncio.CancelledError:
                    on_cancel(item)
                    raise
                finally:
                    busy[me] = None

        async def feed() -> None:
            for item in items:
                if self.interrupted:
                    return
                await queue.put(item)
            for _ in workers:
                await queue.put(None)

        workers = [
            asyncio.create_task(worker(clients.for_worker(i))) for i in range(self.concurrency)
        ]
        feeder = asyncio.create_task(feed())
        for w in workers:
            busy[w] = None

        def stop_all() -> None:
            for task in (*workers, feeder):
                task.cancel()

        def stop() -> None:
            feeder.cancel()
            for task, item in busy.items():
                if item is None:
                    task.cancel()  # idle: waiting for an item that will not come
            loop.call_later(GRACE_SECONDS, stop_all)

        first = [True]

        def on_interrupt() -> None:
            if first[0]:
                first[0] = False
                stop()
            else:
                stop_all()

        self._on_interrupt.append(on_interrupt)
        try:
            done, _ = await asyncio.wait([feeder, *workers], return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                error = None if task.cancelled() else task.exception()
                if error is not None:
                    raise error
        finally:
            self._on_interrupt.remove(on_interrupt)
            stop_all()
            await asyncio.gather(feeder, *workers, return_exceptions=True)


def _row_items(
    run: BulkRun,
    rows: Iterator[Row],
    on_malformed: Callable[[Row], None],
    on_skipped: Callable[[Row], None],
) -> Iterator[Row]:
    """The rows to send: malformed rows and rows the journal says are done are reported instead."""
    for row in rows:
        if row.error is not None:
            on_malformed(row)
        elif run.journal.done(row):
            on_skipped(row)
        else:
            yield row


def skipped_because(run: BulkRun) -> str:
    """Why rows were skipped: finished by an earlier run, of this journal."""
    return (
        f"finished by an earlier {run.command} of this file into {run.target} "
        f"({run.journal.path.name}, started {run.journal.started})"
    )


def announce_resume(run: BulkRun) -> None:
    """Say, before anything is sent, that the run goes on from a journal and what it skips."""
    if run.journal.finished_before:
        rows = run.journal.finished_before
        run.say(
            None,
            f"Going on from {run.journal.path.name} ({article(run.command)} into {run.target}, "
            f"started {run.journal.started}): {rows} row{'' if rows == 1 else 's'} it finished "
            "are skipped without a request (--restart sends every row).",
            "yellow",
        )


def run_import(
    state: CliState,
    path: Path,
    *,
    concurrency: int,
    rate: float | None = None,
    restart: bool = False,
    delimiter: str | None = None,
) -> int:
    """Import ``path``; prints progress, problems and the summary; returns the exit code."""
    file = open_rows(path, delimiter=delimiter)
    run = BulkRun(
        state, file, command="import", concurrency=concurrency, rate=rate, restart=restart
    )
    counts = {"created": 0, "present": 0, "failed": 0, "malformed": 0, "skipped": 0}
    progress = run.progress("Importing")
    task = progress.add_task("import", total=file.total, status="")

    def advance(kind: str) -> None:
        counts[kind] += 1
        status = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        progress.update(task, advance=1, status=f"{status}; {run.pace_status()}")

    def malformed(row: Row) -> None:
        assert row.error is not None
        run.problem(progress, row, "malformed", row.error, at_target=False)
        advance("malformed")

    async def handle(client: AsyncTogaiCustomers, row: Row) -> None:
        run.warn(progress, row, row.warnings)
        kind, error = await create_customer(client, row, recheck=run.journal.unknown(row))
        run.record(row, kind)
        if error is not None:
            run.problem(progress, row, kind, error)
        advance(kind)

    def in_flight(row: Row) -> None:
        run.record(row, "unknown")

    async def main() -> None:
        items = _row_items(run, file.rows(), malformed, lambda row: advance("skipped"))
        async with run.connected() as clients:
            await run.pool(clients, items, handle, on_cancel=in_flight)

    completed = False
    with run.opened():
        announce_resume(run)
        try:
            with progress:
                run.run(main)
            completed = not run.interrupted
        finally:
            failed_file = run.failed.finish(completed=completed)
        # Kept only when a re-run has something to go on with: rows not reached, or rows that
        # failed (a malformed row needs an edit, which makes the file another file anyway).
        finished = completed and counts["failed"] == 0
        if finished:
            run.journal.remove()
    summary = ImportSummary(
        rows=sum(counts.values()),
        created=counts["created"],
        already_present=counts["present"],
        failed=counts["failed"],
        malformed=counts["malformed"],
        skipped=counts["skipped"],
        skipped_because=skipped_because(run) if counts["skipped"] else None,
        requests=run.pace.requests,
        rate_limited=run.pace.throttled,
        pace=round(run.pace.rate, 1),
        seconds=run.seconds(),
        interrupted=True if run.interrupted else None,
        failed_file=failed_file,
        journal=run.journal_kept(),
        warnings=run.notes or None,
    )
    emit_summary(state.output_format(), summary, title=f"Import of {path.name}")
    if run.interrupted:
        typer.echo(interrupted_message(run), err=True)
        return EXIT_INTERRUPTED
    return 0 if summary.failed == summary.malformed == 0 else 1


#: Warnings a table summary lists (every one is in the JSON forms).
SHOWN_WARNINGS = 10


def warning_lines(notes: list[RowNote]) -> list[str]:
    """The warnings for a person: the first ones with their lines, and how many more."""
    lines = [f"  line {n.line}: {n.message}" for n in notes[:SHOWN_WARNINGS]]
    if len(notes) > SHOWN_WARNINGS:
        lines.append(f"  ... and {len(notes) - SHOWN_WARNINGS} more (all of them with -o json)")
    return lines


def emit_summary(fmt: str, summary: ImportSummary, *, title: str) -> None:
    """The summary; as a table, its warnings listed below it (one a line, not a JSON cell)."""
    if fmt != "table" or not summary.warnings:
        emit_record(fmt, summary, title=title)
        return
    emit_record(fmt, attrs.evolve(summary, warnings=None), title=title)
    typer.echo(f"Warnings ({len(summary.warnings)}, sent as they are):")
    typer.echo("\n".join(warning_lines(summary.warnings)))


def interrupted_message(run: BulkRun) -> str:
    kept = run.journal_kept()
    where = f" ({run.journal.path.name} keeps the rows finished)" if kept else " (nothing finished)"
    return f"Interrupted: run the same command again to go on from here{where}."


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
