"""``serve``, ``mcp`` and ``sandbox``: thin launchers; the server code is imported only when run."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

__all__ = ["register"]

_INSTALL_HINT = (
    "The servers need the 'server' extra: pip install 'togai-customers[server]'"
)


def _missing_extra(exc: ImportError) -> NoReturn:
    typer.echo(f"Error: {_INSTALL_HINT} ({exc.name or exc} is not installed)", err=True)
    raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the server commands to ``app``."""

    @app.command("sandbox")
    def sandbox(
        host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 4010,
        db: Annotated[str | None, typer.Option(help="SQLite file to persist to.")] = None,
        api_key: Annotated[
            str | None,
            typer.Option("--api-key", envvar="TOGAI_SANDBOX_API_KEY",
                         help="Accept only this bearer token (default: any non-empty token)."),
        ] = None,
        fail_rate: Annotated[float, typer.Option(min=0.0, max=1.0,
                             help="Fraction of requests failing (500/503/dropped).")] = 0.0,
        latency_ms: Annotated[float, typer.Option(min=0.0, help="Added latency per request.")] = 0.0,
        rate_limit: Annotated[float | None, typer.Option(min=0.0,
                              help="Requests per second before 429.")] = None,
        seed: Annotated[int | None, typer.Option(help="Seed for the fault injection.")] = None,
    ) -> None:
        """Run the sandbox: a local, stateful emulator of the Togai Customers API."""
        try:
            from togai_customers_server.sandbox import run_sandbox  # type: ignore[attr-defined]
        except ImportError as exc:
            _missing_extra(exc)
        run_sandbox(host=host, port=port, db=db, api_key=api_key, fail_rate=fail_rate,
                    latency_ms=latency_ms, rate_limit=rate_limit, seed=seed)
