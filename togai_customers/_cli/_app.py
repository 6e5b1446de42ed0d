"""The command tree: the global options, the API commands (``_commands``), the server commands.

Every API command is a thin call into the SDK (``_commands``); bulk import/export live in
``_bulk``, and the SDK client, rich's progress/table code and the servers are imported only when a
command needs them, so ``togai-customers --help`` imports no HTTP stack.
"""

from __future__ import annotations

from typing import Annotated

import typer

from togai_customers import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, __version__

from . import _commands
from ._flags import Output, Verbose, Wide, apply_flags
from ._help import Later, LazyGroup
from ._servers import register_later as _servers_later
from ._state import CliState

__all__ = ["app"]


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"togai-customers {__version__}")
        raise typer.Exit()


#: Every command, made when named (``LazyGroup``): the API commands, the servers, the groups.
_LATER: dict[str, Later] = {}
_commands.register(_LATER)
_servers_later(_LATER)
_commands.register_groups(_LATER)


class _Root(LazyGroup):
    later = _LATER


app = typer.Typer(
    name="togai-customers",
    cls=_Root,
    help="Manage Togai customers, and run the REST/MCP servers and the local sandbox.",
    no_args_is_help=True,
    # Plain (click) help and errors: rich's formatter alone costs --help ~0.2 s of imports.
    rich_markup_mode=None,
    # Typer's own traceback printer shows local variables, which may hold the API key.
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="TOGAI_API_KEY", show_default=False, help="Togai API key."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            envvar="TOGAI_BASE_URL",
            show_default=False,
            help=f"API base URL (default {DEFAULT_BASE_URL}).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Request timeout, seconds.")
    ] = DEFAULT_TIMEOUT,
    max_retries: Annotated[
        int, typer.Option(min=0, help="Retries per request.")
    ] = DEFAULT_MAX_RETRIES,
    output: Output = None,
    wide: Wide = False,
    verbose: Verbose = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    ctx.obj = CliState(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
    apply_flags(ctx.obj, output, wide, verbose)
