"""The one way the CLI gives a generated command the signature Typer reads.

Typer builds a command's options from its function's signature and annotations, and the CLI's
commands are generated (from the operation table, the request models' columns, the output
flags): this sets both at once, parameters in an order Python allows, and drops
``__wrapped__`` so that Typer does not look through a wrapper to the function it wraps.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["with_parameters"]

F = TypeVar("F", bound=Callable[..., Any])


def with_parameters(
    func: F, parameters: Iterable[inspect.Parameter], returns: Any = inspect.Signature.empty
) -> F:
    """``func`` with these parameters (stably sorted by kind) as its signature."""
    params = sorted(parameters, key=lambda p: p.kind)
    func.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    annotations = {p.name: p.annotation for p in params}
    if returns is not inspect.Signature.empty:
        annotations["return"] = returns
    func.__annotations__ = annotations
    if hasattr(func, "__wrapped__"):
        del func.__wrapped__
    return func
