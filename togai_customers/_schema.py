"""JSON Schema of the models, derived from their annotations and ``_fields`` constraints.

Used by the REST adapter (OpenAPI components) and the MCP server (tool input/output schemas), so
that the documented limits are the validated ones.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Any

import attrs

from ._fields import constraints_of, to_camel

__all__ = ["json_schema"]

_PRIMITIVES: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime: {"type": "string", "format": "date-time"},
}


def _type_schema(
    tp: Any, *, wire: bool, strict: bool, refs: dict[str, Any] | None
) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _type_schema(options[0], wire=wire, strict=strict, refs=refs)
    if origin is list:
        (item,) = typing.get_args(tp)
        return {"type": "array", "items": _type_schema(item, wire=wire, strict=strict, refs=refs)}
    if origin is dict:
        _, value = typing.get_args(tp)
        return {
            "type": "object",
            "additionalProperties": _type_schema(value, wire=wire, strict=strict, refs=refs),
        }
    if tp in _PRIMITIVES:
        return dict(_PRIMITIVES[tp])
    if isinstance(tp, type) and attrs.has(tp):
        if refs is None:
            return json_schema(tp, wire=wire, strict=strict)
        if tp.__name__ not in refs:
            refs[tp.__name__] = {}  # placeholder against recursion
            refs[tp.__name__] = json_schema(tp, wire=wire, strict=strict, refs=refs)
        return {"$ref": f"#/components/schemas/{tp.__name__}"}
    raise TypeError(f"no JSON schema for {tp!r}")


def json_schema(
    cls: type[Any],
    *,
    wire: bool = True,
    strict: bool = False,
    refs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """JSON Schema of an attrs model.

    ``wire``: property names in camelCase (the JSON body) rather than snake_case (SDK keywords).
    ``strict``: forbid unknown properties (request bodies). With ``refs`` (a dict to fill), nested
    models become ``$ref: #/components/schemas/Name`` entries added to it; otherwise they are
    inlined.
    """
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for a in attrs.fields(cls):
        name = to_camel(a.name) if wire else a.name
        c = constraints_of(a)
        prop = _type_schema(hints[a.name], wire=wire, strict=strict, refs=refs)
        if "$ref" in prop and c.description:
            prop = {"allOf": [prop], "description": c.description}
        elif c.description:
            prop["description"] = c.description
        for key, value in (
            ("minLength", c.min_length),
            ("maxLength", c.max_length),
            ("pattern", c.pattern),
            ("maxItems", c.max_items),
            ("enum", list(c.enum) if c.enum else None),
        ):
            if value is not None:
                prop[key] = value
        if c.item_min_length is not None or c.item_max_length is not None:
            items = prop.setdefault("items", {"type": "string"})
            if c.item_min_length is not None:
                items["minLength"] = c.item_min_length
            if c.item_max_length is not None:
                items["maxLength"] = c.item_max_length
        if c.example is not None:
            prop["examples"] = [c.example]
        if c.secret:
            prop["writeOnly"] = True
        properties[name] = prop
        if a.default is attrs.NOTHING:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "title": cls.__name__, "properties": properties}
    doc = (cls.__doc__ or "").strip().splitlines()
    if doc:
        schema["description"] = doc[0]
    if required:
        schema["required"] = required
    if strict:
        schema["additionalProperties"] = False
        if getattr(cls, "__requires_a_field__", False):
            schema["minProperties"] = 1
    return schema
