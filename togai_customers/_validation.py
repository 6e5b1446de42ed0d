"""Client-side validation of request models against the spec's limits (declared in ``_fields``)."""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Any

import attrs

from ._exceptions import FieldError, RequestValidationError
from ._fields import Constraints, constraints_of, to_camel

__all__ = ["check", "nothing_to_change", "validate"]


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _type_error(value: Any, tp: Any) -> str | None:
    """Return why ``value`` is not of the annotated type ``tp`` (shallow), or None."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        errors = [_type_error(value, a) for a in options]
        return None if any(e is None for e in errors) else errors[0]
    if origin is list:
        return None if isinstance(value, list) else "expected a list"
    if origin is dict:
        return None if isinstance(value, dict) else "expected a mapping"
    if tp is bool:
        return None if isinstance(value, bool) else "expected a boolean"
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "expected an integer"
    if tp is str:
        return None if isinstance(value, str) else "expected a string"
    if tp is datetime:
        if not isinstance(value, datetime):
            return "expected a datetime"
        return None if value.tzinfo is not None else "must be timezone-aware"
    if isinstance(tp, type) and attrs.has(tp):
        return None if isinstance(value, tp) else f"expected {tp.__name__}"
    return None


def _check_value(value: Any, c: Constraints) -> str | None:
    if isinstance(value, str):
        if c.min_length is not None and len(value) < c.min_length:
            return f"must be at least {c.min_length} characters (got {len(value)})"
        if c.max_length is not None and len(value) > c.max_length:
            return f"must be at most {c.max_length} characters (got {len(value)})"
        if c.enum is not None and value not in c.enum:
            return f"must be one of {', '.join(c.enum)} (got {value!r:.60})"
        regex = c.regex
        if regex is not None and not regex.fullmatch(value):
            return f"does not match the pattern {c.pattern}"
    if isinstance(value, list) and c.max_items is not None and len(value) > c.max_items:
        return f"must have at most {c.max_items} items (got {len(value)})"
    return None


def _walk(obj: Any, py: str, wire: str, out: list[FieldError]) -> None:
    cls = type(obj)
    hints = _hints(cls)
    for a in attrs.fields(cls):
        value = getattr(obj, a.name)
        p = f"{py}.{a.name}" if py else a.name
        w = f"{wire}.{to_camel(a.name)}" if wire else to_camel(a.name)
        if value is None:
            if a.default is attrs.NOTHING:
                out.append(FieldError(p, w, "field required"))
            continue
        problem = _type_error(value, hints[a.name])
        if problem is None:
            problem = _check_value(value, constraints_of(a))
        if problem is not None:
            out.append(FieldError(p, w, problem))
            continue
        if attrs.has(type(value)):
            _walk(value, p, w, out)
        elif isinstance(value, list):
            _walk_items(value, a, hints[a.name], p, w, out)
        elif isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str) or not isinstance(v, str):
                    out.append(FieldError(f"{p}[{k!r}]", f"{w}[{k!r}]", "expected a string"))


def _walk_items(
    items: list[Any], a: attrs.Attribute[Any], tp: Any, py: str, wire: str, out: list[FieldError]
) -> None:
    c = constraints_of(a)
    item_c = Constraints(min_length=c.item_min_length, max_length=c.item_max_length)
    (list_type,) = [t for t in typing.get_args(tp) if typing.get_origin(t) is list] or [tp]
    (item_type,) = typing.get_args(list_type)
    for i, item in enumerate(items):
        p, w = f"{py}[{i}]", f"{wire}[{i}]"
        problem = _type_error(item, item_type) or _check_value(item, item_c)
        if problem is not None:
            out.append(FieldError(p, w, problem))
        elif attrs.has(type(item)):
            _walk(item, p, w, out)


def nothing_to_change(names: list[str]) -> str:
    """The message for a request that needs a field and has none (``names``: what it takes)."""
    return f"nothing to change: give at least one of {', '.join(names)}"


def validate(model: Any) -> list[FieldError]:
    """Every way ``model`` breaks the spec (types, lengths, patterns, counts, enums)."""
    out: list[FieldError] = []
    cls = type(model)
    fields = attrs.fields(cls)
    if getattr(cls, "__requires_a_field__", False) and all(
        getattr(model, a.name) is None for a in fields
    ):
        out.append(FieldError("", "", nothing_to_change([a.name for a in fields])))
    _walk(model, "", "", out)
    return out


def check(model: Any, *, wire: bool = False) -> None:
    """Raise :class:`RequestValidationError` if ``model`` breaks the spec."""
    errors = validate(model)
    if errors:
        raise RequestValidationError(errors, wire=wire)
