"""What the global options of the CLI resolve to; passed to every command as ``ctx.obj``."""

from __future__ import annotations

import attrs

__all__ = ["CliState"]


@attrs.define(kw_only=True)
class CliState:
    api_key: str | None = attrs.field(default=None, repr=False)
    base_url: str | None = None
    timeout: float = 30.0
    max_retries: int = 2
    output: str | None = None  # table | json | jsonl | csv; None: table on a terminal, else json
    verbose: bool = False
