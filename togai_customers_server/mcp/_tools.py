"""One MCP tool per row of the operation table, with schemas derived from the models.

Each tool is registered as an explicit :class:`mcp.server.mcpserver.tools.Tool`: its arguments
model is a pydantic model built from the row (``customer_id``, the query parameters, and every
attribute of the request model), where each property's JSON Schema is the one ``_schema`` derives
from the ``_fields`` metadata (type, limits, description, examples). Pydantic checks only the
JSON types, required-ness and unknown names; the limits (and nested objects) are checked by the
SDK call itself, whose errors name the field in the same snake_case the schema uses. The output
schema is the upstream camelCase JSON of the response model; results carry it as
``structuredContent`` plus the same JSON as text.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

import attrs
import pydantic
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from togai_customers import AsyncTogaiCustomers
from togai_customers._calls import builder
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

__all__ = ["ClientResolver", "build_tool", "tool_arguments_model", "tool_description"]

#: Returns the SDK client to use for one tool call (the shared one, or one with a forwarded key).
ClientResolver = Callable[[Context], Awaitable[AsyncTogaiCustomers]]


class _Arguments(ArgModelBase):
    """Tool arguments: unknown names are rejected, so a misspelt field is not silently dropped.

    Errors show no input values: they may be huge, or a password.
    """

    model_config = pydantic.ConfigDict(
        extra="forbid", arbitrary_types_allowed=True, hide_input_in_errors=True
    )


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


def _with_schema(tp: Any, schema: dict[str, Any]) -> Any:
    """``tp`` checked by pydantic, published with our own JSON Schema (limits, description)."""
    return Annotated[tp, pydantic.WithJsonSchema(schema)]


def tool_arguments_model(op: Operation[Any]) -> type[ArgModelBase]:
    """The pydantic model of ``op``'s tool arguments (its JSON Schema is the tool's input)."""
    fields: dict[str, Any] = {}
    for p in op.params:
        annotation = _with_schema(
            p.value_type if p.required else p.value_type | None, p.json_schema()
        )
        fields[p.name] = annotation if p.required else (annotation, None)
    if op.request_type is not None:
        properties = json_schema(op.request_type, wire=False)["properties"]
        hints = typing.get_type_hints(op.request_type)
        for a in attrs.fields(op.request_type):
            annotation = _with_schema(_python_type(hints[a.name]), properties[a.name])
            fields[a.name] = annotation if a.default is attrs.NOTHING else (annotation, None)
    for name in fields:
        assert not hasattr(pydantic.BaseModel, name), f"{name} shadows a pydantic attribute"
    model: type[ArgModelBase] = pydantic.create_model(
        f"{op.name}_arguments", __base__=_Arguments, **fields
    )
    return model


def tool_description(op: Operation[Any]) -> str:
    """What the tool does, for an LLM reader: the row's description plus its guidance."""
    return f"{op.summary}. {op.description}\n\n{op.guidance}"


def _annotations(op: Operation[Any]) -> ToolAnnotations:
    return ToolAnnotations(
        title=op.summary,
        read_only_hint=op.read_only,
        destructive_hint=op.destructive,
        idempotent_hint=op.idempotent,
        open_world_hint=True,
    )


class _Values(dict[str, Any]):
    """Tool arguments for an advice template: a missing one shows as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def _error_text(op: Operation[Any], exc: TogaiError, arguments: Mapping[str, Any]) -> str:
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


def _result(data: dict[str, Any]) -> CallToolResult:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def build_tool(op: Operation[Any], resolve_client: ClientResolver) -> Tool:
    """The MCP tool for ``op``: calls the SDK method of the same name on the resolved client."""
    arguments_model = tool_arguments_model(op)
    build = builder(op)  # a row without a builder fails here, when the server is made

    async def call(ctx: Context, **arguments: Any) -> CallToolResult:
        given = {k: v for k, v in arguments.items() if v is not None}
        client = await resolve_client(ctx)
        try:
            raw = await client._execute(build(**given))
            model = raw.parse()
        except TogaiError as exc:
            raise ToolError(_error_text(op, exc, given)) from None
        data: dict[str, Any] = model.to_dict()
        return _result(data)

    return Tool(
        fn=call,
        name=op.tool_name,
        title=op.summary,
        description=tool_description(op),
        parameters=arguments_model.model_json_schema(by_alias=True),
        # A hand-built output schema (the upstream JSON of the response model); the tool returns
        # its own CallToolResult, so the SDK publishes the schema without re-validating.
        fn_metadata=FuncMetadata(
            arg_model=arguments_model, output_schema=json_schema(op.response_type)
        ),
        is_async=True,
        context_kwarg="ctx",
        annotations=_annotations(op),
    )
