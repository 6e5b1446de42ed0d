"""The least a CLI on Typer and httpx does for `get ID`: one option, one argument, one GET,
the JSON printed (benchmark 11's second floor; never part of the product).

    TOGAI_BASE_URL=http://127.0.0.1:4010 TOGAI_API_KEY=key python benchmarks/mini_cli.py c1
"""

from __future__ import annotations

import json
from typing import Annotated

import httpx
import typer

app = typer.Typer(add_completion=False)


@app.command()
def get(
    customer_id: str,
    base_url: Annotated[str, typer.Option(envvar="TOGAI_BASE_URL")] = "https://api.togai.com",
    api_key: Annotated[str, typer.Option(envvar="TOGAI_API_KEY")] = "",
) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base_url, headers=headers) as http:
        answer = http.get(f"/customers/{customer_id}")
        answer.raise_for_status()
        typer.echo(json.dumps(answer.json(), indent=2))


if __name__ == "__main__":
    app()
