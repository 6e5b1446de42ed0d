"""The ``togai-customers`` command line (Typer). Imports no server code until a server command runs.

Every API command is a thin call into the SDK (``_commands``); bulk import/export live in
``_bulk`` and rich's progress/table code is imported only when a command needs it, so
``togai-customers --help`` stays quick.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .._config import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from . import _commands
from ._servers import register as _register_servers
from ._state import CliState

__all__ = ["CliState", "app", "main"]

app = typer.Typer(
    name="togai-customers",
    help="Manage Togai customers, and run the REST/MCP servers and the local sandbox.",
    no_args_is_help=True,
    # Typer's own traceback printer shows local variables, which may hold the API key.
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


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
    output: Annotated[
        OutputFormat | None,
        typer.Option(
            "--output",
            "-o",
            show_default=False,
            help="table, json, jsonl or csv (default: table on a terminal, json when piped).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log requests; show tracebacks of errors.")
    ] = False,
) -> None:
    ctx.obj = CliState(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        output=None if output is None else output.value,
        verbose=verbose,
    )
    _log_requests(verbose)


def _log_requests(verbose: bool) -> None:
    """With -v, the SDK's request log (method, path, status, time; never headers) on stderr."""
    import logging
    import sys

    class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
        """Writes to whatever ``sys.stderr`` is now (test runners swap it)."""

        def emit(self, record: logging.LogRecord) -> None:
            self.stream = sys.stderr
            super().emit(record)

    logger = logging.getLogger("togai_customers")
    ours = [h for h in logger.handlers if type(h).__name__ == "StderrHandler"]
    if not verbose:
        # Undo an earlier -v in this process (tests run many commands in one).
        for handler in ours:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
        return
    if not ours:
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


_commands.register(app)
_register_servers(app)


def main() -> None:
    """Console-script entry point."""
    app()
