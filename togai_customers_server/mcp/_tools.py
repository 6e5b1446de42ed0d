"""One MCP tool per row of the operation table, with schemas derived from the models.

Built on the documented low-level server API only (``mcp.types.Tool``, ``CallToolResult``): each
tool's ``inputSchema`` is assembled here from the row (``customer_id``, the query parameters, and
every attribute of the request model, each property being the JSON Schema ``_schema`` derives
from the ``_fields`` metadata: type, limits, description, examples), and its ``outputSchema`` is
the upstream camelCase JSON of the response model. Arguments are checked by a pydantic model of
our own for JSON types, required-ness and unknown names, with the errors put in plain words; the
limits (and nested objects) are checked by the SDK call itself, whose errors name the field in the
same snake_case the schema uses. Results carry the JSON as ``structuredContent`` plus the same
JSON as text; error results carry text only (no ``structuredContent``, which clients would
validate against the ``outputSchema``).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import pydantic
from mcp.types import CallToolResult, TextContent, Tool, ToolAnnotations

from togai_customers._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    TogaiError,
)
from togai_customers._operations import Operation
from togai_customers._schema import json_schema

__all__ = [
    "ToolSpec",
    "arguments_error_text",
    "build_tool",
    "error_result",
    "error_text",
    "parse_arguments",
    "success_result",
    "tool_arguments_model",
    "tool_description",
    "tool_input_schema",
]


class _Arguments(pydantic.BaseModel):
    """Tool arguments: unknown names are rejected, so a misspelt field is not silently dropped.

    Errors show no input values: they may be huge, or a password.
    """

    model_config = pydantic.ConfigDict(extra="forbid", hide_input_in_errors=True)


def _python_type(tp: Any) -> Any:
    """The pydantic-checkable type of a model annotation: nested models become plain objects."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _python_type(inner) | None
    if origin is list:
        (item,) = typing.get_args(tp)
        return list[_python_type(item)]  # type: ignore[misc]
    if origin is dict:
        return dict[str, Any]
    if isinstance(tp, type) and attrs.has(tp):
        return dict[str, Any]
    return tp


def tool_arguments_model(op: Operation[Any]) -> type[pydantic.BaseModel]:
    """The pydantic model that checks ``op``'s tool arguments (types, required, unknown names)."""
    fields: dict[str, Any] = {}
    for p in op.params:
        fields[p.name] = p.value_type if p.required else (p.value_type | None, None)
    if op.request_type is not None:
        hints = typing.get_type_hints(op.request_type)
        for a in attrs.fields(op.request_type):
            tp = _python_type(hints[a.name])
            fields[a.name] = tp if a.default is attrs.NOTHING else (tp | None, None)
    for name in fields:
        assert not hasattr(pydantic.BaseModel, name), f"{name} shadows a pydantic attribute"
    model: type[pydantic.BaseModel] = pydantic.create_model(
        f"{op.name}_arguments", __base__=_Arguments, **fields
    )
    return model


def tool_input_schema(op: Operation[Any]) -> dict[str, Any]:
    """The tool's ``inputSchema``: snake_case properties with the spec's limits, no extras."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for p in op.params:
        properties[p.name] = p.json_schema()
        if p.required:
            required.append(p.name)
    if op.request_type is not None:
        body = json_schema(op.request_type, wire=False)
        properties.update(body["properties"])
        required += body.get("required", [])
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


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
        input_schema=tool_input_schema(op),
        output_schema=json_schema(op.response_type),
        annotations=_annotations(op),
    )


# Arguments -----------------------------------------------------------------------------------

_KINDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
}
_TYPE_ERRORS = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "dict_type": "object",
    "model_type": "object",
    "list_type": "array",
}


def _where(loc: tuple[int | str, ...]) -> str:
    """``("settings", 0, "id")`` as ``settings[0].id``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the arguments"


def arguments_error_text(exc: pydantic.ValidationError) -> str:
    """Plain words for each problem: no pydantic phrasing, no URLs, no input values."""
    parts: list[str] = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        where, kind = _where(err["loc"]), err["type"]
        if kind == "missing":
            parts.append(f"{where} is required")
        elif kind == "extra_forbidden":
            parts.append(f"{where} is not an argument of this tool")
        elif kind in _TYPE_ERRORS:
            parts.append(f"{where} must be {_KINDS[_TYPE_ERRORS[kind]]}")
        else:
            parts.append(f"{where} is not valid (see the tool's input schema)")
    return "; ".join(parts)


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


def parse_arguments(
    model: type[pydantic.BaseModel], schema: Mapping[str, Any], arguments: dict[str, Any] | None
) -> dict[str, Any]:
    """The arguments given (``null`` meaning left out), checked; raises ``ValidationError``."""
    given = _decode_json_strings(arguments or {}, schema)
    checked = model.model_validate(given)
    return {k: v for k, v in checked.model_dump().items() if k in given and v is not None}


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
        details = "; ".join(e.describe() for e in exc.errors)
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
    arguments: type[pydantic.BaseModel]
    #: ``builder(op)``: the SDK's validated :class:`Call` from the checked arguments.
    build: Callable[..., Any]

    @classmethod
    def of(cls, op: Operation[Any], *, confirmed: bool = True) -> ToolSpec:
        from togai_customers._calls import builder

        # A row without a builder fails here, when the server is made.
        tool = build_tool(op, confirmed=confirmed)
        return cls(op, tool, tool_arguments_model(op), builder(op))

    def parse(self, arguments: dict[str, Any] | None) -> dict[str, Any]:
        """Checked arguments; raises ``pydantic.ValidationError``."""
        return parse_arguments(self.arguments, self.tool.input_schema, arguments)
