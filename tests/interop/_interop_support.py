"""Helpers shared by the interop tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Runs ``client.mjs`` with its arguments; returns what it printed (one JSON object).
NodeClient = Callable[..., dict[str, Any]]
