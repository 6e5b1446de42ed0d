"""The API commands, generated from the operation table: one command per row.

A row's ``cli_command`` names its command (``get``, ``contacts create``). Its path parameters
become arguments, its query parameters options (with the row's bounds), its request model's flat
columns options (``_options``); what else a command gets follows from the row: ``--from-json``
with a request body, ``--dry-run`` unless it is read-only, a confirmation (and ``--yes``) when it
is destructive, ``--all``/``--max-items`` and progress when it pages. Help is the row's summary and
description. Bulk ``import``/``export`` are hand-written (``_bulk``, imported when run).
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import attrs
import typer

from togai_customers import RequestValidationError
from togai_customers.spec import OPERATIONS, Call, Operation, Param, nothing_to_change

from ._dry_run import show_request
from ._errors import guarded
from ._flags import output_flags
from ._help import Command, Group, Later, made
from ._options import column_options, option_errors
from ._output import emit_list, emit_record
from ._signature import with_parameters
from ._state import CliState, UsageError

__all__ = ["register", "register_groups"]

#: Short spellings, next to the derived ``--primary-email`` etc.
_ALIASES = {"primary_email": "--email", "account_invoice_currency": "--invoice-currency"}
#: Help of the command groups rows name (``contacts create``).
_GROUP_HELP = {"contacts": "Manage the contacts of a customer."}


def _help(op: Operation[Any], extra: str = "") -> str:
    """Command help: the row's summary and description (plus CLI specifics)."""
    text = f"{op.summary}.\n\n{op.description}"
    return f"{text}\n\n{extra}" if extra else text


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


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


def _run(state: CliState, call: Call[Any], title: str, *, dry_run: bool) -> None:
    """Print the request (``--dry-run``), or send the call as built and checked, and show it."""
    if dry_run:
        show_request(state, call)
        return
    with state.client() as client:
        result = client.send(call).parse()
    emit_record(state.output_format(), result, title=title)


def _option_name(p: Param) -> str:
    return "--" + p.name.replace("_", "-")


# The generated signature -------------------------------------------------------------------


def _param(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def takes_many(op: Operation[Any]) -> bool:
    """A row whose path is one resource (``/customers/{customer_id}``) takes several ids."""
    return len(op.path_params) == 1 and op.path.endswith("{" + op.path_params[0].name + "}")


def _url_parameters(op: Operation[Any]) -> list[inspect.Parameter]:
    """Path parameters as arguments, query parameters as options with the row's bounds."""
    out = []
    if takes_many(op):
        (p,) = op.path_params
        arg = typer.Argument(
            help=f"{p.description} Several may be given: each is sent, concurrently.",
            show_default=False,
            metavar=p.name.upper(),
        )
        out.append(_param(p.name, Annotated[Optional[list[str]], arg]))  # noqa: UP045
        ids_from = typer.Option(
            "--ids-from",
            metavar="FILE|-",
            show_default=False,
            help="Read the ids from FILE, or - for stdin: one a line (blank lines skipped).",
        )
        out.append(_param("ids_from", Annotated[Optional[str], ids_from]))  # noqa: UP045
    for p in op.path_params if not takes_many(op) else ():
        arg = typer.Argument(help=p.description, show_default=False, metavar=p.name.upper())
        out.append(_param(p.name, Annotated[str, arg], inspect.Parameter.empty))
    for p in op.query_params:
        opt = typer.Option(
            _option_name(p), help=p.description, show_default=False, min=p.minimum, max=p.maximum
        )
        out.append(_param(p.name, Annotated[Optional[p.value_type], opt]))  # noqa: UP045
    return out


def _flags(op: Operation[Any]) -> list[inspect.Parameter]:
    """What the row's nature adds: --from-json, --dry-run, --yes, --all, --max-items."""
    out = []
    if op.request_type is not None:
        opt = typer.Option(
            "--from-json",
            metavar="FILE|-",
            show_default=False,
            help="Read the request body (camelCase JSON) from FILE, or - for stdin.",
        )
        out.append(_param("from_json", Annotated[Optional[str], opt]))  # noqa: UP045
    if not op.read_only:
        opt = typer.Option("--dry-run", help="Print the request (key redacted) and send nothing.")
        out.append(_param("dry_run", Annotated[bool, opt], False))
    if op.destructive:
        opt = typer.Option("--yes", "-y", help="Do not ask for confirmation.")
        out.append(_param("yes", Annotated[bool, opt], False))
    if op.paging is not None:
        every = typer.Option("--all", help="Follow every page (progress on stderr).")
        most = typer.Option(min=1, help="Follow pages until this many items.", show_default=False)
        out.append(_param("all_pages", Annotated[bool, every], False))
        out.append(_param("max_items", Annotated[Optional[int], most]))  # noqa: UP045
    return out


def _with_signature(func: Callable[..., Any], params: list[inspect.Parameter]) -> None:
    ctx = inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
    )
    with_parameters(func, [ctx, *params])


# What a command does -----------------------------------------------------------------------


def _body(op: Operation[Any], fields: dict[str, Any], from_json: str | None) -> dict[str, Any]:
    """The builder's body arguments, from the column options or a camelCase JSON document."""
    from ._columns import columns, nested_values

    cls = op.request_type
    assert cls is not None
    if from_json is None:
        if getattr(cls, "__requires_a_field__", False) and not fields:
            raise UsageError(nothing_to_change([c.option for c in columns(cls)]))
        return nested_values(cls, fields)
    if fields:
        raise UsageError("give either --from-json or field options, not both")
    model = cls.from_wire(_read_json(from_json))
    return {a.name: getattr(model, a.name) for a in attrs.fields(cls)}


def _whole_groups(op: Operation[Any], fields: dict[str, Any]) -> list[str]:
    """The request fields the API replaces as a whole of which only some parts were given."""
    from togai_customers.spec import constraints_of

    from ._columns import columns

    if op.request_type is None or op.reader is None:
        return []
    given = {c.group for c in columns(op.request_type) if c.group and c.name in fields}
    return [
        a.name for a in attrs.fields(op.request_type) if a.name in given and constraints_of(a).whole
    ]


def _merge_stored(
    state: CliState, op: Operation[Any], kwargs: dict[str, Any], groups: list[str]
) -> None:
    """Fill the parts left out of ``groups`` from the stored resource (one read, first); bad
    input is reported before the read."""
    read = op.reader_call(_call(op, kwargs))
    with state.client() as client:
        stored = client.send(read).parse()
    _merge_into(kwargs, groups, stored)


def _merge_into(kwargs: dict[str, Any], groups: list[str], stored: Any) -> None:
    """The parts of ``groups`` left out of ``kwargs``, taken from the ``stored`` resource."""
    for group in groups:
        current = getattr(stored, group)
        parts = {} if current is None else attrs.asdict(current, filter=lambda _, v: v is not None)
        kwargs[group] = {**parts, **kwargs[group]}


def _call(op: Operation[Any], kwargs: dict[str, Any]) -> Call[Any]:
    """Run the row's SDK builder, naming rejected fields by their options."""
    try:
        return op.build(**kwargs)
    except RequestValidationError as exc:
        raise option_errors(exc, op.request_type, op.params) from None


def _confirm(op: Operation[Any], call: Call[Any]) -> None:
    """A destructive command asks first on a terminal and refuses without --yes elsewhere."""
    what = " ".join(
        f"{p.name.removesuffix('_id')} {call.path_params[p.name]}" for p in op.path_params
    )
    verb = op.cli_command.split()[-1]
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to {verb} {what} without --yes (stdin is not a terminal)")
    typer.confirm(f"{verb.capitalize()} {what}? This cannot be undone.", abort=True)


def _pages(
    state: CliState, op: Operation[Any], call: Call[Any], *, all_pages: bool, max_items: int | None
) -> None:
    """One page (and its next token on stderr), or every page up to ``max_items``."""
    from togai_customers import SyncPage

    assert op.paging is not None
    fmt = state.output_format()
    item = op.paging.item_type(op.response_type)
    title = f"{item.__name__}s"
    if all_pages:  # every page will be read: ask for large ones, unless a size was chosen
        call = call.iterating()
    with state.client() as client:
        first: SyncPage[Any] = SyncPage(client, call, client.send(call).parse())
        if not all_pages and max_items is None:
            emit_list(fmt, first.data, item, title=title, wide=state.wide)
            if first.has_next_page():
                typer.echo(f"Next token: {first.next_token}", err=True)
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        resume: list[str | None] = [None]

        def items(progress: Progress, task: Any) -> Iterator[Any]:
            count = 0
            for page in first.iter_pages():
                for i, value in enumerate(page.data):
                    yield value
                    count += 1
                    progress.update(task, completed=count)
                    if max_items is not None and count >= max_items:
                        if i == len(page.data) - 1 and page.has_next_page():
                            resume[0] = page.next_token
                        return

        console = Console(stderr=True)
        progress = Progress(
            SpinnerColumn(),
            TextColumn(f"Fetching {title.lower()}: {{task.completed}}"),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        task = progress.add_task("list", total=None)
        if fmt == "table":
            # A table is printed once every row is in, after the spinner is gone: printed
            # while it spins, the spinner's last frame would stay on the screen above it.
            with progress:
                rows = list(items(progress, task))
            emit_list(fmt, rows, item, title=title, wide=state.wide)
        else:
            with progress:  # streamed: each line as it comes
                emit_list(fmt, items(progress, task), item, title=title)
        if resume[0]:
            typer.echo(f"Next token: {resume[0]}", err=True)


def _command(op: Operation[Any]) -> Callable[..., None]:
    """The Typer command of ``op``."""

    def command(ctx: typer.Context, fields: dict[str, Any] | None = None, **given: Any) -> None:
        state = CliState.of(ctx)
        dry_run = bool(given.get("dry_run"))
        if takes_many(op):
            ids = _ids(op, given)
            if len(ids) > 1 or given["ids_from"] is not None:
                from ._many import run_many

                run_many(state, op, ids, given, _Prepared(op, fields or {}, given))
                return
            given = {**given, op.path_params[0].name: ids[0]}
        kwargs = {p.name: given[p.name] for p in op.params}
        if op.request_type is not None:
            kwargs.update(_body(op, fields or {}, given["from_json"]))
            if groups := _whole_groups(op, fields or {}):
                if dry_run:
                    typer.echo(
                        f"Note: run for real, the stored {', '.join(groups)} is read first and "
                        "the options given are merged into it.",
                        err=True,
                    )
                else:
                    _merge_stored(state, op, kwargs, groups)
        if op.paging is not None:
            kwargs["max_items"] = given["max_items"]
        call = _call(op, kwargs)
        if op.paging is not None:
            _pages(state, op, call, all_pages=given["all_pages"], max_items=given["max_items"])
            return
        if op.destructive and not dry_run and not given["yes"]:
            _confirm(op, call)
        _run(state, call, op.summary, dry_run=dry_run)

    command.__name__ = op.name
    command.__doc__ = op.summary
    params = _url_parameters(op) + _flags(op)
    if op.request_type is None:
        _with_signature(command, params)
        return guarded(output_flags(command))
    _with_signature(command, [*params, _param("fields", dict[str, Any])])
    note = "Required unless --from-json."
    with_columns = column_options(op.request_type, aliases=_ALIASES, required_note=note)
    return guarded(with_columns(output_flags(command)))


def _ids(op: Operation[Any], given: dict[str, Any]) -> list[str]:
    """The ids of a command that takes several: the arguments, then those of --ids-from."""
    name = op.path_params[0].name
    ids = list(given[name] or [])
    source = given["ids_from"]
    if source == "-" and given.get("from_json") == "-":
        raise UsageError("--ids-from - and --from-json - cannot both read stdin")
    if source is not None:
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
        ids += [line.strip() for line in text.splitlines() if line.strip()]
    if not ids:
        raise UsageError(f"give a {name.upper()} or --ids-from FILE|-")
    return ids


class _Prepared:
    """What a command does to each of several ids, as it does to one: the body from the options
    (checked once), the merge of whole groups with each stored resource, the call."""

    def __init__(self, op: Operation[Any], fields: dict[str, Any], given: dict[str, Any]):
        self.op = op
        self.given = given
        self.body = _body(op, fields, given["from_json"]) if op.request_type is not None else {}
        self.groups = _whole_groups(op, fields) if op.request_type is not None else []

    def arguments(self, resource_id: str) -> dict[str, Any]:
        given = {**self.given, self.op.path_params[0].name: resource_id}
        return {**{p.name: given[p.name] for p in self.op.params}, **self.body}

    def call(self, resource_id: str) -> Call[Any]:
        """The call for this id (``UsageError`` naming the option of a bad field)."""
        return _call(self.op, self.arguments(resource_id))

    def reader(self, call: Call[Any]) -> Call[Any]:
        return self.op.reader_call(call)

    def merged(self, resource_id: str, stored: Any) -> Call[Any]:
        """The call with the parts of whole groups left out taken from ``stored``."""
        kwargs = self.arguments(resource_id)
        _merge_into(kwargs, self.groups, stored)
        return _call(self.op, kwargs)


def _extra_help(op: Operation[Any]) -> str:
    notes = []
    if takes_many(op):
        notes.append(
            "Several ids (or --ids-from) are sent concurrently at the client's pace: one result "
            "a line per id (JSON Lines with -o json), each failure on stderr with its id; exits 1 "
            "if any failed."
        )
    if op.request_type is not None:
        notes.append(
            "Give the fields as options, or the whole camelCase request body with "
            "--from-json FILE (- for stdin)."
        )
    if op.paging is not None:
        notes.append(
            "Without --all or --max-items one page is shown, and the token of the next page is "
            "printed on stderr."
        )
    if op.destructive:
        notes.append("Asks for confirmation on a terminal; without a terminal, --yes is required.")
    if op.request_type is not None and op.reader is not None:
        from togai_customers.spec import constraints_of

        for a in attrs.fields(op.request_type):
            if constraints_of(a).whole:
                notes.append(
                    f"Togai replaces the whole {a.name}: the {a.name} options given are merged "
                    f"into the stored {a.name}, read first."
                )
    return " ".join(notes)


def register(later: dict[str, Later]) -> None:
    """Add one command per operation row, and the bulk commands, to ``later`` (made when named:
    ``_help.LazyGroup``)."""
    groups: dict[str, list[Operation[Any]]] = {}
    for op in OPERATIONS:
        *group, name = op.cli_command.split()
        if group:
            (group_name,) = group
            groups.setdefault(group_name, []).append(op)
        else:
            later[name] = (_help(op, _extra_help(op)), _maker(op, name))
    for name, help_text in _BULK_HELP.items():
        later[name] = (help_text, functools.partial(made, _register_bulk, name))
    _GROUPS.update(groups)


#: The command groups rows name, and their rows (``contacts``: ``contacts create``).
_GROUPS: dict[str, list[Operation[Any]]] = {}


def register_groups(later: dict[str, Later]) -> None:
    """Add the command groups (after every command, where Typer lists groups) to ``later``."""
    for name in _GROUPS:
        later[name] = (_group_help(name), _group_maker(name, _GROUPS))


def _group_help(name: str) -> str:
    return _GROUP_HELP.get(name, f"The {name} commands.")


def _add(target: typer.Typer, op: Operation[Any], name: str) -> None:
    target.command(name, cls=Command, help=_help(op, _extra_help(op)))(_command(op))


def _maker(op: Operation[Any], name: str) -> Callable[[], Any]:
    return functools.partial(made, lambda app: _add(app, op, name), name)


def _group_maker(name: str, groups: dict[str, list[Operation[Any]]]) -> Callable[[], Any]:
    def register(app: typer.Typer) -> None:
        group = typer.Typer(
            cls=Group,
            help=_group_help(name),
            no_args_is_help=True,
            rich_markup_mode=None,  # plain help, as the root's (no rich at start-up)
        )
        for op in groups[name]:
            _add(group, op, op.cli_command.split()[-1])
        app.add_typer(group, name=name)

    return functools.partial(made, register, name)


_FILE = typer.Argument(
    help="A .csv or .jsonl file (the columns or keys of `export`).",
    show_default=False,
    exists=True,
    dir_okay=False,
    readable=True,
)
_CONCURRENCY = typer.Option(
    min=1, max=64, help="Requests in flight at once (the pace, not this, sets the speed)."
)
_RATE = typer.Option(
    min=0.1,
    show_default=False,
    help="Requests per second at most (default $TOGAI_MAX_RPS, else none). The pace starts "
    "here; without it, at Togai's 10/s, rising while answers come back and falling on 429.",
)
_RESTART = typer.Option(
    "--restart",
    help="Start over: replace the journal and the failed-rows file of an earlier run, whatever "
    "its command, base URL, API key or file.",
)
_DELIMITER = typer.Option(
    show_default=False,
    help="The CSV field separator: one character, or tab (default: a comma).",
)
_CHECKS = (
    "Every row is checked before anything is sent, as Togai checks it (required fields, "
    "lengths: id at most 50 characters, name 3 to 255, primary_email at most 320), and an id "
    "may be on one line of the file only. Togai does not check that primary_email is an email "
    "address nor that country is an ISO 3166-1 alpha-2 code: such a row is sent as it is and "
    "listed as a warning, with its line."
)
_JOURNAL_BINDING = (
    "The journal belongs to its command, base URL, API key (a salted hash of it, never the key) "
    "and file content: a run with any other of these refuses to start (exit 2) and says which; "
    "point back at the first target, or use --restart."
)
_IMPORT_NOTES = (
    "A journal beside the file (FILE.journal.jsonl) records each row as it finishes: after "
    "Ctrl-C, a crash or a kill, the same command goes on where it stopped, without a request "
    "for the finished rows (the summary says how many were skipped, and why); a run that goes "
    "through every row with no row failing removes it. " + _JOURNAL_BINDING + " "
    "Ctrl-C lets the rows in flight finish, prints the summary and exits 130."
)
_SYNC_NOTES = (
    "The plan is always read from Togai. A journal beside the file (FILE.journal.jsonl) records "
    "each write as it is made: after Ctrl-C, a crash or a kill, the same command plans again "
    "and sends only what Togai still lacks (the rows that run wrote count as resumed); a run "
    "with no write failing removes it. " + _JOURNAL_BINDING + " --dry-run writes nothing and "
    "uses no journal. Ctrl-C lets the writes in flight finish, prints the summary and exits 130."
)


#: The bulk commands' help (also what ``--help`` lists before they are made).
_BULK_HELP = {
    "import": (
        "Create customers in bulk from a .csv or .jsonl file.\n\n"
        "CSV columns are the create options' names (id, name, primary_email, line1, ...,"
        " country); JSON Lines rows are create request bodies (camelCase), or customers "
        "as exported. " + _CHECKS + " Safe to re-run: a customer that already exists with the "
        "same data counts as present. Failed and malformed rows are written to "
        "FILE.failed.jsonl with their error. Exits 0 only when every row was created or "
        "already present.\n\n" + _IMPORT_NOTES
    ),
    "sync": (
        "Make Togai match a .csv or .jsonl file for the customers it names.\n\n"
        "Creates the missing customers and updates those whose name, primary email or "
        "address differ; leaves the others alone and never deletes. First prints the plan "
        "(how many to create, update, leave unchanged, and the invalid rows; the first rows of "
        "each with the differences field by field; all of them with -o json), then asks before "
        "applying it on a terminal; elsewhere it needs --yes. The current state is read with "
        "the fewer requests of listing every customer (100 a page) or one get per row. The "
        "file is what `export` writes and `import` reads: export, edit, sync. "
        + _CHECKS
        + "\n\n"
        + _SYNC_NOTES
    ),
    "export": (
        "Write every customer, page after page, as JSON Lines or CSV.\n\n"
        "Streams to the file (or stdout) in constant memory, with progress on stderr. "
        "The output can be imported again with `import`."
    ),
}


def _register_bulk(app: typer.Typer) -> None:
    @app.command("import", cls=Command, help=_BULK_HELP["import"])
    @guarded
    @output_flags
    def import_(
        ctx: typer.Context,
        file: Annotated[Path, _FILE],
        concurrency: Annotated[int, _CONCURRENCY] = 8,
        rate: Annotated[Optional[float], _RATE] = None,  # noqa: UP045
        restart: Annotated[bool, _RESTART] = False,
        delimiter: Annotated[Optional[str], _DELIMITER] = None,  # noqa: UP045
    ) -> None:
        from ._bulk import run_import

        code = run_import(
            CliState.of(ctx),
            file,
            concurrency=concurrency,
            rate=rate,
            restart=restart,
            delimiter=delimiter,
        )
        raise typer.Exit(code)

    @app.command("sync", cls=Command, help=_BULK_HELP["sync"])
    @guarded
    @output_flags
    def sync(
        ctx: typer.Context,
        file: Annotated[Path, _FILE],
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print the plan and change nothing.")
        ] = False,
        yes: Annotated[
            bool, typer.Option("--yes", "-y", help="Apply the plan without asking.")
        ] = False,
        concurrency: Annotated[int, _CONCURRENCY] = 8,
        rate: Annotated[Optional[float], _RATE] = None,  # noqa: UP045
        restart: Annotated[bool, _RESTART] = False,
        delimiter: Annotated[Optional[str], _DELIMITER] = None,  # noqa: UP045
    ) -> None:
        from ._sync import run_sync

        code = run_sync(
            CliState.of(ctx),
            file,
            dry_run=dry_run,
            yes=yes,
            concurrency=concurrency,
            rate=rate,
            restart=restart,
            delimiter=delimiter,
        )
        raise typer.Exit(code)

    @app.command("export", cls=Command, help=_BULK_HELP["export"])
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
