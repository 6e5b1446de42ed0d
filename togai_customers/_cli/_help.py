"""Help screens without noise: a plain flag shows no ``<bool>`` type (its help says what it does).

Typer 0.29 shows a type for every option, ``--help`` included; for an on/off flag that type tells
nothing. These command and group classes (Typer's documented ``cls=`` hook) blank it.
"""

from __future__ import annotations

from typing import Any

import typer.core

__all__ = ["Command", "Group"]


def _blank_flags(params: list[Any]) -> None:
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


class Command(typer.core.TyperCommand):
    """A command whose plain flags (``--help`` included) show no type in its help."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        _blank_flags(params)
        return params


class Group(typer.core.TyperGroup):
    """A command group whose plain flags (``--help`` included) show no type in its help."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        _blank_flags(params)
        return params
