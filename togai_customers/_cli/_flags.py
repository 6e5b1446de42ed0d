"""The output flags (``-o/--output``, ``--wide``, ``-v/--verbose``), declared once.

They are global options (``togai-customers -o json list``) and, through :func:`output_flags`,
options of every command that prints results too (``togai-customers list -o json``): a user types
them where habit puts them. A flag given after the command wins over the same flag before it.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

from ._signature import with_parameters
from ._state import CliState

__all__ = ["Output", "OutputFormat", "Verbose", "Wide", "apply_flags", "output_flags"]

F = TypeVar("F", bound=Callable[..., Any])


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


Output = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        show_default=False,
        help="table, json, jsonl or csv (default: table on a terminal, json when piped).",
    ),
]
Wide = Annotated[
    bool,
    typer.Option("--wide", help="Tables show every column, however wide the terminal is."),
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log requests; show tracebacks of errors.")
]

_FLAGS = {"output": Output, "wide": Wide, "verbose": Verbose}


def apply_flags(state: CliState, output: OutputFormat | None, wide: bool, verbose: bool) -> None:
    """Record the flags given (only those: a flag left out keeps the global one)."""
    if output is not None:
        state.output = output.value
    state.wide = state.wide or wide
    state.verbose = state.verbose or verbose
    _log_requests(state.verbose)


def output_flags(func: F) -> F:
    """Give a command the output flags (after its name); they update the global state."""
    sig = inspect.signature(func, eval_str=True)
    added = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None if name == "output" else False,
            annotation=annotation,
        )
        for name, annotation in _FLAGS.items()
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _FLAGS}
        ctx = kwargs.get("ctx", args[0] if args else None)
        apply_flags(CliState.of(ctx), **given)
        return func(*args, **kwargs)

    return with_parameters(wrapper, [*sig.parameters.values(), *added], sig.return_annotation)  # type: ignore[return-value]


def _log_requests(verbose: bool) -> None:
    """With -v, the SDK's request log (method, path, status, time; never headers) on stderr."""

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
