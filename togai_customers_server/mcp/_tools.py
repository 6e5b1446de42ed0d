"""One MCP tool per row of the operation table, with schemas derived from the models.

Built on the documented low-level server API only (``mcp.types.Tool``, ``CallToolResult``): each
tool's ``inputSchema`` is the row's :meth:`~togai_customers.Operation.input_schema`
(``customer_id``, the query parameters, and every attribute of the request model, with the limits,
descriptions and examples of the ``_fields`` metadata) and its ``outputSchema`` the upstream
camelCase JSON of the response model. Arguments are checked once, by the row's
:meth:`~togai_customers.Operation.from_arguments` (the SDK's one converter: unknown and missing
names, JSON types, limits), and its errors are put in plain words here. Results carry the JSON as
``structuredContent`` plus the same JSON as text; error results carry text only (no
``structuredContent``, which clients would validate against the ``outputSchema``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from mcp.types import CallToolResult, TextContent, Tool, ToolAnnotations

from togai_customers import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    Call,
    FieldError,
    FieldProblem,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    TogaiError,
)
from togai_customers.spec import Operation, json_schema

__all__ = [
    "ToolSpec",
    "arguments_text",
    "build_tool",
    "error_result",
    "error_text",
    "success_result",
    "tool_description",
]


def tool_description(op: Operation[Any], *, confirmed: bool = True) -> str:
    """What the tool does, for an LLM reader: the row's description plus its guidance.

    ``confirmed=False`` (``--allow-unconfirmed-deletes``): a destructive tool also says that
    nobody will be asked.
    """
    text = f"{op.summary}. {op.description}\n\n{op.guidance}"
    if op.destructive and not confirmed:
        text += (
            "\n\nThis server does not ask the person to confirm: confirm with the user before "
            "calling it."
        )
    return text


def _annotations(op: Operation[Any]) -> ToolAnnotations:
    return ToolAnnotations(
        title=op.summary,
        read_only_hint=op.read_only,
        destructive_hint=op.destructive,
        idempotent_hint=op.idempotent,
        open_world_hint=True,
    )


def build_tool(op: Operation[Any], *, confirmed: bool = True) -> Tool:
    """The MCP tool definition of ``op`` (what ``tools/list`` shows)."""
    return Tool(
        name=op.tool_name,
        title=op.summary,
        description=tool_description(op, confirmed=confirmed),
        input_schema=op.input_schema(),
        output_schema=json_schema(op.response_type),
        annotations=_annotations(op),
    )


# Arguments -----------------------------------------------------------------------------------


def _problem_text(error: FieldError) -> str:
    """One problem in plain words, named as the tool's input schema names it (snake_case)."""
    where = error.field or "the arguments"
    if error.problem is FieldProblem.REQUIRED:
        return f"{where} is required"
    if error.problem is FieldProblem.UNKNOWN and not any(c in where for c in ".["):
        return f"{where} is not an argument of this tool"  # a nested one is an unknown field
    if error.problem is FieldProblem.TYPE and error.expected:
        return f"{where} must be {error.expected}"
    return error.describe()


def arguments_text(errors: Sequence[FieldError]) -> str:
    """Every problem with a call's arguments, in plain words, no values (they may be huge, or a
    password)."""
    return "; ".join(_problem_text(e) for e in errors)


def _decode_json_strings(arguments: dict[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Object and array arguments sent as JSON text (some desktop clients do) as the JSON value."""
    properties = schema.get("properties", {})
    decoded = dict(arguments)
    for name, value in arguments.items():
        kind = properties.get(name, {}).get("type")
        if kind not in ("object", "array") or not isinstance(value, str):
            continue
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            continue
        if isinstance(parsed, dict if kind == "object" else list):
            decoded[name] = parsed
    return decoded


# Results -------------------------------------------------------------------------------------


def success_result(data: dict[str, Any]) -> CallToolResult:
    """A successful call: the JSON as ``structuredContent`` and as text."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def error_result(text: str) -> CallToolResult:
    """A failed call: text only, so there is nothing for a client to check against outputSchema."""
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


class _Values(dict[str, Any]):
    """Tool arguments for an advice template: a missing one shows as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def error_text(op: Operation[Any], exc: TogaiError, arguments: Mapping[str, Any]) -> str:
    """The message an agent sees for a failed call: what happened, then what to do next.

    Statuses the row gives advice for (``error_advice``) get it; the others the generic text.
    """
    if isinstance(exc, RequestValidationError):
        details = arguments_text(exc.errors)
        return f"invalid arguments: {details}. Fix them and call {op.tool_name} again."
    if isinstance(exc, APIStatusError) and exc.status_code in op.error_advice:
        template = op.error_advice[exc.status_code]
        return template.format_map(_Values(arguments, message=exc.message))
    if isinstance(exc, RateLimitError):
        wait = exc.retry_after
        when = f"after {wait:g} seconds" if wait is not None else "in a few seconds"
        return f"rate limited by Togai (Togai: {exc.message}); call {op.tool_name} again {when}."
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return (
            f"Togai refused the API key ({exc.status_code}: {exc.message}); retrying will not "
            "help: the key must be fixed (the server's TOGAI_API_KEY or, when the server "
            "forwards callers' keys, the bearer token you send)."
        )
    if isinstance(exc, APIStatusError):
        hint = (
            "retry later"
            if exc.status_code >= 500
            else "check the arguments against the tool's input schema and call again"
        )
        request = f" (request id {exc.request_id})" if exc.request_id else ""
        return f"Togai answered {exc}{request}; {hint}."
    if isinstance(exc, APIConnectionError):
        return f"could not reach the Togai API ({exc.message}); retry later."
    if isinstance(exc, APIResponseValidationError):
        return f"Togai sent an unexpected response ({exc.message}); retry later or report it."
    return f"{exc.message}"


@attrs.frozen
class ToolSpec:
    """Everything the server needs to list and run one row's tool."""

    op: Operation[Any]
    tool: Tool

    @classmethod
    def of(cls, op: Operation[Any], *, confirmed: bool = True) -> ToolSpec:
        return cls(op, build_tool(op, confirmed=confirmed))

    def parse(self, arguments: dict[str, Any] | None) -> tuple[dict[str, Any], Call[Any]]:
        """The arguments given (``null`` meaning left out) and their checked call; raises
        :class:`RequestValidationError` naming every bad argument."""
        given = _decode_json_strings(arguments or {}, self.tool.input_schema)
        call = self.op.from_arguments(given)
        return {k: v for k, v in given.items() if v is not None}, call
