"""Help screens without noise, and a command tree made as commands are named.

Typer 0.29 shows a type for every option, ``--help`` included; for an on/off flag that type tells
nothing. These command and group classes (Typer's documented ``cls=`` hook) blank it.
:class:`LazyGroup` makes each command when it is named, so that a command does not pay for the
others' signatures (click's ``list_commands``/``get_command``, as click documents lazy groups).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import typer
import typer.core
import typer.main

__all__ = ["Command", "Group", "Later", "LazyGroup", "made"]


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


#: A command made when first named: its help (all ``--help`` and completion need of it) and
#: what makes it.
Later = tuple[str, Callable[[], Any]]


class LazyGroup(Group):
    """The root group: a command is made (Typer reads its signature, ~1 ms a command) only when
    it is named; ``--help`` and completing command names read the commands' help alone.

    ``later`` (set by a subclass) maps each name to its help and maker, in listing order.
    """

    later: ClassVar[dict[str, Later]] = {}
    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        made = [name for name in super().list_commands(ctx) if name not in self.later]
        return [*made, *self.later]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.later:
            return super().get_command(ctx, cmd_name)
        help_text, make = self.later[cmd_name]
        if self._listing:  # a stand-in with the same help gives the same one-line summary
            return Command(name=cmd_name, help=help_text)
        command = make()
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with self._only_listing():
            super().format_commands(ctx, formatter)

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        with self._only_listing():
            return super().shell_complete(ctx, incomplete)

    @contextlib.contextmanager
    def _only_listing(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False


def made(register: Callable[[typer.Typer], None], name: str) -> Any:
    """The click command ``name`` of the commands ``register`` adds to a Typer app."""
    scratch = typer.Typer(rich_markup_mode=None, add_completion=False)
    register(scratch)
    command = typer.main.get_command(scratch)
    commands = getattr(command, "commands", None)
    return command if commands is None else commands[name]
