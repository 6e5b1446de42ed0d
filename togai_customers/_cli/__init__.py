"""The ``togai-customers`` command line (Typer). Imports no server code until a server command runs."""

from __future__ import annotations

from typing import Annotated

import typer

from ._servers import register as _register_servers
from ._state import CliState

__all__ = ["app", "main"]

app = typer.Typer(
    name="togai-customers",
    help="Manage Togai customers, and run the REST/MCP servers and the local sandbox.",
    no_args_is_help=True,
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
        typer.Option(envvar="TOGAI_BASE_URL", show_default=False, help="API base URL."),
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="Request timeout, seconds.")] = 30.0,
    max_retries: Annotated[int, typer.Option(min=0, help="Retries per request.")] = 2,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="table, json, jsonl or csv (default: table on a "
                     "terminal, json when piped)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show details of errors.")] = False,
) -> None:
    ctx.obj = CliState(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        output=output,
        verbose=verbose,
    )


_register_servers(app)


def main() -> None:
    """Console-script entry point."""
    app()
