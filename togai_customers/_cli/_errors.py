"""Errors become one line on stderr and an exit code; tracebacks only with ``--verbose``.

Exit codes: 1 for a failed request (the API answered with an error, or could not be reached),
2 for bad input (options, files, request fields rejected before anything was sent, a base URL
without a scheme). A 404 that says the base URL is not the API's gets a hint (``_target``).
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer

from togai_customers import RequestValidationError, TogaiError

from ._state import CliState, UsageError

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "fail", "guarded"]

P = ParamSpec("P")
R = TypeVar("R")

EXIT_FAILURE = 1
EXIT_USAGE = 2


def fail(state: CliState, message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print ``Error: message`` on stderr (key redacted) and exit with ``code``."""
    if state.verbose:
        trace = traceback.format_exc()
        if not trace.startswith("NoneType: None"):
            typer.echo(state.redact(trace.rstrip()), err=True)
    typer.echo(state.redact(f"Error: {message}"), err=True)
    raise typer.Exit(code)


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Run a command, turning our errors into one ``Error: ...`` line and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        state = _state_of(args, kwargs)
        try:
            return func(*args, **kwargs)
        except UsageError as exc:
            fail(state, str(exc), EXIT_USAGE)
        except RequestValidationError as exc:
            fail(state, exc.message, EXIT_USAGE)
        except TogaiError as exc:
            fail(state, _with_hint(state, exc), EXIT_FAILURE)
        except OSError as exc:
            fail(state, f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(130) from None

    return wrapper


def _with_hint(state: CliState, exc: TogaiError) -> str:
    """The error, and what it says about the base URL when it says something (``_target``)."""
    from ._target import adapter_hint

    try:
        base_url = state.target()
    except UsageError:
        return str(exc)
    hint = adapter_hint(exc, base_url)
    return str(exc) if hint is None else f"{exc} ({hint})"


def _state_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> CliState:
    for value in (*args, *kwargs.values()):
        if hasattr(value, "find_root"):  # the command's (click) context
            return CliState.of(value)
    return CliState()
