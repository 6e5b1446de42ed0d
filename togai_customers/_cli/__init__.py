"""The ``togai-customers`` command line (Typer). Imports no server code until a server command runs.

Start-up is most of a short command's time, so each piece loads when it is needed: ``--version``
alone is answered before Typer is imported, the command tree (``_app``) imports no HTTP stack,
and every command imports what it runs (the SDK client, rich, the bulk code) when it runs.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import app
    from ._state import CliState

__all__ = ["CliState", "app", "main"]


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:  # what scripts ask most often: no Typer needed
        from togai_customers import __version__

        print(f"togai-customers {__version__}")
        return
    from ._app import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        from ._app import app

        return app
    if name == "CliState":
        from ._state import CliState

        return CliState
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
