"""``httpx``, imported on first attribute access, for modules that only name it.

The configuration and exception modules mention ``httpx`` in annotations and a check or two, and
the command line reads their defaults for ``--help``: binding the name to this stand-in keeps
``import httpx`` (a tenth of a second) off that path, while ``typing.get_type_hints`` on their
classes still resolves ``httpx.Response`` to the real class.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["LazyModule"]


class LazyModule:
    """Stands in for the module ``name`` until an attribute of it is read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
