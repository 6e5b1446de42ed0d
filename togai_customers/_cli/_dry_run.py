"""``--dry-run``: show the exact request the SDK would send, and send nothing.

The request is built by the SDK itself (the row's ``build`` validates the arguments, the
client's ``build_request`` makes the ``httpx.Request``), so what is shown is what would go out,
with the API key and secret fields (a contact's password) redacted.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import attrs
import typer

from togai_customers.spec import Call, constraints_of, to_camel

from ._columns import strip_optional
from ._output import print_json
from ._state import REDACTED, CliState

__all__ = ["show_request"]


def _redact_secrets(data: Any, cls: Any) -> Any:
    if not (isinstance(data, dict) and isinstance(cls, type) and attrs.has(cls)):
        return data
    out = dict(data)
    hints = typing.get_type_hints(cls)
    for a in attrs.fields(cls):
        key = to_camel(a.name)
        if key not in out:
            continue
        if constraints_of(a).secret:
            out[key] = REDACTED
        else:
            out[key] = _redact_secrets(out[key], strip_optional(hints[a.name]))
    return out


def show_request(
    state: CliState, call: Call[Any], *, one_line: bool = False, note: bool = True
) -> None:
    """Print the request of ``call`` (method, URL, headers, JSON body) in the output format
    (``one_line``: a JSON Lines line); ``note``: say on stderr that nothing was sent."""
    request = state.offline_client().build_request(call)
    headers = {
        name: ("Bearer " + REDACTED if name.lower() == "authorization" else value)
        for name, value in request.headers.items()
    }
    body = json.loads(request.content) if request.content else None
    if call.body is not None:
        body = _redact_secrets(body, type(call.body))
    shown = {"method": request.method, "url": str(request.url), "headers": headers, "body": body}
    if one_line:
        typer.echo(json.dumps(shown, ensure_ascii=False))
    elif state.output_format() in ("json", "jsonl"):
        print_json(shown)
    else:
        typer.echo(f"{request.method} {request.url}")
        for name, value in headers.items():
            typer.echo(f"{name}: {value}")
        if body is not None:
            typer.echo("")
            typer.echo(json.dumps(body, indent=2, ensure_ascii=False))
    if note:
        typer.echo("Dry run: nothing was sent.", err=True)
