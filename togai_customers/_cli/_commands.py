"""The API commands: one thin call into the SDK each; help and options come from the table/models.

Bulk ``import``/``export`` are declared here and implemented in ``_bulk`` (imported when run).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import attrs
import typer

from .. import _calls
from .._exceptions import RequestValidationError
from .._models import (
    CreateCustomerContactRequest,
    CreateCustomerRequest,
    Customer,
    UpdateCustomerRequest,
)
from .._operations import (
    CREATE_CUSTOMER,
    CREATE_CUSTOMER_CONTACT,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMERS,
    UPDATE_CUSTOMER,
    Operation,
)
from .._serde import parse_request
from .._validation import check
from ._dry_run import show_request
from ._errors import guarded
from ._options import column_options, option_errors
from ._output import emit_list, emit_record
from ._state import CliState, UsageError

__all__ = ["register"]

#: Short spellings the issue asks for, next to the derived ``--primary-email`` etc.
_ALIASES = {"primary_email": "--email", "account_invoice_currency": "--invoice-currency"}
_PAGE_SIZE = {q.name: q for q in LIST_CUSTOMERS.query_params}["page_size"]
_NEXT_TOKEN = {q.name: q for q in LIST_CUSTOMERS.query_params}["next_token"]


def _help(op: Operation, extra: str = "") -> str:
    """Command help: the row's summary and description (plus CLI specifics)."""
    text = f"{op.summary}.\n\n{op.description}"
    return f"{text}\n\n{extra}" if extra else text


CustomerId = Annotated[str, typer.Argument(help="The customer's id.", show_default=False)]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the request (key redacted) and send nothing.")
]


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _kwargs(model: Any) -> dict[str, Any]:
    """A request model as the SDK method's keyword arguments."""
    return {a.name: getattr(model, a.name) for a in attrs.fields(type(model))}


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{'stdin' if source == '-' else source} is not valid JSON: {exc}"
        ) from None


def _build(cls: type[Any], builder: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an SDK call builder, naming rejected fields by their options."""
    try:
        return builder(*args, **kwargs)
    except RequestValidationError as exc:
        raise option_errors(exc, cls) from None


def _run(state: CliState, call: Any, title: str, *, dry_run: bool) -> None:
    """Print the request (``--dry-run``), or send the call as built and checked, and show it."""
    if dry_run:
        show_request(state, call)
        return
    with state.client() as client:
        result = client._execute(call).parse()
    emit_record(state.output_format(), result, title=title)


def register(app: typer.Typer) -> None:
    """Add the API commands to ``app``."""

    @app.command(
        "create",
        help=_help(
            CREATE_CUSTOMER,
            "Give the fields as options, or the "
            "whole camelCase request body with --from-json FILE (- for stdin).",
        ),
    )
    @guarded
    @column_options(
        CreateCustomerRequest, aliases=_ALIASES, required_note="Required unless --from-json."
    )
    def create(
        ctx: typer.Context,
        fields: dict[str, Any],
        from_json: Annotated[
            str | None,
            typer.Option(
                "--from-json",
                metavar="FILE|-",
                show_default=False,
                help="Read the request body (camelCase JSON) from FILE, or - for stdin.",
            ),
        ] = None,
        dry_run: DryRun = False,
    ) -> None:
        state = CliState.of(ctx)
        if from_json is not None:
            if fields:
                raise UsageError("give either --from-json or field options, not both")
            model = parse_request(_read_json(from_json), CreateCustomerRequest)
            check(model, wire=True)
            kwargs = _kwargs(model)
        else:
            from ._columns import nested_values

            kwargs = nested_values(CreateCustomerRequest, fields)
        call = _build(CreateCustomerRequest, _calls.create_customer, **kwargs)
        _run(state, call, "Created customer", dry_run=dry_run)

    @app.command(
        "list",
        help=_help(
            LIST_CUSTOMERS,
            "Without --all or --max-items one page is "
            "shown, and the token of the next page is printed on stderr.",
        ),
    )
    @guarded
    def list_(
        ctx: typer.Context,
        page_size: Annotated[
            int | None,
            typer.Option(
                min=_PAGE_SIZE.minimum,
                max=_PAGE_SIZE.maximum,
                help=_PAGE_SIZE.description,
                show_default=False,
            ),
        ] = None,
        all_pages: Annotated[
            bool, typer.Option("--all", help="Follow every page (progress on stderr).")
        ] = False,
        max_items: Annotated[
            int | None,
            typer.Option(min=1, help="Follow pages until this many customers.", show_default=False),
        ] = None,
        next_token: Annotated[
            str | None, typer.Option(help=_NEXT_TOKEN.description, show_default=False)
        ] = None,
    ) -> None:
        state = CliState.of(ctx)
        fmt = state.output_format()
        with state.client() as client:
            first = client.list_customers(page_size=page_size, next_token=next_token)
            if not all_pages and max_items is None:
                emit_list(fmt, first.data, Customer, title="Customers")
                if first.has_next_page():
                    typer.echo(f"Next token: {first.next_token}", err=True)
                return
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn

            resume: list[str | None] = [None]

            def customers(progress: Progress, task: Any) -> Iterator[Customer]:
                count = 0
                for page in first.iter_pages():
                    for i, customer in enumerate(page.data):
                        yield customer
                        count += 1
                        progress.update(task, completed=count)
                        if max_items is not None and count >= max_items:
                            if i == len(page.data) - 1 and page.has_next_page():
                                resume[0] = page.next_token
                            return

            console = Console(stderr=True)
            with Progress(
                SpinnerColumn(),
                TextColumn("Fetching customers: {task.completed}"),
                console=console,
                transient=True,
                disable=not console.is_terminal,
            ) as progress:
                task = progress.add_task("list", total=None)
                emit_list(fmt, customers(progress, task), Customer, title="Customers")
            if resume[0]:
                typer.echo(f"Next token: {resume[0]}", err=True)

    @app.command("get", help=_help(GET_CUSTOMER))
    @guarded
    def get(ctx: typer.Context, customer_id: CustomerId) -> None:
        state = CliState.of(ctx)
        with state.client() as client:
            customer = client.get_customer(customer_id)
        emit_record(state.output_format(), customer, title="Customer")

    @app.command(
        "update",
        help=_help(UPDATE_CUSTOMER, "Address options replace the whole address, as the API does."),
    )
    @guarded
    @column_options(UpdateCustomerRequest, aliases=_ALIASES)
    def update(
        ctx: typer.Context, customer_id: CustomerId, fields: dict[str, Any], dry_run: DryRun = False
    ) -> None:
        from ._columns import columns, nested_values

        state = CliState.of(ctx)
        if not fields:
            names = ", ".join(c.option for c in columns(UpdateCustomerRequest))
            raise UsageError(f"nothing to update: give at least one of {names}")
        kwargs = nested_values(UpdateCustomerRequest, fields)
        call = _build(UpdateCustomerRequest, _calls.update_customer, customer_id, **kwargs)
        _run(state, call, "Updated customer", dry_run=dry_run)

    @app.command(
        "delete",
        help=_help(
            DELETE_CUSTOMER,
            "Asks for confirmation on a terminal; without a terminal, --yes is required.",
        ),
    )
    @guarded
    def delete(
        ctx: typer.Context,
        customer_id: CustomerId,
        yes: Annotated[
            bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
        ] = False,
        dry_run: DryRun = False,
    ) -> None:
        state = CliState.of(ctx)
        call = _calls.delete_customer(customer_id)
        if not yes and not dry_run:
            if not sys.stdin.isatty():
                raise UsageError(
                    f"refusing to delete customer {customer_id} without --yes "
                    "(stdin is not a terminal)"
                )
            typer.confirm(f"Delete customer {customer_id}? This cannot be undone.", abort=True)
        _run(state, call, f"Deleted customer {customer_id}", dry_run=dry_run)

    contacts = typer.Typer(help="Manage the contacts of a customer.", no_args_is_help=True)
    app.add_typer(contacts, name="contacts")

    @contacts.command("create", help=_help(CREATE_CUSTOMER_CONTACT))
    @guarded
    @column_options(CreateCustomerContactRequest, required=True)
    def create_contact(
        ctx: typer.Context, customer_id: CustomerId, fields: dict[str, Any], dry_run: DryRun = False
    ) -> None:
        state = CliState.of(ctx)
        call = _build(
            CreateCustomerContactRequest, _calls.create_customer_contact, customer_id, **fields
        )
        _run(state, call, "Created contact", dry_run=dry_run)

    @app.command(
        "import",
        help="Create customers in bulk from a .csv or .jsonl file.\n\n"
        "CSV columns are the create options' names (id, name, primary_email, line1, ...,"
        " country); JSON Lines rows are create request bodies (camelCase), or customers "
        "as exported. Safe to re-run: a customer that already exists with the same data "
        "counts as present. Failed and malformed rows are written to FILE.failed.jsonl "
        "with their error. Exits 0 only when every row was created or already present.",
    )
    @guarded
    def import_(
        ctx: typer.Context,
        file: Annotated[
            Path,
            typer.Argument(
                help="A .csv or .jsonl file.",
                show_default=False,
                exists=True,
                dir_okay=False,
                readable=True,
            ),
        ],
        concurrency: Annotated[
            int, typer.Option(min=1, max=64, help="Requests in flight at once.")
        ] = 8,
    ) -> None:
        from ._bulk import run_import

        raise typer.Exit(run_import(CliState.of(ctx), file, concurrency))

    @app.command(
        "export",
        help="Write every customer, page after page, as JSON Lines or CSV.\n\n"
        "Streams to the file (or stdout) in constant memory, with progress on stderr. "
        "The output can be imported again with `import`.",
    )
    @guarded
    def export(
        ctx: typer.Context,
        output_file: Annotated[
            Path | None,
            typer.Option(
                "--output-file",
                "-f",
                dir_okay=False,
                show_default=False,
                help="File to write (default: stdout). Written completely or not at all.",
            ),
        ] = None,
        fmt: Annotated[
            ExportFormat | None,
            typer.Option(
                "--format",
                show_default=False,
                help="jsonl or csv (default: from the file's extension, else jsonl).",
            ),
        ] = None,
    ) -> None:
        from ._bulk import run_export

        chosen = fmt.value if fmt is not None else None
        if chosen is None:
            chosen = "csv" if output_file is not None and output_file.suffix == ".csv" else "jsonl"
        run_export(CliState.of(ctx), output_file, chosen)
